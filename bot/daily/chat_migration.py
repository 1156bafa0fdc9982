"""A group became a supergroup: its daily subscription follows it to the new chat id."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily.subscriptions import move_chat
from bot.study.context import UpdateContext


def create_router() -> Router:
    router = Router(name="chat_migration")

    @router.message(F.migrate_to_chat_id)
    async def migrated(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        assert message.migrate_to_chat_id is not None
        await move_chat(session, ctx.chat_id, message.migrate_to_chat_id, ctx.now,
                        ctx.schedule_wakeup)

    return router
