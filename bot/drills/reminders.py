"""/remind: the daily "cards due" reminder, and its "start" button."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.reminder_rules import (
    ReminderSetting,
    parse_reminder_time,
    reminder_setting,
    set_reminder,
)
from bot.drills.serving import begin_drill
from bot.platform.zones import ZoneInputError, parse_zone
from bot.study.callbacks import ReminderDrill
from bot.study.context import UpdateContext
from bot.study.learners import load_learner, set_timezone
from bot.study.sending import replace_keyboard

TURN_OFF = frozenset({"off", "выкл", "stop", "нет"})
TURN_AUTO = frozenset({"auto", "авто"})


def create_router() -> Router:
    router = Router(name="reminders")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("remind"))
    async def remind_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        """``/remind``, ``/remind 19:00 [Europe/Berlin]``, ``/remind auto``, ``/remind off``."""
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        words = (command.args or "").split()
        if not words:
            setting = await reminder_setting(session, ctx.user_id)
            await message.answer(reminder_status(setting, learner.zone.key) + "\n\n"
                                 + _("remind-usage").format(zone=learner.zone.key))
            return
        if len(words) == 1 and words[0].lower() in TURN_OFF | TURN_AUTO:
            after_practice = words[0].lower() in TURN_AUTO
            await set_reminder(session, ctx.user_id, None, learner.zone, ctx.now,
                               after_practice=after_practice)
            await message.answer(_("remind-status-auto") if after_practice
                                 else _("remind-status-off"))
            return
        at = parse_reminder_time(words[0])
        if at is None or len(words) > 2:
            await message.answer(_("remind-bad-time"))
            return
        zone = learner.zone
        if len(words) == 2:
            try:
                zone_name = parse_zone(words[1])
            except ZoneInputError as error:
                await message.answer(_("input-" + error.problem.value).format(part=error.part))
                return
            await set_timezone(session, ctx.user_id, zone_name, ctx.now)
            zone = ZoneInfo(zone_name)
        await set_reminder(session, ctx.user_id, at, zone, ctx.now)
        await message.answer(_("remind-set").format(time=f"{at:%H:%M}", zone=zone.key))

    @router.callback_query(ReminderDrill.filter())
    async def start_pressed(
        callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        learner = await load_learner(session, ctx.user_id, ctx.default_zone)
        await begin_drill(ctx, session, learner)

    return router


def reminder_status(setting: ReminderSetting, zone: str) -> str:
    if setting.at is not None:
        return _("remind-status-on").format(time=f"{setting.at:%H:%M}", zone=zone)
    return _("remind-status-off") if setting.is_off else _("remind-status-auto")
