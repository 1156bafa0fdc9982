"""Who may use a command: filters that run on every call, buttons included."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.roles import role_of


class IsBotAdmin(Filter):
    """Lets through the bot's owners (``ADMIN_IDS``) and the editors they granted.

    Asks the database on every call, so a revoked editor is refused at once, buttons included.
    """

    async def __call__(
        self, event: Message | CallbackQuery, owner_ids: frozenset[int], session: AsyncSession
    ) -> bool:
        if event.from_user is None:
            return False
        return await role_of(session, event.from_user.id, owner_ids) is not None


class IsOwner(Filter):
    """Lets through the owners only (``ADMIN_IDS``): granting and revoking roles."""

    async def __call__(self, event: Message | CallbackQuery, owner_ids: frozenset[int]) -> bool:
        return event.from_user is not None and event.from_user.id in owner_ids

