"""/interview: a mock interview under time limits, then a scorecard with links to drill."""

from __future__ import annotations

from random import Random
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, Poll, PollAnswer
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.interviews import mock as interviews
from bot.interviews.interviewing import InterviewPoll, carry_on, minutes
from bot.platform.clock import Clock
from bot.platform.content.markdown import plain
from bot.platform.content.schema import Difficulty
from bot.platform.i18n import LanguageOverrides, learner_locale
from bot.study import answers
from bot.study.answer_recorder import AnswerRecorder
from bot.study.callbacks import InterviewGrade, InterviewLevel, InterviewReveal
from bot.study.keyboards import (
    ANY_LEVEL,
    INTERVIEW_LEVELS,
    grade_label,
    interview_grade_keyboard,
    interview_level_keyboard,
)
from bot.study.learners import load_learner
from bot.study.posts import answer_post, post_style
from bot.study.sending import replace_keyboard, send_post
from bot.study.users import UserProfile, telegram_language


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
        callback: CallbackQuery, callback_data: InterviewLevel, bot: Bot, session: AsyncSession,
        rng: Random, clock: Clock, default_zone: ZoneInfo, i18n: I18n, signature: str,
        bot_username: str, interview_limits: interviews.TimeLimits,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        chat_id = _chat_id(callback)
        now = clock()
        learner = await load_learner(session, callback.from_user.id, default_zone)
        level = None if callback_data.level == ANY_LEVEL else Difficulty(callback_data.level)
        interview_id = await interviews.start_interview(
            session, user_id=learner.user_id, chat_id=chat_id, size=callback_data.size,
            difficulty=level, topic_ids=learner.topic_ids, rng=rng, now=now,
        )
        if interview_id is None:
            await bot.send_message(chat_id, _("interview-no-items"))
            return
        await bot.send_message(chat_id, _("interview-intro").format(
            quiz_seconds=int(interview_limits.quiz.total_seconds()),
            question_minutes=minutes(interview_limits.open_question),
        ))
        await carry_on(bot, session, interview_id=interview_id, chat_id=chat_id, now=now,
                        limits=interview_limits, i18n=i18n, signature=signature,
                        bot_username=bot_username)

    @router.poll_answer(InterviewPoll())
    async def quiz_answered(
        poll_answer: PollAnswer, bot: Bot, session: AsyncSession,
        answer_recorder: AnswerRecorder, clock: Clock, i18n: I18n, signature: str,
        bot_username: str, interview_limits: interviews.TimeLimits,
    ) -> None:
        user = poll_answer.user
        if user is None:
            return
        now = clock()
        await answer_recorder.record(answers.PollAnswer(
            poll_id=poll_answer.poll_id,
            user=UserProfile(user.id, user.first_name, user.username, user.language_code),
            option_ids=tuple(poll_answer.option_ids),
            answered_at=now,
        ))
        continuation = await interviews.quiz_answered(session, poll_answer.poll_id, now)
        if continuation is not None:
            await carry_on(bot, session, interview_id=continuation.interview_id,
                            chat_id=continuation.chat_id, now=now, limits=interview_limits,
                            i18n=i18n, signature=signature, bot_username=bot_username)

    @router.poll(F.is_closed, InterviewPoll())
    async def quiz_closed(
        poll: Poll, bot: Bot, session: AsyncSession, clock: Clock, i18n: I18n, signature: str,
        bot_username: str, interview_limits: interviews.TimeLimits,
        language_overrides: LanguageOverrides,
    ) -> None:
        now = clock()
        continuation = await interviews.quiz_closed(session, poll.id, poll.total_voter_count, now)
        if continuation is None:
            return
        # A poll update comes from no one: speak the learner's language explicitly.
        locale = await learner_locale(i18n, language_overrides, continuation.user_id,
                                      await telegram_language(session, continuation.user_id))
        with i18n.use_locale(locale):
            await bot.send_message(continuation.chat_id, _("interview-quiz-timed-out"))
            await carry_on(bot, session, interview_id=continuation.interview_id,
                            chat_id=continuation.chat_id, now=now, limits=interview_limits,
                            i18n=i18n, signature=signature, bot_username=bot_username)

    @router.callback_query(InterviewReveal.filter())
    async def reveal_pressed(
        callback: CallbackQuery, callback_data: InterviewReveal, bot: Bot,
        session: AsyncSession, clock: Clock, i18n: I18n, signature: str, bot_username: str,
        interview_limits: interviews.TimeLimits,
    ) -> None:
        now = clock()
        revealed = await interviews.reveal(
            session, user_id=callback.from_user.id, interview_id=callback_data.interview_id,
            position=callback_data.position, now=now,
        )
        if revealed is None:
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        await callback.answer()
        await replace_keyboard(callback)
        chat_id = _chat_id(callback)
        style = post_style(i18n, revealed.card, signature)
        if revealed.in_time:
            await send_post(bot, chat_id, answer_post(revealed.card, style),
                            interview_grade_keyboard(callback_data.interview_id,
                                                     callback_data.position))
            return
        await send_post(bot, chat_id, answer_post(revealed.card, style,
                                                  lead=plain(_("interview-time-up"))))
        await carry_on(bot, session, interview_id=callback_data.interview_id, chat_id=chat_id,
                        now=now, limits=interview_limits, i18n=i18n, signature=signature,
                        bot_username=bot_username)

    @router.callback_query(InterviewGrade.filter())
    async def grade_pressed(
        callback: CallbackQuery, callback_data: InterviewGrade, bot: Bot,
        session: AsyncSession, clock: Clock, i18n: I18n, signature: str, bot_username: str,
        interview_limits: interviews.TimeLimits,
    ) -> None:
        now = clock()
        message = callback.message
        graded = message is not None and await interviews.grade(
            session, user_id=callback.from_user.id, interview_id=callback_data.interview_id,
            position=callback_data.position, grade=callback_data.grade,
            chat_id=message.chat.id, message_id=message.message_id, now=now,
        )
        if not graded:
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        await callback.answer(_("grade-saved").format(grade=grade_label(callback_data.grade)))
        await replace_keyboard(callback)
        await carry_on(bot, session, interview_id=callback_data.interview_id,
                        chat_id=_chat_id(callback), now=now, limits=interview_limits,
                        i18n=i18n, signature=signature, bot_username=bot_username)

    return router


def _chat_id(callback: CallbackQuery) -> int:
    return callback.message.chat.id if callback.message else callback.from_user.id
