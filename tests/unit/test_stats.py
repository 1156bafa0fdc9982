"""Progress statistics: streaks in the learner's own days, accuracy per topic, cards."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.progress import FORECAST_DAYS, MIN_HISTORY_DAYS, Streaks, progress, streaks
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Attempt, Item, ReviewCard, SelfGrade, SentPoll
from bot.study.grades import Grade
from tests.unit.factories import TOPICS, question, quiz

ALICE = 1001
NEW_YORK = ZoneInfo("America/New_York")
MOSCOW = ZoneInfo("Europe/Moscow")
_ids = count(1)


async def bank(session: AsyncSession) -> dict[str, int]:
    items = [quiz("m1"), quiz("m2"), quiz("s1", topic="sql"), question("q1")]
    await sync_content(session, TOPICS, items, datetime(2026, 1, 1, tzinfo=UTC))
    rows = await session.execute(select(Item.slug, Item.id))
    return dict(rows.all())


async def answered(
    session: AsyncSession, item_id: int, at: datetime, *, correct: bool = True,
    user_id: int = ALICE,
) -> None:
    poll_id = f"poll-{next(_ids)}"
    session.add(SentPoll(poll_id=poll_id, item_id=item_id, chat_id=user_id, message_id=1,
                         correct_option_ids=[1], sent_at=at))
    await session.flush()
    session.add(Attempt(user_id=user_id, item_id=item_id, poll_id=poll_id,
                        chosen_option_ids=[1 if correct else 0], is_correct=correct,
                        answered_at=at))
    await session.flush()


async def graded(session: AsyncSession, item_id: int, at: datetime, grade: Grade) -> None:
    session.add(SelfGrade(user_id=ALICE, item_id=item_id, chat_id=ALICE,
                          message_id=next(_ids), grade=grade.value, graded_at=at))
    await session.flush()


def local(zone: ZoneInfo, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def test_streaks_count_runs_of_days_and_today_may_still_come() -> None:
    today = date(2026, 11, 24)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 10, 11, 12, 13, 14)}
    assert streaks(days, today) == Streaks(current=3, best=5)  # nothing yet today: still alive
    assert streaks(days | {today}, today) == Streaks(current=4, best=5)
    assert streaks(days - {today - timedelta(days=1)}, today) == Streaks(current=0, best=5)
    assert streaks(set(), today) == Streaks(current=0, best=0)


async def test_answers_at_2330_and_0030_local_are_two_days_of_a_streak(
    session: AsyncSession,
) -> None:
    items = await bank(session)
    # In New York both fall on the same UTC date (04:30 and 05:30 UTC on the 24th).
    await answered(session, items["m1"], local(NEW_YORK, date(2026, 11, 23), 23, 30))
    await answered(session, items["m2"], local(NEW_YORK, date(2026, 11, 24), 0, 30))
    now = local(NEW_YORK, date(2026, 11, 24), 12, 0)
    report = await progress(session, ALICE, zone=NEW_YORK, language="ru", now=now)
    assert report.streaks == Streaks(current=2, best=2)
    assert [(d.day.day, d.answers) for d in report.last_days[-2:]] == [(23, 1), (24, 1)]


async def test_a_utc_midnight_is_not_the_learners_midnight(session: AsyncSession) -> None:
    items = await bank(session)
    # 22:30 UTC on the 23rd and 01:00 UTC on the 24th are both the 24th in Moscow.
    await answered(session, items["m1"], datetime(2026, 11, 23, 22, 30, tzinfo=UTC))
    await answered(session, items["m2"], datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    report = await progress(session, ALICE, zone=MOSCOW, language="ru", now=now)
    assert report.streaks == Streaks(current=1, best=1)
    assert report.last_days[-1].answers == 2
    assert report.last_days[-2].answers == 0


async def test_best_streak_outlives_a_broken_current_one(session: AsyncSession) -> None:
    items = await bank(session)
    for day in (1, 2, 3, 4, 10, 11):
        await answered(session, items["m1"], datetime(2026, 11, day, 9, 0, tzinfo=UTC))
    now = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    report = await progress(session, ALICE, zone=MOSCOW, language="ru", now=now)
    assert report.streaks == Streaks(current=2, best=4)
    later = await progress(session, ALICE, zone=MOSCOW, language="ru",
                           now=now + timedelta(days=2))
    assert later.streaks == Streaks(current=0, best=4)


async def test_accuracy_per_topic_counts_quizzes_and_self_grades(session: AsyncSession) -> None:
    items = await bank(session)
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    await answered(session, items["m1"], at, correct=True)
    await answered(session, items["m2"], at, correct=False)
    await graded(session, items["q1"], at, Grade.HARD)  # recalled, with effort: correct
    await graded(session, items["q1"], at, Grade.AGAIN)
    await answered(session, items["s1"], at, correct=True)
    await answered(session, items["s1"], at, correct=True, user_id=2002)  # someone else's
    report = await progress(session, ALICE, zone=MOSCOW, language="en", now=at)
    assert [(t.title, t.answers, t.correct) for t in report.topics] == [
        ("Metrics", 4, 2), ("SQL", 1, 1),
    ]
    assert (report.answers, report.correct) == (5, 3)
    assert report.topics[0].accuracy == 0.5


async def test_cards_seen_mastered_due_and_the_forecast(session: AsyncSession) -> None:
    items = await bank(session)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def card(item: str, *, due: datetime, state: int = 2, stability: float = 3.0,
             reps: int = 1) -> ReviewCard:
        return ReviewCard(user_id=ALICE, item_id=items[item], state=state, step=None,
                          stability=stability, difficulty=5.0, due=due, last_review=now,
                          last_rating=3, reps=reps, lapses=0, introduced_at=now)

    session.add_all([
        card("m1", due=now - timedelta(days=2)),  # overdue: due today
        card("m2", due=now + timedelta(days=1), stability=30.0),  # mastered
        card("s1", due=now + timedelta(days=40), state=3, stability=30.0),  # relearning
        card("q1", due=now, reps=0),  # shown, never rated: not a review yet
    ])
    await answered(session, items["m1"], now)
    report = await progress(session, ALICE, zone=MOSCOW, language="ru", now=now)
    assert (report.cards.seen, report.cards.mastered, report.cards.due_now) == (4, 1, 1)
    assert len(report.forecast) == FORECAST_DAYS
    assert [day.cards for day in report.forecast[:3]] == [1, 1, 0]
    assert sum(day.cards for day in report.forecast) == 2
    assert len(report.last_days) == MIN_HISTORY_DAYS  # the first answer was today
    assert report.last_days[-1].day == date(2026, 11, 24)


async def test_a_learner_without_answers_has_an_empty_report(session: AsyncSession) -> None:
    await bank(session)
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    report = await progress(session, ALICE, zone=MOSCOW, language="ru", now=now)
    assert report.is_empty
    assert report.topics == []
