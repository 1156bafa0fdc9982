"""An item shown to an admin exactly as learners get it: the poll or post, then the answer."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup

from bot.platform.content.schema import QuizItem, ResourceItem
from bot.study.catalog import Card
from bot.study.posts import PostStyle, answer_post, question_post, quiz_poll
from bot.study.sending import send_post, send_quiz


async def send_preview(
    bot: Bot, chat_id: int, card: Card, style: PostStyle,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Every message a learner would see, in order; ``reply_markup`` goes under the last.

    The preview poll is anonymous, so answering it records nothing.
    """
    item = card.content
    if isinstance(item, QuizItem):
        await send_quiz(bot, chat_id, quiz_poll(item), is_anonymous=True)
    elif not isinstance(item, ResourceItem):
        await send_post(bot, chat_id, question_post(card))
    await send_post(bot, chat_id, answer_post(card, style), reply_markup)
