"""The interview date: the plan of new cards, readiness on the day, the last days' reviews."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from random import Random

import pytest
from fsrs import Rating
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.exam import (
    ALL_SEEN_DAYS_BEFORE,
    ExamRequest,
    daily_new_plan,
    drill_pace,
    effective_due,
    exam_end,
    exam_readiness,
    final_review_start,
    load_exam,
    parse_exam_request,
    raised_cap,
    readiness,
    set_exam,
)
from bot.drills.practice import choose_item, record_view
from bot.platform.content.schema import Difficulty, Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Item
from bot.study.learners import Learner
from bot.study.srs import review
from tests.unit.factories import TOPICS, learner, quiz

# Injected time: 09:00 in Moscow, twenty days before the interview.
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
EXAM_ON = TODAY + timedelta(days=20)
REVIEWABLE = frozenset({Kind.QUIZ, Kind.QUESTION, Kind.TASK})


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-20", ExamRequest(date(2026, 12, 20), None, frozenset())),
    ("20.12.2026 Middle", ExamRequest(date(2026, 12, 20), Difficulty.MIDDLE, frozenset())),
    ("2026-12-20 senior metrics, sql",
     ExamRequest(date(2026, 12, 20), Difficulty.SENIOR, frozenset({"metrics", "sql"}))),
    ("2026-02-30", None), ("tomorrow", None), ("", None), ("2026-12-20 junior senior", None),
])
def test_exam_requests_parse(text: str, expected: ExamRequest | None) -> None:
    assert parse_exam_request(text) == expected


def test_120_items_in_20_days_make_a_plan_of_6_to_7_a_day_seen_two_days_before() -> None:
    unseen, day, plans = 120, TODAY, []
    while unseen:
        plan = daily_new_plan(unseen, day, EXAM_ON)
        plans.append(plan)
        unseen -= plan
        day += timedelta(days=1)
    assert set(plans) <= {6, 7}
    assert day - timedelta(days=1) <= EXAM_ON - timedelta(days=ALL_SEEN_DAYS_BEFORE)
    assert daily_new_plan(0, TODAY, EXAM_ON) == 0
    assert daily_new_plan(30, EXAM_ON, EXAM_ON) == 30  # late: everything now


def test_the_plan_raises_the_cap_up_to_a_hundred_never_lowers_it() -> None:
    assert raised_cap(10, 7) == 10
    assert raised_cap(5, 7) == 7
    assert raised_cap(5, 400) == 100


def test_readiness_counts_unseen_items_as_forgotten() -> None:
    assert readiness([0.9, 0.7], 4) == pytest.approx(0.4)
    assert readiness([], 0) == 0.0


@given(due=st.datetimes(min_value=datetime(2026, 11, 1), max_value=datetime(2027, 6, 1)),
       reviewed_days_before=st.integers(min_value=3, max_value=200))
def test_nothing_due_after_the_date_that_could_be_before_it(
    due: datetime, reviewed_days_before: int,
) -> None:
    alice = learner(1)
    window = final_review_start(EXAM_ON, alice)
    last_review = window - timedelta(days=reviewed_days_before)
    served = effective_due(due.replace(tzinfo=UTC), last_review, window)
    assert served <= window < exam_end(EXAM_ON, alice)
    # Reviewed inside the window already: FSRS's own date stands.
    inside = window + timedelta(hours=1)
    assert effective_due(due.replace(tzinfo=UTC), inside, window) == due.replace(tzinfo=UTC)


async def bank(session: AsyncSession, count: int = 120) -> list[int]:
    items = [quiz(f"q{n}") for n in range(count)]
    items.append(quiz("hard", difficulty="senior"))
    items.append(quiz("elsewhere", topic="sql"))
    await sync_content(session, TOPICS, items, NOW)
    rows = await session.scalars(select(Item.id).where(Item.slug.like("q%")).order_by(Item.id))
    return list(rows)


async def interview(session: AsyncSession, alice: Learner) -> None:
    await set_exam(session, alice.user_id,
                   ExamRequest(EXAM_ON, Difficulty.MIDDLE, frozenset({"metrics"})), NOW)


async def test_a_learner_with_120_items_and_20_days_gets_6_to_7_new_cards_a_day(
    session: AsyncSession,
) -> None:
    await bank(session)
    alice = learner(1, new_cards_per_day=5)
    await interview(session, alice)
    pace = await drill_pace(session, alice, NOW)
    assert pace.plan in {6, 7}  # the senior item and the SQL one are out of scope
    assert pace.new_cards_per_day == pace.plan
    served = set()
    for _ in range(10):
        item_id = await choose_item(session, alice, REVIEWABLE, NOW, Random(0), practice=False)
        if item_id is None or item_id in served:
            break
        served.add(item_id)
        await record_view(session, alice.user_id, item_id, Kind.QUIZ, NOW)
    assert len(served) == pace.plan  # the drill follows the plan, not the learner's 5


async def test_readiness_rises_as_reviews_are_done(session: AsyncSession) -> None:
    ids = await bank(session, count=6)
    alice = learner(1)
    await interview(session, alice)
    exam = await load_exam(session, alice.user_id)
    assert exam is not None

    async def overall() -> float:
        return (await exam_readiness(session, alice, exam, "ru")).overall

    levels = [await overall()]
    assert levels == [0.0]
    for day, item_id in enumerate(ids[:3]):
        at = NOW + timedelta(days=day)
        await record_view(session, alice.user_id, item_id, Kind.QUIZ, at)
        await review(session, alice.user_id, item_id, Rating.Good, at)
        levels.append(await overall())
    # A second review a week later strengthens the first card.
    await review(session, alice.user_id, ids[0], Rating.Good, NOW + timedelta(days=7))
    levels.append(await overall())
    assert levels == sorted(levels), levels
    assert len(set(levels)) == len(levels), levels  # each review raised it
    report = await exam_readiness(session, alice, exam, "ru")
    assert [(topic.topic_id, topic.items) for topic in report.topics] == [("metrics", 6)]


async def test_the_last_days_bring_back_cards_due_after_the_date(session: AsyncSession) -> None:
    ids = await bank(session, count=2)
    alice = learner(1, new_cards_per_day=0)
    await interview(session, alice)
    early = NOW - timedelta(days=30)
    for item_id in ids:
        await record_view(session, alice.user_id, item_id, Kind.QUIZ, early)
        for step in range(4):  # mature cards: their next review is months away
            await review(session, alice.user_id, item_id, Rating.Easy,
                         early + timedelta(days=step * 8))

    async def pick(at: datetime) -> int | None:
        return await choose_item(session, alice, REVIEWABLE, at, Random(0), practice=False)

    window = final_review_start(EXAM_ON, alice)
    assert await pick(window - timedelta(hours=1)) is None  # not yet
    first = await pick(window + timedelta(hours=1))
    assert first in ids
    await review(session, alice.user_id, first, Rating.Good, window + timedelta(hours=1))
    second = await pick(window + timedelta(hours=2))
    assert second in ids
    assert second != first
    await review(session, alice.user_id, second, Rating.Good, window + timedelta(hours=2))
    assert await pick(window + timedelta(hours=3)) is None  # each reviewed once in the window
    # After the date the ordinary schedule is back: nothing is due.
    assert await pick(exam_end(EXAM_ON, alice) + timedelta(hours=1)) is None
