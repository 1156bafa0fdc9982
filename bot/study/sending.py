"""Telegram's side of a post: entities for rendered text, and buttons giving way to the next
step. Posts and quizzes go into a chat through ``bot.study.context.ChatContext``."""

from __future__ import annotations

from contextlib import suppress

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, MessageEntity

from bot.platform.content.markdown import Rendered


def to_entities(rendered: Rendered) -> list[MessageEntity] | None:
    return [
        MessageEntity(type=e.type, offset=e.offset, length=e.length, url=e.url,
                      language=e.language)
        for e in rendered.entities
    ] or None


async def replace_keyboard(
    callback: CallbackQuery, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Pressed buttons go away (or give way to the next step), so the chat reads cleanly.

    Cosmetic: a message too old to edit keeps its buttons, and they stay harmless.
    """
    if callback.message is not None and callback.bot is not None:
        with suppress(TelegramBadRequest):
            await callback.bot.edit_message_reply_markup(
                chat_id=callback.message.chat.id, message_id=callback.message.message_id,
                reply_markup=markup,
            )
