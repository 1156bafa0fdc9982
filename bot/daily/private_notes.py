"""The private note a member gets after answering a quiz in a group: an ephemeral message
(Bot API 10.2–10.3, ``ephemeral_message_parameters``) only they see, so the group's history
stays clean.

Telegram does not promise to deliver it, so nothing depends on it: the answer is recorded
before, and the note goes out in the background, never holding up the answers behind it.
Nothing we could find in the Bot API docs or aiogram's docstrings exempts ephemeral messages
from the flood limits, so they are counted as messages to the group: they pass the process's
rate limiter like every send (one a second in a chat, 20 a minute in a group), and at most
``per_minute`` of them go to one group in a minute — the rest of the group's budget stays for
its posts and replies. A note that would wait beyond that is not sent: a late one says nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import EphemeralMessageParameters, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.daily.answer_notes import AnswerNote, answer_note
from bot.platform.telegram.deep_links import start_link, topic_payload
from bot.study.answers import AnswerOutcome
from bot.study.keyboards import link_keyboard

logger = logging.getLogger(__name__)

# Half of Telegram's 20 messages a minute to one group.
NOTES_PER_GROUP_PER_MINUTE = 10


class PrivateNotes:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: I18n,
        bot_username: str,
        *,
        per_minute: int = NOTES_PER_GROUP_PER_MINUTE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.i18n = i18n
        self.bot_username = bot_username
        self.per_minute = per_minute
        self.monotonic = monotonic
        self._sent: dict[int, deque[float]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def after(self, bot: Bot, outcome: AnswerOutcome, language_code: str | None) -> None:
        """Send the member their note in the background, if the group's budget allows."""
        if not outcome.is_new or not self.take_turn(outcome.chat_id):
            return
        task = asyncio.create_task(self._send(bot, outcome, language_code),
                                   name=f"private-note-{outcome.poll_id}-{outcome.user_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Notes still going out are let go (delivery was never promised)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def take_turn(self, chat_id: int) -> bool:
        """Whether a note to ``chat_id`` fits this minute's budget (and counts it if so)."""
        now = self.monotonic()
        sent = self._sent.setdefault(chat_id, deque())
        while sent and sent[0] + 60.0 <= now:
            sent.popleft()
        if len(sent) >= self.per_minute:
            return False
        sent.append(now)
        return True

    async def _send(self, bot: Bot, outcome: AnswerOutcome, language_code: str | None) -> None:
        try:
            async with self.session_factory() as session:
                note = await answer_note(session, user_id=outcome.user_id,
                                         chat_id=outcome.chat_id, poll_id=outcome.poll_id,
                                         item_id=outcome.item_id,
                                         is_correct=outcome.is_correct)
            if note is None:
                return
            locale = (language_code if language_code in self.i18n.available_locales
                      else note.language)
            await bot.send_message(
                outcome.chat_id, self._text(note, locale),
                reply_markup=self._drill_link(note, locale),
                # In the quiz's forum topic: ephemeral messages take one like any send (the
                # Bot API's sendMessage has both; TDLib's sendEphemeralMessage a topic_id).
                message_thread_id=note.thread_id,
                ephemeral_message_parameters=EphemeralMessageParameters(
                    receiver_user_id=outcome.user_id),
            )
        except TelegramAPIError as error:
            logger.info("chat %s: no private note for user %s (%s)", outcome.chat_id,
                        outcome.user_id, error)
        except Exception:
            logger.exception("chat %s: the private note for user %s failed", outcome.chat_id,
                             outcome.user_id)

    def _text(self, note: AnswerNote, locale: str) -> str:
        verdict = self.i18n.gettext("note-correct" if note.is_correct else "note-wrong",
                                    locale=locale)
        if not note.streak:
            return verdict + "\n" + self.i18n.gettext("note-streak-broken", locale=locale)
        streak = self.i18n.gettext("note-streak", "note-streak", note.streak, locale=locale)
        return verdict + "\n" + streak.format(count=note.streak)

    def _drill_link(self, note: AnswerNote, locale: str) -> InlineKeyboardMarkup | None:
        if not self.bot_username:
            return None
        text = self.i18n.gettext("button-drill-topic-private", locale=locale)
        return link_keyboard([(text, start_link(self.bot_username,
                                                topic_payload(note.topic_id)))])
