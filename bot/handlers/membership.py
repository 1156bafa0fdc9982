"""The learner blocking or unblocking the bot in their private chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.users import mark_blocked


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(F.chat.type == "private")

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
    async def blocked(event: ChatMemberUpdated, session: AsyncSession, clock: Clock) -> None:
        await mark_blocked(session, event.from_user.id, clock())

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    async def unblocked(event: ChatMemberUpdated, session: AsyncSession) -> None:
        await mark_blocked(session, event.from_user.id, None)

    return router
