"""Self-grades of open questions and tasks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from fsrs import Rating
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import SelfGrade
from bot.platform.db.upsert import insert_for
from bot.study.srs import review


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
) -> bool:
    """Store the grade and reschedule the card; a second press on the same answer message
    changes nothing (False)."""
    statement = (
        insert_for(session, SelfGrade)
        .values(user_id=user_id, item_id=item_id, chat_id=chat_id, message_id=message_id,
                grade=grade.value, graded_at=now)
        .on_conflict_do_nothing(
            index_elements=[SelfGrade.user_id, SelfGrade.chat_id, SelfGrade.message_id]
        )
        .returning(SelfGrade.id)
    )
    if (await session.execute(statement)).first() is None:
        return False
    await review(session, user_id, item_id, grade.rating, now)
    return True
