"""A group became a supergroup: its daily subscription follows it to the new chat id."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily.subscriptions import move_chat
from bot.platform.clock import Clock
from bot.platform.wakeup import ScheduleWakeup


def create_router() -> Router:
    router = Router(name="chat_migration")

    @router.message(F.migrate_to_chat_id)
    async def migrated(
        message: Message, session: AsyncSession, clock: Clock, schedule_wakeup: ScheduleWakeup
    ) -> None:
        assert message.migrate_to_chat_id is not None
        await move_chat(session, message.chat.id, message.migrate_to_chat_id, clock(),
                        schedule_wakeup)

    return router
