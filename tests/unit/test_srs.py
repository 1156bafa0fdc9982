"""Spaced repetition: how answers rate, and how FSRS moves a learner's cards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Rating, State
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.sync import sync_content
from bot.platform.db.models import ReviewCard
from bot.study.answers import PollAnswer, record_answers
from bot.study.grades import Grade, record_self_grade
from bot.study.polls import record_sent_poll
from bot.study.srs import FAST_ANSWER, quiz_rating, review
from bot.study.users import UserProfile
from tests.unit.factories import TOPICS, question, quiz

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALICE = UserProfile(1001, "Alice")
BOB = UserProfile(1002, "Bob")
SLOW = timedelta(minutes=2)


@pytest.mark.parametrize(
    ("is_correct", "answer_time", "last_rating", "state", "expected"),
    [
        (False, SLOW, None, None, Rating.Again),
        (False, timedelta(seconds=3), Rating.Easy, State.Review, Rating.Again),
        (True, SLOW, None, None, Rating.Good),
        (True, SLOW, Rating.Good, State.Review, Rating.Good),
        (True, timedelta(seconds=4), None, None, Rating.Easy),
        (True, FAST_ANSWER, Rating.Good, State.Review, Rating.Easy),
        (True, FAST_ANSWER + timedelta(seconds=1), Rating.Good, State.Review, Rating.Good),
        # Right after a lapse: Hard, however fast.
        (True, timedelta(seconds=4), Rating.Again, State.Learning, Rating.Hard),
        (True, SLOW, Rating.Again, State.Review, Rating.Hard),
        (True, timedelta(seconds=4), Rating.Good, State.Relearning, Rating.Hard),
    ],
)
def test_quiz_answers_rate_by_verdict_speed_and_recent_lapses(
    is_correct: bool, answer_time: timedelta, last_rating: Rating | None, state: State | None,
    expected: Rating,
) -> None:
    assert quiz_rating(is_correct=is_correct, answer_time=answer_time, last_rating=last_rating,
                       state=state) is expected


def test_self_grades_are_the_learners_own_rating() -> None:
    assert [grade.rating for grade in Grade] == [
        Rating.Again, Rating.Hard, Rating.Good, Rating.Easy
    ]


async def card_of(session: AsyncSession, user_id: int, item_id: int) -> ReviewCard:
    card = await session.get(ReviewCard, (user_id, item_id), populate_existing=True)
    assert card is not None
    return card


async def test_a_card_answered_right_moves_out_and_wrong_comes_back_today(
    session: AsyncSession,
) -> None:
    await sync_content(session, TOPICS, [question("c")], NOW)
    item_id = 1
    first = await review(session, ALICE.id, item_id, Rating.Good, NOW)
    assert NOW < first.due < NOW + timedelta(hours=1)  # a learning step
    later = NOW + timedelta(minutes=15)
    graduated = await review(session, ALICE.id, item_id, Rating.Good, later)
    assert graduated.state == State.Review
    assert graduated.due >= later + timedelta(days=1)

    review_day = graduated.due + timedelta(hours=1)
    right = await review(session, ALICE.id, item_id, Rating.Good, review_day)
    assert right.due - review_day > graduated.due - later  # the interval grows
    forgotten_at = right.due
    wrong = await review(session, ALICE.id, item_id, Rating.Again, forgotten_at)
    assert wrong.state == State.Relearning
    assert forgotten_at < wrong.due <= forgotten_at + timedelta(minutes=10)
    assert (wrong.reps, wrong.lapses, wrong.last_rating) == (4, 1, Rating.Again)
    stored = await card_of(session, ALICE.id, item_id)
    assert (stored.due, stored.state, stored.reps) == (wrong.due, State.Relearning, 4)


async def sent_poll(session: AsyncSession, poll_id: str, item_id: int, chat_id: int) -> None:
    await record_sent_poll(session, poll_id=poll_id, item_id=item_id, chat_id=chat_id,
                           message_id=10, correct_option_ids=[1], now=NOW)


async def test_a_quiz_answer_reschedules_the_card_in_the_same_batch(
    session: AsyncSession,
) -> None:
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    await sent_poll(session, "group-poll", 1, chat_id=-100)
    fast_right = PollAnswer("group-poll", ALICE, (1,), NOW + timedelta(seconds=5))
    slow_wrong = PollAnswer("group-poll", BOB, (0,), NOW + timedelta(minutes=3))
    await record_answers(session, [fast_right, slow_wrong, fast_right])

    alice, bob = await card_of(session, ALICE.id, 1), await card_of(session, BOB.id, 1)
    assert (alice.last_rating, alice.reps, alice.state) == (Rating.Easy, 1, State.Review)
    assert alice.due >= NOW + timedelta(days=1)
    assert (bob.last_rating, bob.reps) == (Rating.Again, 1)
    assert bob.due < NOW + timedelta(hours=1)

    # Telegram redelivers Alice's answer: it counted once, so the card moved once.
    await record_answers(session, [fast_right])
    assert (await card_of(session, ALICE.id, 1)).reps == 1


async def test_right_after_a_lapse_rates_hard(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    for number, (option, seconds) in enumerate(((0, 5), (1, 5))):
        poll_id = f"poll-{number}"
        await sent_poll(session, poll_id, 1, chat_id=ALICE.id)
        await record_answers(session, [PollAnswer(poll_id, ALICE, (option,),
                                                  NOW + timedelta(seconds=seconds))])
    assert (await card_of(session, ALICE.id, 1)).last_rating == Rating.Hard


async def test_a_self_grade_reschedules_once(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [question("c")], NOW)
    for grade in (Grade.EASY, Grade.AGAIN):  # the second press on the same message is ignored
        await record_self_grade(session, user_id=ALICE.id, item_id=1, chat_id=ALICE.id,
                                message_id=42, grade=grade, now=NOW)
    card = await card_of(session, ALICE.id, 1)
    assert (card.last_rating, card.reps) == (Rating.Easy, 1)
    assert card.due >= NOW + timedelta(days=1)
