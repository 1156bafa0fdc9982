"""Recording quiz answers: once per user and poll, whatever Telegram redelivers."""

from __future__ import annotations

from datetime import UTC, datetime
from random import Random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.practice import next_card
from bot.platform.content.schema import Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Attempt, SelfGrade
from bot.study.answers import PollAnswer, record_answers
from bot.study.grades import Grade, record_self_grade
from bot.study.polls import record_sent_poll
from bot.study.users import UserProfile
from tests.unit.factories import TOPICS, learner, question, quiz

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ALICE = UserProfile(1001, "Alice")
BOB = UserProfile(1002, "Bob")


async def sent_quiz(session: AsyncSession, poll_id: str = "poll-1", chat_id: int = 1001) -> int:
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    card = await next_card(session, learner(chat_id), {Kind.QUIZ}, NOW, Random(0))
    assert card is not None
    await record_sent_poll(session, poll_id=poll_id, item_id=card.id, chat_id=chat_id,
                           message_id=10, correct_option_ids=[1], now=NOW)
    return card.id


def answer(user: UserProfile, options: tuple[int, ...], poll_id: str = "poll-1") -> PollAnswer:
    return PollAnswer(poll_id=poll_id, user=user, option_ids=options, answered_at=NOW)


async def test_an_answer_becomes_one_attempt_with_its_verdict(session: AsyncSession) -> None:
    item_id = await sent_quiz(session)
    (outcome,) = await record_answers(session, [answer(ALICE, (1,))])
    assert outcome is not None
    assert (outcome.is_correct, outcome.is_new, outcome.item_id) == (True, True, item_id)
    assert outcome.explain_privately
    attempt = await session.scalar(select(Attempt))
    assert attempt is not None
    assert (attempt.user_id, attempt.chosen_option_ids, attempt.is_correct) == (1001, [1], True)


async def test_a_redelivered_answer_counts_once(session: AsyncSession) -> None:
    await sent_quiz(session)
    same_twice = answer(ALICE, (0,))
    first, again = await record_answers(session, [same_twice, same_twice])
    assert first is not None
    assert again is not None
    assert (first.is_new, again.is_new, first.is_correct) == (True, False, False)
    (later,) = await record_answers(session, [answer(ALICE, (0,))])
    assert later is not None
    assert not later.is_new
    assert not later.explain_privately
    assert len((await session.scalars(select(Attempt))).all()) == 1


async def test_a_batch_mixes_known_unknown_and_retracted_answers(session: AsyncSession) -> None:
    await sent_quiz(session, chat_id=-100)
    outcomes = await record_answers(session, [
        answer(ALICE, (1,)), answer(BOB, (2,)), answer(BOB, (1,), poll_id="stranger"),
        answer(ALICE, ()),
    ])
    assert [o.is_correct if o else None for o in outcomes] == [True, False, None, None]
    assert not any(o.explain_privately for o in outcomes if o)  # a group poll: reveal later
    assert len((await session.scalars(select(Attempt))).all()) == 2


async def test_a_self_grade_is_stored_once_per_answer_message(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [question("c")], NOW)
    card = await next_card(session, learner(7), {Kind.QUESTION}, NOW, Random(0))
    assert card is not None
    for grade, stored_anew in ((Grade.GOOD, True), (Grade.EASY, False)):
        assert await record_self_grade(
            session, user_id=7, item_id=card.id, chat_id=7, message_id=42, grade=grade, now=NOW
        ) is stored_anew
    stored = (await session.scalars(select(SelfGrade.grade))).all()
    assert stored == ["good"]
