"""The daily-reminder loop: sleep until the earliest reminder, claim what is due, send it.

Self-contained: it owns its transactions (one per claim batch) and gets time, sleeping and the
Bot injected, so tests drive it at any instant without waiting. A claim is committed before the
message goes out, so a restart never sends a reminder twice (a crash between the two loses that
day's reminder instead: a reminder is a nudge, not a record).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.drills.reminder_rules import (
    CLAIM_BATCH,
    DueReminder,
    claim_due_reminders,
    earliest_reminder,
)
from bot.platform.clock import Clock
from bot.platform.i18n import LanguageOverrides, learner_locale
from bot.study.context import ChatContexts
from bot.study.keyboards import reminder_keyboard

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# A reminder set while the loop sleeps is seen at most this late.
MAX_NAP = timedelta(minutes=1)


class ReminderLoop:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        bot: Bot,
        i18n: I18n,
        language_overrides: LanguageOverrides,
        *,
        default_zone: ZoneInfo,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.chats = ChatContexts(bot, i18n, clock)
        self.i18n = i18n
        self.language_overrides = language_overrides
        self.default_zone = default_zone
        self.clock = clock
        self.sleep = sleep

    async def run(self) -> None:
        """Until cancelled; a failed round is logged and the next one comes as usual."""
        while True:
            try:
                await self.send_due()
                pause = await self.pause()
            except Exception:
                logger.exception("reminder round failed")
                pause = MAX_NAP
            await self.sleep(pause.total_seconds())

    async def send_due(self) -> int:
        """Claim and send every reminder due now; returns how many were sent."""
        sent = 0
        while True:
            async with self.session_factory() as session, session.begin():
                batch = await claim_due_reminders(session, self.clock(), self.default_zone,
                                                  CLAIM_BATCH)
            for reminder in batch:
                if reminder.worth_sending:
                    sent += await self._send(reminder)
            if len(batch) < CLAIM_BATCH:
                return sent

    async def pause(self) -> timedelta:
        """How long to sleep: until the earliest reminder, but no longer than ``MAX_NAP``."""
        async with self.session_factory() as session:
            earliest = await earliest_reminder(session)
        if earliest is None:
            return MAX_NAP
        return max(timedelta(0), min(MAX_NAP, earliest - self.clock()))

    async def _send(self, reminder: DueReminder) -> int:
        locale = await learner_locale(self.i18n, self.language_overrides, reminder.user_id,
                                      reminder.telegram_language)
        learner = self.chats.for_chat(reminder.user_id, locale)
        with learner.speaking():
            # The interview plan's line replaces the plain "new cards wait" one.
            text = "\n".join(filter(None, [
                _("reminder-text").format(count=reminder.due_cards) if reminder.due_cards
                else _("reminder-new-text").format(count=reminder.new_cards)
                if reminder.new_cards and not reminder.planned_new else "",
                _("reminder-exam-plan").format(count=reminder.planned_new)
                if reminder.planned_new else "",
            ]))
            markup = reminder_keyboard()
        try:
            await learner.send_message(text, markup)
        except TelegramAPIError as error:
            logger.info("reminder to %s not delivered: %s", reminder.user_id, error)
            return 0
        return 1
