"""/exam: the learner's interview date, its status, and asking afterwards how it went."""

from __future__ import annotations

from datetime import date

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.exam import (
    FINAL_REVIEW_DAYS,
    Exam,
    ExamOutcome,
    Readiness,
    clear_exam,
    drill_pace,
    exam_readiness,
    exam_to_ask_about,
    load_exam,
    parse_exam_request,
    record_outcome,
    set_exam,
    unknown_topics,
)
from bot.platform.i18n import day_count
from bot.study.context import ChatContext, UpdateContext
from bot.study.learners import Learner, load_learner
from bot.study.sending import replace_keyboard

TURN_OFF = frozenset({"off", "выкл", "нет"})
BAR_WIDTH = 10


class ExamFeedback(CallbackData, prefix="exam-went"):
    """A button under "how did the interview go?"."""

    outcome: ExamOutcome


def create_router() -> Router:
    router = Router(name="exam")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("exam"))
    async def exam_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        argument = (command.args or "").strip()
        if argument.lower() in TURN_OFF:
            cleared = await clear_exam(session, ctx.user_id)
            await message.answer(_("exam-off") if cleared else _("exam-none"))
            return
        if argument:
            error = await _set_exam(ctx, session, learner, argument)
            if error:
                await message.answer(error)
                return
        elif await ask_how_it_went(ctx, session, learner):
            return
        exam = await load_exam(session, ctx.user_id)
        if exam is None or exam.exam_on < ctx.now.astimezone(learner.zone).date():
            await message.answer(_("exam-none"))
            return
        await message.answer(await exam_status(ctx, session, learner, exam))

    @router.callback_query(ExamFeedback.filter())
    async def feedback_given(
        callback: CallbackQuery, callback_data: ExamFeedback, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        if not await record_outcome(session, ctx.user_id, callback_data.outcome):
            await callback.answer(_("exam-feedback-stale"), show_alert=True)
            return
        await callback.answer()
        await replace_keyboard(callback)
        await ctx.send_message(_("exam-feedback-" + callback_data.outcome.value))

    return router


async def _set_exam(
    ctx: UpdateContext, session: AsyncSession, learner: Learner, argument: str
) -> str | None:
    """Set the interview from ``/exam``'s argument; the reason it was refused, if it was."""
    request = parse_exam_request(argument)
    if request is None:
        return _("exam-usage")
    if request.exam_on <= ctx.now.astimezone(learner.zone).date():
        return _("exam-date-past")
    unknown = await unknown_topics(session, request.topic_ids)
    if unknown:
        return _("exam-unknown-topics").format(topics=", ".join(unknown))
    await set_exam(session, ctx.user_id, request, ctx.now)
    return None


async def exam_status(
    ctx: UpdateContext, session: AsyncSession, learner: Learner, exam: Exam
) -> str:
    """The interview's date, level, plan, last days and readiness per topic."""
    today = ctx.now.astimezone(learner.zone).date()
    pace = await drill_pace(session, learner, ctx.now)
    lines = [
        _("exam-date").format(date=_date(exam.exam_on),
                              days=day_count((exam.exam_on - today).days)),
        _("exam-level-" + (exam.level.value if exam.level else "any")),
    ]
    if pace.plan:
        lines.append(_("exam-plan").format(plan=pace.plan, own=learner.new_cards_per_day))
    else:
        lines.append(_("exam-plan-done"))
    lines.append(_("exam-final-days").format(days=day_count(FINAL_REVIEW_DAYS)))
    readiness = await exam_readiness(session, learner, exam, ctx.locale)
    return "\n".join([*lines, "", readiness_text(readiness), "", _("exam-how-to-clear")])


def readiness_text(readiness: Readiness) -> str:
    """"Готовность: 64 %" and a bar per topic."""
    lines = [_("exam-readiness").format(percent=_percent(readiness.overall))]
    for topic in readiness.topics:
        filled = round(topic.readiness * BAR_WIDTH)
        bar = "▓" * filled + "░" * (BAR_WIDTH - filled)
        lines.append(f"{bar} {_percent(topic.readiness)} % · {topic.title}")
    return "\n".join(lines)


async def ask_how_it_went(ctx: ChatContext, session: AsyncSession, learner: Learner) -> bool:
    """Once the interview day is over: ask how it went (once); True when asked now."""
    exam_on = await exam_to_ask_about(session, learner, ctx.now)
    if exam_on is None:
        return False
    await ctx.send_message(_("exam-how-did-it-go").format(date=_date(exam_on)),
                           feedback_keyboard())
    return True


def feedback_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for outcome in ExamOutcome:
        builder.button(text=_("button-exam-" + outcome.value),
                       callback_data=ExamFeedback(outcome=outcome))
    builder.adjust(3)
    return builder.as_markup()


def _date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _percent(share: float) -> int:
    return round(100 * share)
