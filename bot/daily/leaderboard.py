"""The leaderboard of a chat: who answered the bot's quizzes there, and how well."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, func, select
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


@dataclass(frozen=True)
class Board:
    """One period's leaderboard: the top, and the asker's own place when it is below the top."""

    top: list[Standing]
    own: tuple[int, Standing] | None = None  # (place, standing)


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of the chat's current local week, as a UTC instant."""
    local_day = now.astimezone(zone).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def month_start(now: datetime, zone: ZoneInfo) -> datetime:
    """The 1st, 00:00 of the chat's current local month, as a UTC instant."""
    first = now.astimezone(zone).date().replace(day=1)
    return datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)


async def board(
    session: AsyncSession, chat_id: int, asker: int, *, since: datetime | None = None,
    limit: int = TOP_SIZE,
) -> Board:
    """The top ``limit`` and, when the asker answered but is not among them, their place."""
    top = await top_answerers(session, chat_id, since=since, limit=limit)
    if any(standing.user_id == asker for standing in top) or len(top) < limit:
        return Board(top)
    return Board(top, await _place(session, chat_id, asker, since))


async def _place(
    session: AsyncSession, chat_id: int, user_id: int, since: datetime | None
) -> tuple[int, Standing] | None:
    totals = _totals(chat_id, since).subquery()
    mine = (await session.execute(
        select(totals, User.first_name, User.username)
        .outerjoin(User, User.id == totals.c.user_id).where(totals.c.user_id == user_id)
    )).one_or_none()
    if mine is None:
        return None
    # Ranked as top_answerers ranks: more correct, then fewer answered, then the older id.
    ahead = await session.scalar(select(func.count()).select_from(totals).where(
        (totals.c.correct > mine.correct)
        | ((totals.c.correct == mine.correct) & (totals.c.answered < mine.answered))
        | ((totals.c.correct == mine.correct) & (totals.c.answered == mine.answered)
           & (totals.c.user_id < user_id))
    ))
    return (int(ahead or 0) + 1,
            Standing(user_id, mine.first_name or str(user_id), mine.username,
                     int(mine.correct or 0), int(mine.answered)))


def _totals(chat_id: int, since: datetime | None) -> Select[int, Any, int]:
    """Each answerer's correct and answered count in the chat's quizzes (since ``since``)."""
    statement = (
        select(Attempt.user_id, _CORRECT.label("correct"), _ANSWERED.label("answered"))
        .join(SentPoll, SentPoll.poll_id == Attempt.poll_id)
        .where(SentPoll.chat_id == chat_id).group_by(Attempt.user_id)
    )
    return statement if since is None else statement.where(Attempt.answered_at >= since)


_CORRECT = func.sum(func.cast(Attempt.is_correct, Integer))
_ANSWERED = func.count(Attempt.id)


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
