"""What a learner's day holds: the reviews a drill serves today, the new items it may
introduce, and the backlog it leaves for the next days (for /start, reminders, the drill)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.backlog import ReviewSpread, reviewed_today, spread_reviews
from bot.drills.exam import drill_pace
from bot.drills.practice import REVIEWABLE_KINDS, CardFilter, introduced_since
from bot.platform.db.models import Item, ItemView, ReviewCard
from bot.study.learners import Learner


@dataclass(frozen=True)
class TodayPlan:
    reviews: ReviewSpread
    new: int  # new items a drill may still introduce today

    @property
    def is_empty(self) -> bool:
        return self.reviews.today == 0 and self.new == 0


async def today_plan(session: AsyncSession, learner: Learner, now: datetime) -> TodayPlan:
    allowed = CardFilter.of(learner, REVIEWABLE_KINDS, None).condition()
    due = int(await session.scalar(
        select(func.count()).select_from(ReviewCard).join(Item, Item.id == ReviewCard.item_id)
        .where((ReviewCard.user_id == learner.user_id) & (ReviewCard.reps > 0)
               & (ReviewCard.due <= now) & allowed)
    ) or 0)
    reviews = spread_reviews(due, await reviewed_today(session, learner, now),
                             learner.reviews_per_day)
    # New items wait behind a backlog (see practice.choose_item).
    new = 0 if reviews.postponed else await new_cards_waiting(session, learner, now)
    return TodayPlan(reviews, new)


async def new_cards_waiting(session: AsyncSession, learner: Learner, now: datetime) -> int:
    """New items a drill may still introduce today: unseen ones, up to what is left of the
    learner's daily cap (raised by an interview plan)."""
    cap = (await drill_pace(session, learner, now)).new_cards_per_day
    left = cap - await introduced_since(
        session, learner.user_id, learner.local_day_start(now))
    if left <= 0:
        return 0
    allowed = CardFilter.of(learner, REVIEWABLE_KINDS, None).condition()
    unseen = ~exists().where((ReviewCard.user_id == learner.user_id)
                             & (ReviewCard.item_id == Item.id))
    waiting = select(Item.id).where(allowed & unseen).limit(left).subquery()
    return int(await session.scalar(select(func.count()).select_from(waiting)) or 0)


async def has_practised(session: AsyncSession, user_id: int) -> bool:
    """Whether the learner was ever shown an item."""
    shown = await session.scalar(select(ItemView.id).where(ItemView.user_id == user_id).limit(1))
    return shown is not None
