"""The learner's own settings in private: ``/settings`` (time zone, language, reminder, level
and topics), ``/timezone Zone``, and a zone typed after "another zone"."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.formatting import Bold, Text
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import subscriptions
from bot.daily.settings_keyboards import settings_screen
from bot.drills.reminder_rules import reminder_setting
from bot.drills.reminders import reminder_status
from bot.home.callbacks import (
    LearnerSettingsPress,
    OnboardingPress,
    OnboardingStep,
    SettingsStep,
)
from bot.platform.zones import COMMON_ZONES, ZoneInputError, parse_zone
from bot.study.catalog import topic_title
from bot.study.context import UpdateContext
from bot.study.keyboards import language_keyboard
from bot.study.learners import Learner, load_learner, set_timezone, topic_choices

ON = "✓ "


class LearnerInput(StatesGroup):
    """The learner pressed "another zone" and is expected to type one."""

    zone = State()


def create_router() -> Router:
    router = Router(name="learner-settings")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    # "/settings @channel" stays the channel's (bot/daily/subscribe.py).
    @router.message(Command("settings", magic=F.args.is_(None)))
    async def settings_command(
        message: Message, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        await message.answer(**await _settings_screen(ctx, session))

    @router.message(Command("timezone"))
    async def timezone_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        if not command.args:
            await message.answer(_("timezone-prompt").format(zone=learner.zone.key),
                                 reply_markup=_settings_zones(learner.zone.key))
            return
        await _save_zone(message, ctx, session, command.args)

    @router.callback_query(LearnerSettingsPress.filter())
    async def settings_pressed(
        callback: CallbackQuery, callback_data: LearnerSettingsPress, ctx: UpdateContext,
        session: AsyncSession, state: FSMContext,
    ) -> None:
        await callback.answer()
        if not isinstance(callback.message, Message):
            return
        match callback_data.step:
            case SettingsStep.ZONES:
                learner = await load_learner(session, ctx.user_id, ctx.default_zone)
                with suppress(TelegramBadRequest):
                    await callback.message.edit_reply_markup(
                        reply_markup=_settings_zones(learner.zone.key))
                return
            case SettingsStep.OTHER_ZONE:
                await ask_zone(callback.message, state, onboarding=False)
                return
            case SettingsStep.LANGUAGE:
                await callback.message.answer(_("language-prompt"),
                                              reply_markup=language_keyboard())
                return
            case SettingsStep.DAILY:
                view = await subscriptions.get_subscription(session, ctx.chat_id)
                if view is not None:
                    topics = await subscriptions.available_topics(session)
                    await callback.message.answer(**settings_screen(
                        view, _("private-chat"), topics).as_kwargs())
                return
            case SettingsStep.ZONE:
                await set_timezone(session, ctx.user_id, parse_zone(callback_data.value),
                                   ctx.now)
        with suppress(TelegramBadRequest):  # the same screen again
            await callback.message.edit_text(**await _settings_screen(ctx, session))

    @router.message(StateFilter(LearnerInput.zone), F.text, ~F.text.startswith("/"))
    async def zone_typed(
        message: Message, ctx: UpdateContext, session: AsyncSession, state: FSMContext,
    ) -> None:
        onboarding = bool((await state.get_data()).get("onboarding"))
        if await _save_zone(message, ctx, session, message.text or "", onboarding=onboarding):
            await state.clear()

    return router


async def ask_zone(message: Message, state: FSMContext, *, onboarding: bool) -> None:
    """Ask for a zone to be typed; ``onboarding`` offers the first drill once it is."""
    await state.set_state(LearnerInput.zone)
    await state.update_data(onboarding=onboarding)
    await message.answer(_("ask-learner-zone"))


async def _save_zone(
    message: Message, ctx: UpdateContext, session: AsyncSession, typed: str, *,
    onboarding: bool = False,
) -> bool:
    """Save a typed zone and say so (with the first drill's button while onboarding); False
    when it is no zone."""
    try:
        zone = parse_zone(typed)
    except ZoneInputError as error:
        await message.answer(_("input-" + error.problem.value).format(part=error.part))
        return False
    await set_timezone(session, ctx.user_id, zone, ctx.now)
    await message.answer(_("timezone-set").format(zone=zone),
                         reply_markup=begin_keyboard() if onboarding else None)
    return True


def begin_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-begin"), callback_data=OnboardingPress(step=OnboardingStep.BEGIN))
    return builder.as_markup()


def zone_keyboard(
    current: str | None, choose: Callable[[str], CallbackData], other: CallbackData,
    back: CallbackData | None = None,
) -> InlineKeyboardMarkup:
    """The common zones (and ``current``) two a row, "another zone", and "back" if given."""
    builder = InlineKeyboardBuilder()
    shown = list(dict.fromkeys([*COMMON_ZONES, *([current] if current else [])]))
    for zone in shown:
        builder.button(text=ON + zone if zone == current else zone, callback_data=choose(zone))
    builder.button(text=_("button-other-zone"), callback_data=other)
    if back is not None:
        builder.button(text=_("button-back"), callback_data=back)
    builder.adjust(*[2] * ((len(shown) + 1) // 2), 1, 1)
    return builder.as_markup()


def _settings_zones(current: str) -> InlineKeyboardMarkup:
    return zone_keyboard(
        current, lambda zone: LearnerSettingsPress(step=SettingsStep.ZONE, value=zone),
        LearnerSettingsPress(step=SettingsStep.OTHER_ZONE),
        LearnerSettingsPress(step=SettingsStep.MAIN),
    )


async def _settings_screen(ctx: UpdateContext, session: AsyncSession) -> dict[str, Any]:
    learner = await load_learner(session, ctx.user_id, ctx.default_zone)
    reminder = reminder_status(await reminder_setting(session, ctx.user_id), learner.zone.key)
    text = Text(Bold(_("learner-settings-title")), "\n\n", "\n".join([
        _("learner-settings-language"),
        _("learner-settings-zone").format(
            zone=learner.zone.key, time=f"{ctx.now.astimezone(learner.zone):%H:%M}"),
        _("learner-settings-reminder").format(reminder=reminder),
        _("learner-settings-drill").format(
            level=level_name(learner), topics=await chosen_topics(session, ctx.user_id,
                                                                  ctx.locale)),
    ]))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-zone"),
                   callback_data=LearnerSettingsPress(step=SettingsStep.ZONES))
    builder.button(text=_("button-language"),
                   callback_data=LearnerSettingsPress(step=SettingsStep.LANGUAGE))
    if await subscriptions.get_subscription(session, ctx.chat_id) is not None:
        builder.button(text=_("button-daily-settings"),
                       callback_data=LearnerSettingsPress(step=SettingsStep.DAILY))
    builder.adjust(2, 1)
    return {**text.as_kwargs(), "reply_markup": builder.as_markup()}


async def chosen_topics(session: AsyncSession, user_id: int, locale: str) -> str:
    """The titles of the learner's topics, or "every topic"."""
    titles = [topic_title(choice, locale)
              for choice in await topic_choices(session, user_id) if choice.selected]
    return ", ".join(titles) or _("topics-all")


def level_name(learner: Learner) -> str:
    return _("button-level-" + (learner.level.value if learner.level else "any"))
