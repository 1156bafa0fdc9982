"""Who talks to the bot."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.types import TelegramObject
from aiogram.types import User as TelegramUser
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import User
from bot.platform.db.upsert import upsert_for
from bot.platform.telegram.filters import ACTING_ADMIN
from bot.platform.telegram.middlewares import Handler


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


async def remember_name(session: AsyncSession, profile: UserProfile, now: datetime) -> None:
    """Store the user's name and username unless they are stored already: a read, and a write
    only for a new user or a changed name."""
    stored = (await session.execute(
        select(User.first_name, User.username).where(User.id == profile.id)
    )).one_or_none()
    if stored is None or tuple(stored) != (profile.first_name[:256], profile.username):
        await remember_users(session, [profile], now)


class ActingAdminsRemembered(BaseMiddleware):
    """The bot's admin a handler acts for (let through by ``IsBotAdmin`` or ``IsOwner``) is
    remembered with their name, so /log and an item's history name them, not a bare id.

    An inner middleware of messages and button presses: it runs once the filters matched, in
    the update's transaction; an admin's refused or unrelated updates cost nothing, and their
    admin updates a read (an update that writes nothing keeps SQLite's one writer free).
    """

    def setup(self, router: Router) -> None:
        router.message.middleware(self)
        router.callback_query.middleware(self)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        admin = data.get(ACTING_ADMIN)
        if isinstance(admin, TelegramUser):
            await remember_name(data["session"], UserProfile(
                admin.id, admin.first_name, admin.username, admin.language_code,
            ), data["clock"]())
        return await handler(event, data)


async def mark_blocked(session: AsyncSession, user_id: int, blocked_at: datetime | None) -> None:
    """The user blocked the bot (``blocked_at`` set) or came back (``None``)."""
    await session.execute(update(User).where(User.id == user_id).values(blocked_at=blocked_at))


async def telegram_language(session: AsyncSession, user_id: int) -> str | None:
    """The language code Telegram last reported for the user, if they were seen."""
    return await session.scalar(select(User.language_code).where(User.id == user_id))
