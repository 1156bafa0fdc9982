"""A gentle restart: at most a day's worth of reviews per local day, the most overdue first;
and a drill keeps to the learner's level."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from fsrs import Rating
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.backlog import ReviewSpread, spread_reviews
from bot.drills.practice import NoCardReason, choose_item, record_view, why_no_card
from bot.drills.today import today_plan
from bot.platform.content.schema import Difficulty, Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Item
from bot.study.srs import review
from tests.unit.factories import TOPICS, learner, quiz

EVENING = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 20:00 in Moscow
MOSCOW_MIDNIGHT = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
QUIZ = frozenset({Kind.QUIZ})


@pytest.mark.parametrize(
    ("due", "reviewed_today", "per_day", "spread"),
    [
        (12, 0, 50, ReviewSpread(today=12, postponed=0, days=0)),
        (190, 0, 50, ReviewSpread(today=50, postponed=140, days=3)),
        (190, 30, 50, ReviewSpread(today=20, postponed=170, days=4)),
        (10, 60, 50, ReviewSpread(today=0, postponed=10, days=1)),
        (190, 0, None, ReviewSpread(today=190, postponed=0, days=0)),
    ],
)
def test_reviews_beyond_a_days_worth_are_spread_over_the_next_days(
    due: int, reviewed_today: int, per_day: int | None, spread: ReviewSpread,
) -> None:
    assert spread_reviews(due, reviewed_today, per_day) == spread


async def test_a_capped_day_serves_the_most_overdue_then_waits_for_local_midnight(
    session: AsyncSession,
) -> None:
    await sync_content(session, TOPICS, [quiz(f"m{n}") for n in range(4)], EVENING)
    ids = list(await session.scalars(select(Item.id).order_by(Item.id)))
    alice = replace(learner(1), reviews_per_day=2)
    month_ago = EVENING - timedelta(days=30)
    for days, seen_id in enumerate(ids[:3]):  # the last one reviewed longest ago
        await record_view(session, 1, seen_id, Kind.QUIZ, month_ago - timedelta(days=days))
        await review(session, 1, seen_id, Rating.Good, month_ago - timedelta(days=days))

    plan = await today_plan(session, alice, EVENING)
    assert plan.reviews == ReviewSpread(today=2, postponed=1, days=1)
    assert plan.new == 0  # new items wait behind the backlog
    served = []
    for minute in range(2):
        at = EVENING + timedelta(minutes=minute)
        item_id = await choose_item(session, alice, QUIZ, at, Random(0), practice=False)
        assert item_id is not None
        served.append(item_id)
        await review(session, 1, item_id, Rating.Good, at)
    assert served == [ids[2], ids[1]]
    later = EVENING + timedelta(minutes=5)
    assert await choose_item(session, alice, QUIZ, later, Random(0), practice=False) is None
    assert await why_no_card(session, alice, QUIZ, now=later) is NoCardReason.REVIEW_CAP
    # Practice is a learner asking for more: it is not capped.
    assert await choose_item(session, alice, QUIZ, later, Random(0)) is not None
    assert await choose_item(session, alice, QUIZ, MOSCOW_MIDNIGHT, Random(0),
                             practice=False) == ids[0]


async def test_a_drill_keeps_to_the_learners_level(session: AsyncSession) -> None:
    items = [quiz("easy", difficulty="junior"), quiz("hard", difficulty="senior")]
    await sync_content(session, TOPICS, items, EVENING)
    hard = await session.scalar(select(Item.id).where(Item.slug == "hard"))
    senior = replace(learner(1), level=Difficulty.SENIOR)
    for seed in range(5):
        assert await choose_item(session, senior, QUIZ, EVENING, Random(seed),
                                 practice=False) == hard
