"""/interview: a mock interview under time limits, then a scorecard with links to drill."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, Poll, PollAnswer
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.interviews import mock as interviews
from bot.interviews.interviewing import InterviewPoll, carry_on, minutes
from bot.platform.content.markdown import plain
from bot.platform.content.schema import Difficulty
from bot.platform.i18n import LanguageOverrides, learner_locale
from bot.study.answer_recorder import AnswerRecorder
from bot.study.callbacks import InterviewGrade, InterviewLevel, InterviewReveal
from bot.study.context import UpdateContext
from bot.study.keyboards import (
    ANY_LEVEL,
    INTERVIEW_LEVELS,
    grade_label,
    interview_grade_keyboard,
    interview_level_keyboard,
)
from bot.study.learners import load_learner
from bot.study.quizzes import recorded_answer
from bot.study.sending import replace_keyboard
from bot.study.users import telegram_language


def parse_size(args: str | None) -> int | None:
    """``/interview`` → the default size, ``/interview 5`` → 5; None for anything else."""
    if not args or not args.strip():
        return interviews.DEFAULT_SIZE
    text = args.strip()
    if not text.isdigit() or not 1 <= int(text) <= interviews.MAX_SIZE:
        return None
    return int(text)


def create_router() -> Router:
    router = Router(name="interview")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("interview"))
    async def interview_command(message: Message, command: CommandObject) -> None:
        size = parse_size(command.args)
        if size is None:
            await message.answer(_("interview-usage").format(max=interviews.MAX_SIZE))
            return
        await message.answer(_("interview-choose-level").format(count=size),
                             reply_markup=interview_level_keyboard(size))

    @router.callback_query(
        InterviewLevel.filter(F.level.in_(INTERVIEW_LEVELS)
                              & (F.size >= 1) & (F.size <= interviews.MAX_SIZE))
    )
    async def level_chosen(
        callback: CallbackQuery, callback_data: InterviewLevel, ctx: UpdateContext,
        session: AsyncSession, interview_limits: interviews.TimeLimits,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        level = None if callback_data.level == ANY_LEVEL else Difficulty(callback_data.level)
        interview_id = await interviews.start_interview(
            session, user_id=learner.user_id, chat_id=ctx.chat_id, size=callback_data.size,
            difficulty=level, topic_ids=learner.topic_ids, rng=ctx.rng, now=ctx.now,
        )
        if interview_id is None:
            await ctx.send_message(_("interview-no-items"))
            return
        await ctx.send_message(_("interview-intro").format(
            quiz_seconds=int(interview_limits.quiz.total_seconds()),
            question_minutes=minutes(interview_limits.open_question),
        ))
        await carry_on(ctx, session, interview_id, interview_limits)

    @router.poll_answer(InterviewPoll())
    async def quiz_answered(
        poll_answer: PollAnswer, ctx: UpdateContext, session: AsyncSession,
        answer_recorder: AnswerRecorder, interview_limits: interviews.TimeLimits,
    ) -> None:
        answer = recorded_answer(poll_answer, ctx.now)
        if answer is None:
            return
        await answer_recorder.record(answer)
        continuation = await interviews.quiz_answered(session, poll_answer.poll_id, ctx.now)
        if continuation is not None:
            await carry_on(ctx.in_chat(continuation.chat_id), session,
                           continuation.interview_id, interview_limits)

    @router.poll(F.is_closed, InterviewPoll())
    async def quiz_closed(
        poll: Poll, ctx: UpdateContext, session: AsyncSession,
        interview_limits: interviews.TimeLimits, language_overrides: LanguageOverrides,
    ) -> None:
        continuation = await interviews.quiz_closed(session, poll.id, poll.total_voter_count,
                                                    ctx.now)
        if continuation is None:
            return
        # A poll update comes from no one: speak the learner's language explicitly.
        locale = await learner_locale(ctx.i18n, language_overrides, continuation.user_id,
                                      await telegram_language(session, continuation.user_id))
        learner = ctx.in_chat(continuation.chat_id, user_id=continuation.user_id, locale=locale)
        with learner.speaking():
            await learner.send_message(_("interview-quiz-timed-out"))
            await carry_on(learner, session, continuation.interview_id, interview_limits)

    @router.callback_query(InterviewReveal.filter())
    async def reveal_pressed(
        callback: CallbackQuery, callback_data: InterviewReveal, ctx: UpdateContext,
        session: AsyncSession, interview_limits: interviews.TimeLimits,
    ) -> None:
        revealed = await interviews.reveal(
            session, user_id=ctx.user_id, interview_id=callback_data.interview_id,
            position=callback_data.position, now=ctx.now,
        )
        if revealed is None:
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        await callback.answer()
        await replace_keyboard(callback)
        if revealed.in_time:
            await ctx.send_answer(revealed.card,
                                  interview_grade_keyboard(callback_data.interview_id,
                                                           callback_data.position))
            return
        await ctx.send_answer(revealed.card, lead=plain(_("interview-time-up")))
        await carry_on(ctx, session, callback_data.interview_id, interview_limits)

    @router.callback_query(InterviewGrade.filter())
    async def grade_pressed(
        callback: CallbackQuery, callback_data: InterviewGrade, ctx: UpdateContext,
        session: AsyncSession, interview_limits: interviews.TimeLimits,
    ) -> None:
        message = callback.message
        graded = message is not None and await interviews.grade(
            session, user_id=ctx.user_id, interview_id=callback_data.interview_id,
            position=callback_data.position, grade=callback_data.grade,
            chat_id=ctx.chat_id, message_id=message.message_id, now=ctx.now,
        )
        if not graded:
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        await callback.answer(_("grade-saved").format(grade=grade_label(callback_data.grade)))
        await replace_keyboard(callback)
        await carry_on(ctx, session, callback_data.interview_id, interview_limits)

    return router
