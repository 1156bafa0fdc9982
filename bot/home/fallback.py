"""What nothing else handled: stale or forged buttons, and chatter in private."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

logger = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name="fallback")

    @router.callback_query()
    async def unknown_button(callback: CallbackQuery) -> None:
        logger.info("refused callback data %r from user %s", callback.data, callback.from_user.id)
        await callback.answer(_("button-outdated"), show_alert=True)

    @router.message(F.chat.type == ChatType.PRIVATE)
    async def not_understood(message: Message) -> None:
        await message.answer(_("not-understood").format(commands=_("help-commands")))

    return router
