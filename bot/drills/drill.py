"""Private drills: /drill, /quiz, /question, /task, "Next", "Show answer" and self-grades."""

from __future__ import annotations

from random import Random
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.practice import DRILL_SIZE
from bot.drills.serving import (
    begin_drill,
    continue_keyboard,
    serve_drill_step,
    serve_next_card,
)
from bot.platform.clock import Clock
from bot.platform.content.schema import Kind
from bot.study.callbacks import DrillNext, GradeAnswer, NextCard, RevealAnswer
from bot.study.catalog import load_card
from bot.study.grades import record_self_grade
from bot.study.keyboards import grade_keyboard, grade_label
from bot.study.learners import MAX_NEW_CARDS_PER_DAY, load_learner, set_new_cards_per_day
from bot.study.posts import answer_post, post_style
from bot.study.sending import replace_keyboard, send_post

COMMAND_KINDS = {"quiz": Kind.QUIZ, "question": Kind.QUESTION, "task": Kind.TASK}
REVEALABLE = {Kind.QUESTION, Kind.TASK}
MAX_DRILL_SIZE = 50


def create_router() -> Router:
    router = Router(name="drill")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("drill"))
    async def drill_started(
        message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, i18n: I18n, signature: str, default_zone: ZoneInfo,
    ) -> None:
        size = _drill_size(command.args)
        if size is None:
            await message.answer(_("drill-usage").format(max=MAX_DRILL_SIZE))
            return
        learner = await load_learner(session, _user_id(message), default_zone)
        now = clock()
        await begin_drill(bot, session, chat_id=message.chat.id, learner=learner, rng=rng,
                          now=now, i18n=i18n, signature=signature, size=size)

    @router.callback_query(DrillNext.filter())
    async def drill_next_pressed(
        callback: CallbackQuery, bot: Bot, session: AsyncSession, rng: Random, clock: Clock,
        i18n: I18n, signature: str, default_zone: ZoneInfo,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        learner = await load_learner(session, callback.from_user.id, default_zone)
        await serve_drill_step(bot, session, chat_id=_chat_id(callback), learner=learner,
                               rng=rng, now=clock(), i18n=i18n, signature=signature)

    @router.message(Command("newcards"))
    async def new_cards_limit(
        message: Message, command: CommandObject, session: AsyncSession, default_zone: ZoneInfo,
    ) -> None:
        user_id = _user_id(message)
        if not command.args:
            learner = await load_learner(session, user_id, default_zone)
            await message.answer(_("newcards-current").format(
                count=learner.new_cards_per_day, max=MAX_NEW_CARDS_PER_DAY))
            return
        count = command.args.strip()
        if not (count.isdecimal() and int(count) <= MAX_NEW_CARDS_PER_DAY):
            await message.answer(_("newcards-usage").format(max=MAX_NEW_CARDS_PER_DAY))
            return
        await set_new_cards_per_day(session, user_id, int(count))
        await message.answer(_("newcards-set", "newcards-set", int(count)).format(count=int(count)))

    @router.message(Command(*COMMAND_KINDS))
    async def drill_command(
        message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, i18n: I18n, signature: str, default_zone: ZoneInfo,
    ) -> None:
        learner = await load_learner(session, _user_id(message), default_zone)
        await serve_next_card(
            bot, session, chat_id=message.chat.id, learner=learner,
            kinds={COMMAND_KINDS[command.command]}, rng=rng, now=clock(), i18n=i18n,
            signature=signature,
        )

    @router.callback_query(NextCard.filter())
    async def next_pressed(
        callback: CallbackQuery, callback_data: NextCard, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, i18n: I18n, signature: str, default_zone: ZoneInfo,
    ) -> None:
        await callback.answer()
        chat_id = _chat_id(callback)
        await replace_keyboard(callback)
        learner = await load_learner(session, callback.from_user.id, default_zone)
        await serve_next_card(
            bot, session, chat_id=chat_id, learner=learner,
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
        await replace_keyboard(callback)
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
        await replace_keyboard(
            callback, await continue_keyboard(session, callback.from_user.id, card)
        )

    return router


def _user_id(message: Message) -> int:
    return message.from_user.id if message.from_user else message.chat.id


def _drill_size(args: str | None) -> int | None:
    """``/drill`` or ``/drill 20``; None for anything else."""
    if not args:
        return DRILL_SIZE
    if args.strip().isdecimal() and 1 <= int(args) <= MAX_DRILL_SIZE:
        return int(args)
    return None


def _chat_id(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message else callback.from_user.id
