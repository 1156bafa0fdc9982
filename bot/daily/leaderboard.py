"""The leaderboard of a chat: who answered the bot's quizzes there, and how well."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import Attempt, SentPoll, User

TOP_SIZE = 10


@dataclass(frozen=True)
class Standing:
    user_id: int
    first_name: str
    username: str | None
    correct: int
    answered: int


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of the chat's current local week, as a UTC instant."""
    local_day = now.astimezone(zone).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


async def top_answerers(
    session: AsyncSession, chat_id: int, *, since: datetime | None = None, limit: int = TOP_SIZE
) -> list[Standing]:
    """The best answerers of quizzes the bot sent to ``chat_id`` (answered at or after ``since``).

    Most correct answers first; of two with as many, the one who needed fewer answers.
    """
    correct = func.sum(func.cast(Attempt.is_correct, Integer))
    answered = func.count(Attempt.id)
    statement = (
        select(Attempt.user_id, User.first_name, User.username,
               correct.label("correct"), answered.label("answered"))
        .join(SentPoll, SentPoll.poll_id == Attempt.poll_id)
        .outerjoin(User, User.id == Attempt.user_id)
        .where(SentPoll.chat_id == chat_id)
        .group_by(Attempt.user_id, User.first_name, User.username)
        .order_by(correct.desc(), answered, Attempt.user_id)
        .limit(limit)
    )
    if since is not None:
        statement = statement.where(Attempt.answered_at >= since)
    return [
        Standing(row.user_id, row.first_name or str(row.user_id), row.username,
                 int(row.correct or 0), int(row.answered))
        for row in await session.execute(statement)
    ]
