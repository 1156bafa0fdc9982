"""The learner blocking or unblocking the bot in their private chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import subscriptions
from bot.daily.settings_keyboards import resume_keyboard
from bot.daily.subscriptions import PauseReason
from bot.platform.db.models import SubscriptionStatus
from bot.study.context import UpdateContext
from bot.study.users import mark_blocked


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
    async def blocked(_event: ChatMemberUpdated, ctx: UpdateContext, session: AsyncSession) -> None:
        await mark_blocked(session, ctx.user_id, ctx.now)
        await subscriptions.pause(session, ctx.chat_id, PauseReason.BLOCKED, ctx.now)

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    async def unblocked(
        _event: ChatMemberUpdated, ctx: UpdateContext, session: AsyncSession
    ) -> None:
        await mark_blocked(session, ctx.user_id, None)
        view = await subscriptions.get_subscription(session, ctx.chat_id)
        if view is not None and view.status == SubscriptionStatus.PAUSED:
            await ctx.send_message(_("welcome-back-private"), resume_keyboard(view.subscription_id))

    return router
