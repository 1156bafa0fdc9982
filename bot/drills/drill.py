"""Private drills: /drill, /quiz, /question, /task, "Next", "Show answer" and self-grades."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.grading import grade_intervals, key_points
from bot.drills.intervals import format_interval
from bot.drills.key_points import proposed_grade, ticked_indexes, toggled
from bot.drills.practice import DRILL_SIZE
from bot.drills.serving import (
    begin_drill,
    continue_keyboard,
    serve_drill_step,
    serve_next_card,
)
from bot.platform.content.schema import Kind
from bot.study.callbacks import (
    DrillAgain,
    DrillNext,
    GradeAnswer,
    NextCard,
    PointsDone,
    RevealAnswer,
    TogglePoint,
    UndoGrade,
)
from bot.study.catalog import Card, load_card
from bot.study.context import UpdateContext
from bot.study.grades import Grade, record_self_grade, undo_self_grade
from bot.study.keyboards import (
    grade_keyboard,
    grade_label,
    graded_keyboard,
    key_points_keyboard,
)
from bot.study.learners import MAX_NEW_CARDS_PER_DAY, load_learner, set_new_cards_per_day
from bot.study.sending import replace_keyboard

COMMAND_KINDS = {"quiz": Kind.QUIZ, "question": Kind.QUESTION, "task": Kind.TASK}
REVEALABLE = {Kind.QUESTION, Kind.TASK}
MAX_DRILL_SIZE = 50


def create_router() -> Router:
    router = Router(name="drill")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("drill"))
    async def drill_started(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        size = _drill_size(command.args)
        if size is None:
            await message.answer(_("drill-usage").format(max=MAX_DRILL_SIZE))
            return
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        await begin_drill(ctx, session, learner, size=size)

    @router.callback_query(DrillNext.filter())
    async def drill_next_pressed(
        callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        await serve_drill_step(ctx, session, learner)

    @router.message(Command("newcards"))
    async def new_cards_limit(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        if not command.args:
            learner = await load_learner(session, ctx.user_id, ctx.default_zone)
            await message.answer(_("newcards-current").format(
                count=learner.new_cards_per_day, max=MAX_NEW_CARDS_PER_DAY))
            return
        count = command.args.strip()
        if not (count.isdecimal() and int(count) <= MAX_NEW_CARDS_PER_DAY):
            await message.answer(_("newcards-usage").format(max=MAX_NEW_CARDS_PER_DAY))
            return
        await set_new_cards_per_day(session, ctx.user_id, int(count))
        await message.answer(_("newcards-set", "newcards-set", int(count)).format(count=int(count)))

    @router.message(Command(*COMMAND_KINDS))
    async def drill_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        await serve_next_card(ctx, session, learner, {COMMAND_KINDS[command.command]})

    @router.callback_query(NextCard.filter())
    async def next_pressed(
        callback: CallbackQuery, callback_data: NextCard, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        await serve_next_card(ctx, session, learner, {callback_data.kind})

    @router.callback_query(RevealAnswer.filter())
    async def reveal_pressed(
        callback: CallbackQuery, callback_data: RevealAnswer, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        if card is None or card.content.kind not in REVEALABLE:
            await callback.answer(_("item-missing"), show_alert=True)
            return
        await callback.answer()
        await replace_keyboard(callback)
        await ctx.send_answer(card, await _grading_keyboard(ctx, session, card))

    @router.callback_query(TogglePoint.filter())
    async def point_toggled(
        callback: CallbackQuery, callback_data: TogglePoint, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        points = key_points(card) if card is not None else []
        if not (0 <= callback_data.index < len(points)
                and _fits(callback_data.covered, len(points))):
            await callback.answer(_("item-missing"), show_alert=True)
            return
        await callback.answer()
        covered = toggled(callback_data.covered, callback_data.index)
        await replace_keyboard(callback, ctx.shareable(
            key_points_keyboard(callback_data.item_id, points, covered), callback_data.item_id))

    @router.callback_query(PointsDone.filter())
    async def points_done(
        callback: CallbackQuery, callback_data: PointsDone, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        points = key_points(card) if card is not None else []
        if card is None or not points or not _fits(callback_data.covered, len(points)):
            await callback.answer(_("item-missing"), show_alert=True)
            return
        ticked = len(ticked_indexes(callback_data.covered, len(points)))
        proposal = proposed_grade(ticked, len(points))
        await callback.answer(_("points-proposal").format(
            covered=ticked, total=len(points), grade=grade_label(proposal)))
        labels = await _interval_labels(ctx, session, card.id)
        await replace_keyboard(callback, ctx.shareable(grade_keyboard(
            card.id, labels, covered=callback_data.covered, proposed=proposal), card.id))

    @router.callback_query(GradeAnswer.filter())
    async def grade_pressed(
        callback: CallbackQuery, callback_data: GradeAnswer, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        if card is None or card.content.kind not in REVEALABLE or callback.message is None:
            await callback.answer(_("item-missing"), show_alert=True)
            return
        points = key_points(card)
        covered = (ticked_indexes(callback_data.covered, len(points))
                   if points and callback_data.covered is not None else None)
        is_new = await record_self_grade(
            session, user_id=ctx.user_id, item_id=card.id, chat_id=ctx.chat_id,
            message_id=callback.message.message_id, grade=callback_data.grade, now=ctx.now,
            covered_points=covered,
        )
        if not is_new:
            await callback.answer(_("grade-already-saved"))
            return
        await callback.answer(_("grade-saved").format(grade=grade_label(callback_data.grade)))
        next_button = await continue_keyboard(session, ctx.user_id, card)
        await replace_keyboard(callback, ctx.shareable(graded_keyboard(next_button, card.id),
                                                       card.id))

    @router.callback_query(UndoGrade.filter())
    async def undo_pressed(
        callback: CallbackQuery, callback_data: UndoGrade, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        card = await load_card(session, callback_data.item_id)
        undone = None if callback.message is None or card is None else await undo_self_grade(
            session, user_id=ctx.user_id, chat_id=ctx.chat_id,
            message_id=callback.message.message_id)
        if card is None or undone != card.id:
            await callback.answer(_("undo-impossible"), show_alert=True)
            return
        await callback.answer(_("undo-done"))
        await replace_keyboard(callback, await _grading_keyboard(ctx, session, card))

    @router.callback_query(DrillAgain.filter())
    async def drill_again(
        callback: CallbackQuery, callback_data: DrillAgain, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        size = min(max(callback_data.size, 1), MAX_DRILL_SIZE)  # anyone can forge the data
        await begin_drill(ctx, session, learner, size=size)

    return router


def _drill_size(args: str | None) -> int | None:
    """``/drill`` or ``/drill 20``; None for anything else."""
    if not args:
        return DRILL_SIZE
    if args.strip().isdecimal() and 1 <= int(args) <= MAX_DRILL_SIZE:
        return int(args)
    return None


def _fits(covered: int, total: int) -> bool:
    """A mask of ticked points that can come from the item's keyboard (anyone can forge one)."""
    return 0 <= covered < 1 << total


async def _interval_labels(
    ctx: UpdateContext, session: AsyncSession, item_id: int
) -> dict[Grade, str]:
    intervals = await grade_intervals(session, ctx.user_id, item_id, ctx.now)
    return {grade: format_interval(interval) for grade, interval in intervals.items()}


async def _grading_keyboard(
    ctx: UpdateContext, session: AsyncSession, card: Card
) -> InlineKeyboardMarkup | None:
    """Under a revealed answer: the key points to tick when the item has them, else the four
    grades with their intervals; "Share" under them, as under every step that follows."""
    points = key_points(card)
    if points:
        return ctx.shareable(key_points_keyboard(card.id, points, covered=0), card.id)
    return ctx.shareable(grade_keyboard(card.id, await _interval_labels(ctx, session, card.id)),
                         card.id)
