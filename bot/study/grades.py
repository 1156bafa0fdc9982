"""Self-grades of open questions and tasks, and taking the last one back."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from fsrs import Rating
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import ReviewCard, SelfGrade
from bot.platform.db.upsert import insert_for
from bot.study.srs import load_card_state, restored_schedule, review, schedule_snapshot


class Grade(StrEnum):
    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"

    @property
    def rating(self) -> Rating:
        """The learner's own grade is the FSRS rating, one to one."""
        return Rating[self.name.capitalize()]


async def record_self_grade(
    session: AsyncSession,
    *,
    user_id: int,
    item_id: int,
    chat_id: int,
    message_id: int,
    grade: Grade,
    now: datetime,
    covered_points: Collection[int] | None = None,
) -> bool:
    """Store the grade (with the key points ticked, if any, and the card's schedule before it,
    for "Undo") and reschedule the card; a second press on the same answer message changes
    nothing (False)."""
    before = await load_card_state(session, user_id, item_id)
    statement = (
        insert_for(session, SelfGrade)
        .values(user_id=user_id, item_id=item_id, chat_id=chat_id, message_id=message_id,
                grade=grade.value, graded_at=now,
                covered_points=sorted(covered_points) if covered_points is not None else None,
                card_before=schedule_snapshot(before) if before is not None else None)
        .on_conflict_do_nothing(
            index_elements=[SelfGrade.user_id, SelfGrade.chat_id, SelfGrade.message_id]
        )
        .returning(SelfGrade.id)
    )
    if (await session.execute(statement)).first() is None:
        return False
    await review(session, user_id, item_id, grade.rating, now)
    return True


async def undo_self_grade(
    session: AsyncSession, *, user_id: int, chat_id: int, message_id: int
) -> int | None:
    """Take back the grade given on this answer message: the card's schedule as it was before,
    and the grade gone from the history (so from the stats). Only while it is the card's last
    review; returns the item's id, None when there is nothing to take back."""
    grade = await session.scalar(select(SelfGrade).where(
        (SelfGrade.user_id == user_id) & (SelfGrade.chat_id == chat_id)
        & (SelfGrade.message_id == message_id)))
    if grade is None:
        return None
    card = await load_card_state(session, user_id, grade.item_id)
    if card is None or card.last_review != grade.graded_at:
        return None
    this_card = (ReviewCard.user_id == user_id) & (ReviewCard.item_id == grade.item_id)
    if grade.card_before is None:
        await session.execute(delete(ReviewCard).where(this_card))
    else:
        await session.execute(update(ReviewCard).where(this_card)
                              .values(restored_schedule(grade.card_before)))
    await session.delete(grade)
    await session.flush()
    return grade.item_id
