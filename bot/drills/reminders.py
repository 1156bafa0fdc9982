"""/remind: the daily "cards due" reminder, and its "start" button."""

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

from bot.drills.reminder_rules import parse_reminder_time, reminder_setting, set_reminder
from bot.drills.serving import begin_drill
from bot.platform.clock import Clock
from bot.study.callbacks import ReminderDrill
from bot.study.learners import load_learner
from bot.study.sending import replace_keyboard

TURN_OFF = frozenset({"off", "выкл", "stop", "нет"})


def create_router() -> Router:
    router = Router(name="reminders")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("remind"))
    async def remind_command(
        message: Message, command: CommandObject, session: AsyncSession, clock: Clock,
        default_zone: ZoneInfo,
    ) -> None:
        user_id = message.from_user.id if message.from_user else message.chat.id
        learner = await load_learner(session, user_id, default_zone)
        zone = learner.zone.key
        argument = (command.args or "").strip().lower()
        if not argument:
            setting = await reminder_setting(session, user_id)
            status = (_("remind-status-on").format(time=f"{setting.at:%H:%M}", zone=zone)
                      if setting.at else _("remind-status-off"))
            await message.answer(status + "\n\n" + _("remind-usage").format(zone=zone))
            return
        if argument in TURN_OFF:
            await set_reminder(session, user_id, None, learner.zone, clock())
            await message.answer(_("remind-status-off"))
            return
        at = parse_reminder_time(argument)
        if at is None:
            await message.answer(_("remind-bad-time"))
            return
        await set_reminder(session, user_id, at, learner.zone, clock())
        await message.answer(_("remind-set").format(time=f"{at:%H:%M}", zone=zone))

    @router.callback_query(ReminderDrill.filter())
    async def start_pressed(
        callback: CallbackQuery, bot: Bot, session: AsyncSession, rng: Random, clock: Clock,
        i18n: I18n, signature: str, default_zone: ZoneInfo,
    ) -> None:
        await callback.answer()
        await replace_keyboard(callback)
        chat_id = callback.message.chat.id if callback.message else callback.from_user.id
        now = clock()
        learner = await load_learner(session, callback.from_user.id, default_zone)
        await begin_drill(bot, session, chat_id=chat_id, learner=learner, rng=rng, now=now,
                          i18n=i18n, signature=signature)

    return router
