"""/language: the interface language, whatever Telegram's language setting says."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.home.start import items_language_note
from bot.platform.roles import role_of
from bot.platform.telegram.commands import set_chat_language
from bot.study.callbacks import ChooseLanguage
from bot.study.context import UpdateContext
from bot.study.keyboards import language_keyboard
from bot.study.learners import INTERFACE_LANGUAGES, set_language


def create_router() -> Router:
    router = Router(name="language")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("language"))
    async def language_asked(message: Message) -> None:
        await message.answer(_("language-prompt"), reply_markup=language_keyboard())

    @router.callback_query(ChooseLanguage.filter(F.language.in_(INTERFACE_LANGUAGES)))
    async def language_chosen(
        callback: CallbackQuery, callback_data: ChooseLanguage, ctx: UpdateContext,
        session: AsyncSession, owner_ids: frozenset[int],
    ) -> None:
        language = callback_data.language
        await set_language(session, ctx.user_id, language)
        await set_chat_language(ctx.bot, ctx.i18n, ctx.user_id, language,
                                await role_of(session, ctx.user_id, owner_ids))
        with ctx.i18n.use_locale(language):
            await callback.answer()
            text = _("language-chosen") + await items_language_note(session, language)
            if callback.message is not None and callback.bot is not None:
                with suppress(TelegramBadRequest):  # the same language chosen twice
                    await callback.bot.edit_message_text(
                        text, chat_id=callback.message.chat.id,
                        message_id=callback.message.message_id,
                    )

    return router
