"""Putting rendered posts and quizzes into a chat."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from aiogram import Bot
from aiogram.enums import PollType
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InputPollOption,
    Message,
    MessageEntity,
    ReplyParameters,
)

from bot.platform.content.markdown import Rendered
from bot.study.posts import QuizPoll


def to_entities(rendered: Rendered) -> list[MessageEntity] | None:
    return [
        MessageEntity(type=e.type, offset=e.offset, length=e.length, url=e.url,
                      language=e.language)
        for e in rendered.entities
    ] or None


async def send_post(
    bot: Bot,
    chat_id: int,
    chunks: Sequence[Rendered],
    reply_markup: InlineKeyboardMarkup | None = None,
    *,
    reply_to: int | None = None,
) -> Message:
    """Send the chunks in order; the keyboard goes under the last one; the first one replies to
    ``reply_to`` (if it is still there)."""
    message: Message | None = None
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        reply = (ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
                 if reply_to is not None and index == 0 else None)
        message = await bot.send_message(
            chat_id, chunk.text, entities=to_entities(chunk),
            reply_markup=reply_markup if last else None, reply_parameters=reply,
        )
    if message is None:
        raise ValueError("a post needs at least one chunk")
    return message


async def send_quiz(
    bot: Bot, chat_id: int, poll: QuizPoll, *, is_anonymous: bool,
    open_period: int | None = None,
) -> Message:
    """``open_period``: seconds until Telegram closes the poll (5–2628000); None keeps it open."""
    return await bot.send_poll(
        chat_id,
        question=poll.question,
        options=[InputPollOption(text=option) for option in poll.options],
        type=PollType.QUIZ,
        correct_option_ids=poll.correct_option_ids,
        allows_multiple_answers=len(poll.correct_option_ids) > 1,
        explanation=poll.explanation,
        description=poll.description.text if poll.description else None,
        description_entities=to_entities(poll.description) if poll.description else None,
        is_anonymous=is_anonymous,
        open_period=open_period,
    )


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
