"""Who may use a command: filters that run on every call, buttons included."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.roles import role_of

# Where the filters leave the admin they let through, for the handler's middlewares (the bot
# remembers the admin's name for the log): ``data[ACTING_ADMIN]``, a ``User``.
ACTING_ADMIN = "acting_admin"


class IsBotAdmin(Filter):
    """Lets through the bot's owners (``ADMIN_IDS``) and the editors they granted.

    Asks the database on every call, so a revoked editor is refused at once, buttons included.
    """

    async def __call__(
        self, event: Message | CallbackQuery, owner_ids: frozenset[int], session: AsyncSession
    ) -> bool | dict[str, Any]:
        if event.from_user is None or await role_of(session, event.from_user.id,
                                                    owner_ids) is None:
            return False
        return _acting(event.from_user)


class IsOwner(Filter):
    """Lets through the owners only (``ADMIN_IDS``): granting and revoking roles."""

    async def __call__(
        self, event: Message | CallbackQuery, owner_ids: frozenset[int]
    ) -> bool | dict[str, Any]:
        if event.from_user is None or event.from_user.id not in owner_ids:
            return False
        return _acting(event.from_user)


def _acting(admin: User) -> dict[str, Any]:
    return {ACTING_ADMIN: admin}

