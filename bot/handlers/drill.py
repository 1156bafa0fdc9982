"""Private drills: /quiz, /question, /task, "Next", "Show answer" and self-grades."""

from __future__ import annotations

from contextlib import suppress
from random import Random

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.content.schema import Kind
from bot.rendering.posts import answer_post
from bot.services.catalog import load_card
from bot.services.grades import record_self_grade
from bot.telegram.callbacks import GradeAnswer, NextCard, RevealAnswer
from bot.telegram.i18n import post_style
from bot.telegram.keyboards import grade_keyboard, grade_label, next_keyboard
from bot.telegram.sending import send_post
from bot.telegram.serving import serve_next_card

COMMAND_KINDS = {"quiz": Kind.QUIZ, "question": Kind.QUESTION, "task": Kind.TASK}
REVEALABLE = {Kind.QUESTION, Kind.TASK}


def create_router() -> Router:
    router = Router(name="drill")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")

    @router.message(Command(*COMMAND_KINDS))
    async def drill_command(
        message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, i18n: I18n, signature: str,
    ) -> None:
        user_id = message.from_user.id if message.from_user else message.chat.id
        await serve_next_card(
            bot, session, chat_id=message.chat.id, user_id=user_id,
            kinds={COMMAND_KINDS[command.command]}, rng=rng, now=clock(), i18n=i18n,
            signature=signature,
        )

    @router.callback_query(NextCard.filter())
    async def next_pressed(
        callback: CallbackQuery, callback_data: NextCard, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, i18n: I18n, signature: str,
    ) -> None:
        await callback.answer()
        chat_id = _chat_id(callback)
        await _replace_keyboard(callback)
        await serve_next_card(
            bot, session, chat_id=chat_id, user_id=callback.from_user.id,
            kinds={callback_data.kind}, rng=rng, now=clock(), i18n=i18n, signature=signature,
        )

    @router.callback_query(RevealAnswer.filter())
    async def reveal_pressed(
        callback: CallbackQuery, callback_data: RevealAnswer, bot: Bot, session: AsyncSession,
        i18n: I18n, signature: str,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        if card is None or card.content.kind not in REVEALABLE:
            await callback.answer(_("item-missing"), show_alert=True)
            return
        await callback.answer()
        await _replace_keyboard(callback)
        style = post_style(i18n, card, signature)
        await send_post(bot, _chat_id(callback), answer_post(card, style), grade_keyboard(card.id))

    @router.callback_query(GradeAnswer.filter())
    async def grade_pressed(
        callback: CallbackQuery, callback_data: GradeAnswer, session: AsyncSession, clock: Clock,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        if card is None or card.content.kind not in REVEALABLE or callback.message is None:
            await callback.answer(_("item-missing"), show_alert=True)
            return
        is_new = await record_self_grade(
            session, user_id=callback.from_user.id, item_id=card.id,
            chat_id=callback.message.chat.id, message_id=callback.message.message_id,
            grade=callback_data.grade, now=clock(),
        )
        if not is_new:
            await callback.answer(_("grade-already-saved"))
            return
        await callback.answer(_("grade-saved").format(grade=grade_label(callback_data.grade)))
        await _replace_keyboard(callback, next_keyboard(card.content.kind))

    return router


def _chat_id(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message else callback.from_user.id


async def _replace_keyboard(
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
