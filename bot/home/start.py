"""/start and /help: a new learner's three taps (level, topics, time zone) before the first
card; a returning learner's day at a glance and "Continue"."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.serving import begin_drill, capped
from bot.drills.today import TodayPlan, has_practised, today_plan
from bot.home.callbacks import OnboardingPress, OnboardingStep
from bot.home.learner_settings import (
    ask_zone,
    begin_keyboard,
    chosen_topics,
    level_name,
    zone_keyboard,
)
from bot.platform.content.schema import Difficulty, Language
from bot.platform.i18n import load_languages
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.catalog import content_languages
from bot.study.context import UpdateContext
from bot.study.keyboards import ANY_LEVEL, INTERVIEW_LEVELS, topics_keyboard
from bot.study.learners import (
    TopicChoice,
    load_learner,
    select_all_topics,
    set_level,
    set_timezone,
    toggle_topic,
    topic_choices,
)
from bot.study.sending import replace_keyboard


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart())
    async def start(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        name = message.from_user.first_name if message.from_user else ""
        if await has_practised(session, ctx.user_id):
            learner = capped(ctx, await load_learner(session, ctx.user_id, ctx.default_zone))
            plan = await today_plan(session, learner, ctx.now)
            await message.answer(_("start-welcome-back").format(name=name, today=today_text(plan)),
                                 reply_markup=None if plan.is_empty else _continue_keyboard())
            return
        greeting = _("start-greeting").format(name=name, commands=_("start-three-taps"))
        if (await load_languages(session, [ctx.user_id]))[ctx.user_id] is None:
            # Who chose the language with /language was told there.
            greeting += await items_language_note(session, ctx.locale)
        await message.answer(greeting, reply_markup=_level_keyboard())

    @router.callback_query(OnboardingPress.filter())
    async def onboarding_pressed(
        callback: CallbackQuery, callback_data: OnboardingPress, ctx: UpdateContext,
        session: AsyncSession, state: FSMContext,
    ) -> None:
        await callback.answer()
        message = callback.message
        if not isinstance(message, Message):
            return
        step, value = callback_data.step, callback_data.value
        if step is OnboardingStep.BEGIN:
            await replace_keyboard(callback)
            await begin_drill(ctx, session, await load_learner(session, ctx.user_id,
                                                               ctx.default_zone))
            return
        if step is OnboardingStep.OTHER_ZONE:
            await ask_zone(message, state, onboarding=True)
            return
        if step is OnboardingStep.LEVEL:
            await set_level(session, ctx.user_id, Difficulty(value) if value else None)
        elif step is OnboardingStep.TOPIC:
            if value:
                await toggle_topic(session, ctx.user_id, value)
            else:
                await select_all_topics(session, ctx.user_id)
        elif step is OnboardingStep.ZONE:
            await set_timezone(session, ctx.user_id, value, ctx.now)
        text, markup = await _next_screen(ctx, session, step)
        with suppress(TelegramBadRequest):  # "all topics" pressed again: nothing changed
            await message.edit_text(text, reply_markup=markup)

    @router.message(Command("help"), IsBotAdmin())
    async def help_for_admins(message: Message) -> None:
        commands = _("help-commands") + "\n\n" + _("help-admin-commands")
        await message.answer(_("help-text").format(commands=commands))

    @router.message(Command("help"))
    async def help_(message: Message) -> None:
        await message.answer(_("help-text").format(commands=_("help-commands")))

    return router


async def items_language_note(session: AsyncSession, locale: str) -> str:
    """Said once, to a learner whose interface language no item is written in."""
    languages = await content_languages(session)
    return ("\n\n" + _("items-in-russian")
            if Language.RU in languages and locale not in languages else "")


def today_text(plan: TodayPlan) -> str:
    """"На сегодня: 12 повторений, 5 новых"."""
    if plan.is_empty:
        return _("today-nothing")
    reviews, new = plan.reviews.today, plan.new
    return _("today-plan").format(
        reviews=ngettext("count-reviews", "count-reviews", reviews).format(n=reviews),
        new=ngettext("count-new", "count-new", new).format(n=new))


async def _next_screen(
    ctx: UpdateContext, session: AsyncSession, step: OnboardingStep
) -> tuple[str, InlineKeyboardMarkup]:
    """The screen after ``step``: topics after the level, the zone after the topics, the
    summary and "Begin" after the zone."""
    if step in (OnboardingStep.LEVEL, OnboardingStep.TOPIC):
        choices = await topic_choices(session, ctx.user_id)
        return _("onboarding-topics"), _topics_keyboard(choices, ctx.locale)
    learner = await load_learner(session, ctx.user_id, ctx.default_zone)
    if step is OnboardingStep.TOPICS_DONE:
        zones = zone_keyboard(
            None, lambda zone: OnboardingPress(step=OnboardingStep.ZONE, value=zone),
            OnboardingPress(step=OnboardingStep.OTHER_ZONE))
        return _("onboarding-zone").format(zone=learner.zone.key), zones
    ready = _("onboarding-ready").format(
        level=level_name(learner), topics=await chosen_topics(session, ctx.user_id, ctx.locale),
        zone=learner.zone.key)
    return ready, begin_keyboard()


def _level_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for level in INTERVIEW_LEVELS:
        value = "" if level == ANY_LEVEL else level
        builder.button(text=_("button-level-" + level),
                       callback_data=OnboardingPress(step=OnboardingStep.LEVEL, value=value))
    builder.adjust(4)
    return builder.as_markup()


def _topics_keyboard(choices: list[TopicChoice], locale: str) -> InlineKeyboardMarkup:
    return topics_keyboard(
        choices, locale,
        toggle=lambda topic_id: OnboardingPress(step=OnboardingStep.TOPIC, value=topic_id),
        everything=OnboardingPress(step=OnboardingStep.TOPIC),
        done=OnboardingPress(step=OnboardingStep.TOPICS_DONE),
    )


def _continue_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-continue"),
                   callback_data=OnboardingPress(step=OnboardingStep.BEGIN))
    return builder.as_markup()
