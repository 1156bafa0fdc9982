"""Middlewares: one DB transaction per update, and tracking of updates still in flight."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.i18n import I18nMiddleware
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.clock import Clock
from bot.platform.db.engine import again_if_connection_lost
from bot.platform.db.models import HandledUpdate
from bot.platform.telegram.fsm_storage import DatabaseStorage

logger = logging.getLogger(__name__)

# Telegram keeps an update for 24 hours: it cannot come again later than that (plus slack).
TELEGRAM_KEEPS_UPDATES = timedelta(hours=26)
HANDLED_PURGE_EVERY = timedelta(hours=1)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Gives the handler ``session``; commits when it returns, rolls back when it fails.

    A Telegram error is the exception: what the learner did (an answer, a grade) was already
    recorded, and Telegram refusing the reply must not undo it.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.session_factory() as session:
            data["session"] = session
            try:
                result = await handler(event, data)
            except TelegramAPIError:
                await session.commit()
                raise
            await session.commit()
            return result


class RepeatedUpdatesDropped(BaseMiddleware):
    """Telegram delivers an update again after a webhook timeout or a crash before the offset
    moved on: one whose transaction committed is dropped before any handler runs (after
    ``DbSessionMiddleware``: the mark commits with the update's own changes, or not at all).

    Quiz answers and poll states skip this: they are idempotent by themselves (an answer is
    stored once per poll and voter) and are the bulk of a busy group's updates.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._purged_at: datetime | None = None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update) or event.poll_answer or event.poll:
            return await handler(event, data)
        session: AsyncSession = data["session"]
        if await session.get(HandledUpdate, event.update_id) is not None:
            logger.info("update %s was handled already: dropped", event.update_id)
            return None
        now = self.clock()
        mark = HandledUpdate(update_id=event.update_id, handled_at=now)
        try:
            result = await handler(event, data)
        except TelegramAPIError:  # its changes are committed all the same
            session.add(mark)
            raise
        session.add(mark)
        if self._purged_at is None or now - self._purged_at > HANDLED_PURGE_EVERY:
            self._purged_at = now
            await session.execute(delete(HandledUpdate).where(
                HandledUpdate.handled_at < now - TELEGRAM_KEEPS_UPDATES))
        return result


class RetryOnLostConnection(BaseMiddleware):
    """Runs an update once more when it failed because its database connection died (a
    failover, a server restart): the pool has replaced the connection by then.

    An update outer middleware, outside every database read of the update (dialog state,
    language, poll facts) and its transaction, so the second run starts from scratch with data
    of its own. Handlers are safe to run twice, as for a redelivered update; a reply the first
    run had already sent may come twice.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_id = event.update_id if isinstance(event, Update) else None
        return await again_if_connection_lost(lambda: handler(event, dict(data)),
                                              f"update {update_id}")


class InFlightUpdates(BaseMiddleware):
    """Counts updates being handled, so shutdown can wait for them to finish."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def wait_idle(self, seconds: float) -> bool:
        """True when every update finished within ``seconds``."""
        if self._idle.is_set():
            return True
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
        except TimeoutError:
            return False
        return True


class KnownButtonsOnly(BaseMiddleware):
    """Refuses callback data that is not on the pressed message's keyboard, or of a kind
    (``CallbackData`` prefix) this bot does not make.

    Clients send only the data of buttons they show, so anything else is forged or belongs to a
    keyboard the bot has since replaced: either way it must not act. An update outer
    middleware, after the learner's language and before the dialog state and the update's
    transaction: a refused press costs no query and takes no write lock (on SQLite, its
    handled-update mark used to hold up a busy group's answers). The refusal is worded by
    ``languages``, the middleware that sets the language of the handlers after it.
    """

    def __init__(self, languages: I18nMiddleware, prefixes: frozenset[str]) -> None:
        self.languages = languages
        self.prefixes = prefixes

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        callback = event.callback_query if isinstance(event, Update) else None
        if callback is not None and not (self._is_known(callback) and _is_on_keyboard(callback)):
            logger.info("refused callback data %r from user %s: not on the message's keyboard",
                        callback.data, callback.from_user.id)
            locale = await self.languages.get_locale(callback, data)
            await callback.answer(self.languages.i18n.gettext("button-outdated", locale=locale),
                                  show_alert=True)
            return None
        return await handler(event, data)

    def _is_known(self, callback: CallbackQuery) -> bool:
        return (callback.data or "").partition(":")[0] in self.prefixes


def callback_data_classes() -> list[type[CallbackData]]:
    """Every ``CallbackData`` class defined so far: the kinds of the bot's buttons."""
    found: list[type[CallbackData]] = []
    unexplored = CallbackData.__subclasses__()
    while unexplored:
        kind = unexplored.pop()
        found.append(kind)
        unexplored.extend(kind.__subclasses__())
    return found


def callback_data_prefixes() -> frozenset[str]:
    """The prefixes of the bot's buttons (all with aiogram's default separator, ":", which a
    test keeps so)."""
    return frozenset(kind.__prefix__ for kind in callback_data_classes())


def _is_on_keyboard(callback: CallbackQuery) -> bool:
    message = callback.message
    if not isinstance(message, Message):
        return True  # too old for Telegram to include: nothing to check against
    markup = message.reply_markup
    if markup is None:
        return False
    return any(button.callback_data == callback.data
               for row in markup.inline_keyboard for button in row)


class DialogStateInTransaction(BaseMiddleware):
    """Binds the handler's dialog state to the update's session (after ``DbSessionMiddleware``).

    A dialog step and the change it makes are then one transaction: a failed handler rolls both
    back, and on SQLite the state's write does not wait for the lock its own update holds.
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state = data.get("state")
        if isinstance(state, FSMContext) and isinstance(state.storage, DatabaseStorage):
            data["state"] = FSMContext(state.storage.within(data["session"]), state.key)
        return await handler(event, data)


class NoDialogStateForPolls(BaseMiddleware):
    """aiogram's FSM middleware, except for poll answers and polls.

    No dialog step handles those, and the FSM middleware reads the dialog state up front: for
    each answer of a busy group that would be a query on the hot path.
    """

    def __init__(self, fsm: FSMContextMiddleware) -> None:
        self.fsm = fsm

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update) and (event.poll_answer or event.poll):
            return await handler(event, data)
        return await self.fsm(handler, event, data)
