"""Self-grades of open questions and tasks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import SelfGrade
from bot.db.upsert import insert_for


class Grade(StrEnum):
    AGAIN = "again"
    HARD = "hard"
    GOOD = "good"
    EASY = "easy"


async def record_self_grade(
    session: AsyncSession,
    *,
    user_id: int,
    item_id: int,
    chat_id: int,
    message_id: int,
    grade: Grade,
    now: datetime,
) -> bool:
    """Store the grade; a second press on the same answer message changes nothing (False)."""
    statement = (
        insert_for(session, SelfGrade)
        .values(user_id=user_id, item_id=item_id, chat_id=chat_id, message_id=message_id,
                grade=grade.value, graded_at=now)
        .on_conflict_do_nothing(
            index_elements=[SelfGrade.user_id, SelfGrade.chat_id, SelfGrade.message_id]
        )
        .returning(SelfGrade.id)
    )
    return (await session.execute(statement)).first() is not None
