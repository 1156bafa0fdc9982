"""Who may use a command: filters that run on every call, buttons included."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message


class IsBotAdmin(Filter):
    """Lets through the bot's owners (``ADMIN_IDS``)."""

    async def __call__(self, event: Message | CallbackQuery, owner_ids: frozenset[int]) -> bool:
        return event.from_user is not None and event.from_user.id in owner_ids
