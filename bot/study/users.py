"""Who talks to the bot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import User
from bot.platform.db.upsert import upsert_for


@dataclass(frozen=True)
class UserProfile:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None


async def remember_users(
    session: AsyncSession, profiles: Iterable[UserProfile], now: datetime
) -> None:
    """Insert or refresh users; one statement per batch, however many updates it covers."""
    rows = {
        profile.id: {
            "id": profile.id,
            "first_name": profile.first_name[:256],
            "username": profile.username,
            "language_code": profile.language_code,
            "last_seen_at": now,
            "created_at": now,
        }
        for profile in profiles
    }
    if not rows:
        return
    statement = upsert_for(session, User, ("id",),
                           ("first_name", "username", "language_code", "last_seen_at"))
    await session.execute(statement, list(rows.values()))


async def mark_blocked(session: AsyncSession, user_id: int, blocked_at: datetime | None) -> None:
    """The user blocked the bot (``blocked_at`` set) or came back (``None``)."""
    await session.execute(update(User).where(User.id == user_id).values(blocked_at=blocked_at))


async def telegram_language(session: AsyncSession, user_id: int) -> str | None:
    """The language code Telegram last reported for the user, if they were seen."""
    return await session.scalar(select(User.language_code).where(User.id == user_id))
