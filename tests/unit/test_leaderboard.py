"""A chat's leaderboard: its own quizzes only, the best answerers first, by week or all time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily.leaderboard import Board, Standing, board, month_start, top_answerers, week_start
from bot.platform.content.sync import sync_content
from bot.study.answers import PollAnswer, record_answers
from bot.study.polls import record_sent_poll
from bot.study.users import UserProfile
from tests.unit.factories import TOPICS, quiz

GROUP = -1001234567890
OTHER_GROUP = -1009876543210
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ALICE = UserProfile(1001, "Алиса", "alice")
BOB = UserProfile(1002, "Bob")
CAROL = UserProfile(1003, "Carol")


async def post_quiz(session: AsyncSession, poll_id: str, chat_id: int = GROUP) -> None:
    """A quiz the bot posted; the right option is 1."""
    await sync_content(session, TOPICS, [quiz("a")], MONDAY)
    await record_sent_poll(session, poll_id=poll_id, item_id=1, chat_id=chat_id,
                           message_id=len(poll_id), correct_option_ids=[1], now=MONDAY)


async def vote(
    session: AsyncSession, user: UserProfile, poll_id: str, option: int, at: datetime = MONDAY
) -> None:
    await record_answers(session, [PollAnswer(poll_id, user, (option,), at)])


async def test_most_correct_answers_first_then_fewer_tries(session: AsyncSession) -> None:
    for poll in ("p1", "p2", "p3"):
        await post_quiz(session, poll)
    await vote(session, ALICE, "p1", 1)
    await vote(session, ALICE, "p2", 1)
    await vote(session, BOB, "p1", 1)
    await vote(session, BOB, "p2", 0)
    await vote(session, BOB, "p3", 1)
    await vote(session, CAROL, "p1", 1)
    await vote(session, CAROL, "p2", 1)
    await vote(session, CAROL, "p3", 0)
    assert await top_answerers(session, GROUP) == [
        Standing(1001, "Алиса", "alice", correct=2, answered=2),
        Standing(1002, "Bob", None, correct=2, answered=3),
        Standing(1003, "Carol", None, correct=2, answered=3),
    ]
    assert len(await top_answerers(session, GROUP, limit=1)) == 1


async def test_only_the_chats_own_quizzes_count(session: AsyncSession) -> None:
    await post_quiz(session, "here")
    await post_quiz(session, "elsewhere", chat_id=OTHER_GROUP)
    await vote(session, ALICE, "elsewhere", 1)
    await vote(session, BOB, "here", 0)
    assert await top_answerers(session, GROUP) == [Standing(1002, "Bob", None, 0, 1)]
    assert await top_answerers(session, -1001111111111) == []


async def test_the_week_leaves_out_older_answers(session: AsyncSession) -> None:
    await post_quiz(session, "old")
    await post_quiz(session, "new")
    await vote(session, ALICE, "old", 1, at=MONDAY - timedelta(days=2))
    await vote(session, BOB, "new", 1, at=MONDAY)
    this_week = await top_answerers(session, GROUP, since=MONDAY - timedelta(hours=9))
    assert [standing.user_id for standing in this_week] == [BOB.id]
    assert len(await top_answerers(session, GROUP)) == 2


def test_the_week_starts_on_monday_midnight_in_the_chats_zone() -> None:
    sunday_night_in_moscow = datetime(2026, 11, 29, 21, 30, tzinfo=UTC)  # Monday 00:30 local
    assert week_start(sunday_night_in_moscow, ZoneInfo("Europe/Moscow")) == datetime(
        2026, 11, 29, 21, 0, tzinfo=UTC
    )
    assert week_start(sunday_night_in_moscow, ZoneInfo("America/New_York")) == datetime(
        2026, 11, 23, 5, 0, tzinfo=UTC
    )


def test_the_month_starts_on_the_first_at_midnight_in_the_chats_zone() -> None:
    first_night_in_moscow = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # 1 December 00:30 local
    assert month_start(first_night_in_moscow, ZoneInfo("Europe/Moscow")) == datetime(
        2026, 11, 30, 21, 0, tzinfo=UTC)
    assert month_start(first_night_in_moscow, ZoneInfo("America/New_York")) == datetime(
        2026, 11, 1, 4, 0, tzinfo=UTC)


async def test_the_asker_below_the_top_sees_their_own_place(session: AsyncSession) -> None:
    for poll in ("p1", "p2"):
        await post_quiz(session, poll)
    await vote(session, ALICE, "p1", 1)
    await vote(session, ALICE, "p2", 1)
    await vote(session, BOB, "p1", 1)
    await vote(session, CAROL, "p1", 1)
    await vote(session, CAROL, "p2", 0)
    assert await board(session, GROUP, CAROL.id, limit=1) == Board(
        [Standing(1001, "Алиса", "alice", 2, 2)], (3, Standing(1003, "Carol", None, 1, 2)))
    assert (await board(session, GROUP, ALICE.id, limit=1)).own is None  # in the top already
    assert (await board(session, GROUP, 999, limit=1)).own is None  # never answered
    assert (await board(session, GROUP, CAROL.id)).own is None  # everyone fits
