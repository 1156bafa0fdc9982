"""A gentle restart after a break: a drill serves at most a day's worth of reviews per local
day, the most overdue first, and the rest of the backlog waits for the next days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import ReviewCard
from bot.study.learners import Learner


@dataclass(frozen=True)
class ReviewSpread:
    """Due reviews split into today's share and the rest, spread over the next days."""

    today: int
    postponed: int
    days: int  # how many of the next days the postponed reviews take, at the daily cap


def spread_reviews(due: int, reviewed_today: int, per_day: int | None) -> ReviewSpread:
    """``due`` reviews now, ``reviewed_today`` done already this local day, at most ``per_day``
    a day (None: no cap)."""
    if per_day is None:
        return ReviewSpread(today=due, postponed=0, days=0)
    today = min(due, max(0, per_day - reviewed_today))
    postponed = due - today
    return ReviewSpread(today, postponed, days=-(-postponed // per_day) if per_day else 0)


async def reviews_left_today(session: AsyncSession, learner: Learner, now: datetime) -> int | None:
    """How many more reviews a drill may serve in the learner's local day (None: no cap)."""
    if learner.reviews_per_day is None:
        return None
    return max(0, learner.reviews_per_day - await reviewed_today(session, learner, now))


async def reviewed_today(session: AsyncSession, learner: Learner, now: datetime) -> int:
    """Cards met before today and rated since the learner's local midnight."""
    day_start = learner.local_day_start(now)
    return int(await session.scalar(
        select(func.count()).select_from(ReviewCard).where(
            (ReviewCard.user_id == learner.user_id) & (ReviewCard.last_review >= day_start)
            & (ReviewCard.introduced_at < day_start)
        )
    ) or 0)
