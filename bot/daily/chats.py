"""What the bot remembers about the chats it posts to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import Chat


async def chat_title(session: AsyncSession, chat_id: int) -> str | None:
    """The title the chat had when it last subscribed; None for private chats and strangers."""
    return await session.scalar(select(Chat.title).where(Chat.id == chat_id))
