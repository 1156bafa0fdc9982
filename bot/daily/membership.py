"""The learner blocking or unblocking the bot in their private chat."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import subscriptions
from bot.daily.settings_keyboards import resume_keyboard
from bot.daily.subscriptions import PauseReason
from bot.platform.clock import Clock
from bot.platform.db.models import SubscriptionStatus
from bot.study.users import mark_blocked


def create_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.filter(F.chat.type == ChatType.PRIVATE)

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
    async def blocked(event: ChatMemberUpdated, session: AsyncSession, clock: Clock) -> None:
        await mark_blocked(session, event.from_user.id, clock())
        await subscriptions.pause(session, event.chat.id, PauseReason.BLOCKED, clock())

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
    async def unblocked(event: ChatMemberUpdated, bot: Bot, session: AsyncSession) -> None:
        await mark_blocked(session, event.from_user.id, None)
        view = await subscriptions.get_subscription(session, event.chat.id)
        if view is not None and view.status == SubscriptionStatus.PAUSED:
            await bot.send_message(event.chat.id, _("welcome-back-private"),
                                   reply_markup=resume_keyboard(event.chat.id))

    return router
