"""Long polling that acknowledges a quiz answer to Telegram only after it was stored.

aiogram's polling asks for the next page (whose offset confirms the last one) while the
handlers of the last page still run: a crash then loses answers Telegram will never resend.
Here a page's quiz answers are handled first, all concurrently, and the next page is asked for
once they are handled, i.e. committed by the group-commit recorder. The page's other updates (a
button press, a command) start then and finish in the background, as with aiogram's own
polling: one slow reply does not hold up a busy group's answers, and their queries do not
compete with the answers' write. A stop waits for them.

aiogram's backoff on failed requests, its startup/shutdown events and its SIGTERM/SIGINT
handling are kept: a signal stops the asking, the updates in hand are finished and confirmed,
then shutdown runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

logger = logging.getLogger(__name__)

POLLING_TIMEOUT_SECONDS = 10  # aiogram's default for start_polling

T = TypeVar("T")


class _Stopped(Exception):
    """The stop signal came while waiting."""


async def poll(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    allowed_updates: list[str],
    polling_timeout: int = POLLING_TIMEOUT_SECONDS,
    backoff_config: BackoffConfig = DEFAULT_BACKOFF_CONFIG,
    stop: asyncio.Event | None = None,
) -> None:
    """Like ``Dispatcher.start_polling`` (signals handled), until SIGTERM/SIGINT or ``stop``."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(signum, _on_signal, stop, signum)
    workflow_data = {"dispatcher": dispatcher, "bots": (bot,), **dispatcher.workflow_data}
    await dispatcher.emit_startup(bot=bot, **workflow_data)
    logger.info("polling")
    try:
        await _poll_pages(dispatcher, bot, workflow_data, allowed_updates, polling_timeout,
                          backoff_config, stop)
    finally:
        logger.info("polling stopped")
        for signum in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signum)
        await dispatcher.emit_shutdown(bot=bot, **workflow_data)


def _on_signal(stop: asyncio.Event, signum: signal.Signals) -> None:
    # aiogram's own wording: operators (and the e2e tests) look for it.
    logger.warning("Received %s signal; finishing the updates in hand", signum.name)
    stop.set()


async def _poll_pages(
    dispatcher: Dispatcher, bot: Bot, workflow_data: dict[str, Any], allowed_updates: list[str],
    polling_timeout: int, backoff_config: BackoffConfig, stop: asyncio.Event,
) -> None:
    backoff = Backoff(config=backoff_config)
    request = GetUpdates(timeout=polling_timeout, allowed_updates=allowed_updates)
    # The request may take the whole long poll: wait a little longer than it.
    request_timeout = int(bot.session.timeout + polling_timeout) if bot.session.timeout else None
    failed = False
    in_background: set[asyncio.Task[None]] = set()
    try:
        while not stop.is_set():
            try:
                updates = await _unless_stopped(bot(request, request_timeout=request_timeout),
                                                stop)
            except _Stopped:
                break
            except Exception as error:
                failed = True
                logger.error("failed to fetch updates - %s: %s; retrying in %.1f s",
                             type(error).__name__, error, backoff.next_delay)
                with contextlib.suppress(_Stopped):
                    await _unless_stopped(backoff.asleep(), stop)
                continue
            if failed:
                logger.info("fetching updates again after %d failures", backoff.counter)
                backoff.reset()
                failed = False
            if updates:
                await asyncio.gather(*(_handle(dispatcher, bot, update, workflow_data)
                                       for update in updates if update.poll_answer is not None))
                for update in updates:
                    if update.poll_answer is None:
                        task = asyncio.create_task(_handle(dispatcher, bot, update, workflow_data))
                        in_background.add(task)
                        task.add_done_callback(in_background.discard)
                request.offset = updates[-1].update_id + 1
    finally:
        await asyncio.gather(*in_background)
        if request.offset is not None:
            await _confirm(bot, request.offset)


async def _handle(
    dispatcher: Dispatcher, bot: Bot, update: Update, workflow_data: dict[str, Any]
) -> None:
    try:
        response = await dispatcher.feed_update(bot, update, **workflow_data)
        if isinstance(response, TelegramMethod):
            await bot(response)
    except Exception:
        logger.exception("update %s failed", update.update_id)


async def _confirm(bot: Bot, offset: int) -> None:
    """Tells Telegram the updates before ``offset`` were handled, without waiting for more
    (any update this returns stays unconfirmed and comes again after a restart)."""
    try:
        await bot(GetUpdates(offset=offset, limit=1, timeout=0))
    except Exception as error:
        logger.warning("could not confirm the last updates handled: %r", error)


async def _unless_stopped(awaitable: Awaitable[T], stop: asyncio.Event) -> T:
    """``awaitable``'s result, or _Stopped (and it cancelled) when ``stop`` is set first."""
    work = asyncio.ensure_future(awaitable)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if work.done():
            return work.result()
    finally:
        stopped.cancel()
        work.cancel()  # nothing when done
    raise _Stopped
