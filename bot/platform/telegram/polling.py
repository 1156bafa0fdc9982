"""Long polling that acknowledges a quiz answer to Telegram only after it was stored.

aiogram's polling asks for the next page (whose offset confirms the last one) while the
handlers of the last page still run: a crash then loses answers Telegram will never resend.
Here a page's quiz answers are handled first, all concurrently, and the next page is asked for
once they are handled, i.e. committed by the group-commit recorder. The page's other updates (a
button press, a command) start then and finish in the background, as with aiogram's own
polling: one slow reply does not hold up a busy group's answers, and their queries do not
compete with the answers' write. A stop waits for them.

Before any of that, an ``UpdateLane`` may take a page's updates it can handle from Telegram's
JSON (the bot's lane: answers to group quizzes, recorded as one batch): aiogram's models and
dispatcher cost more per answer than recording it. The page is confirmed once they are done too.

aiogram's backoff on failed requests, its startup/shutdown events and its SIGTERM/SIGINT
handling are kept: a signal stops the asking, and the updates in hand get what is left of the
shutdown's grace period to finish. Those still running then (a reply held up by a chat's rate
limit, say) are cancelled, named in the log and handed to ``UnfinishedUpdates.keep``: they were
confirmed to Telegram with their page, so they are handled again after the restart, before any
new update. Then the offset is confirmed and shutdown runs.

What a stop guarantees: after SIGTERM, every update Telegram saw confirmed is handled, or kept
and handled at the next start (at least once: a handler cut off may have sent part of its
replies). After SIGKILL or a crash, quiz answers confirmed are stored (the page waits for them);
the other updates that were being handled at that moment are lost with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, ClassVar, Protocol, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig
from pydantic import ValidationError

from bot.platform.shutdown import Shutdown

logger = logging.getLogger(__name__)

POLLING_TIMEOUT_SECONDS = 10  # aiogram's default for start_polling

T = TypeVar("T")


class _Stopped(Exception):
    """The stop signal came while waiting."""


class UnfinishedUpdates(Protocol):
    """Where the updates a stop cut off wait for the next start."""

    async def keep(self, updates: Sequence[Update]) -> None: ...

    async def take(self) -> list[Update]:
        """What the last stop kept, oldest first; each is forgotten once ``done``."""
        ...

    async def done(self, update_id: int) -> None: ...


class UpdateLane(Protocol):
    """Handles some of a page's updates from Telegram's JSON, before the dispatcher sees any."""

    async def take(self, bot: Bot, updates: Sequence[Mapping[str, Any]]) -> set[int]:
        """The ids of the updates handled here (done, as a handler's would be); the rest go to
        the dispatcher."""
        ...


class _NoLane:
    async def take(self, bot: Bot, updates: Sequence[Mapping[str, Any]]) -> set[int]:
        return set()


class _GetUpdatesJson(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates answered as JSON objects: the lane's updates are never turned into aiogram's
    models, which cost more than the busiest updates' whole handling."""

    __returning__: ClassVar[Any] = list[dict[str, Any]]
    __api_method__: ClassVar[str] = "getUpdates"

    offset: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


class _NothingKept:
    async def keep(self, updates: Sequence[Update]) -> None:
        logger.warning("nowhere to keep %d unfinished updates: they are lost", len(updates))

    async def take(self) -> list[Update]:
        return []

    async def done(self, update_id: int) -> None:
        return None


async def poll(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    allowed_updates: list[str],
    polling_timeout: int = POLLING_TIMEOUT_SECONDS,
    backoff_config: BackoffConfig = DEFAULT_BACKOFF_CONFIG,
    shutdown: Shutdown | None = None,
    unfinished: UnfinishedUpdates | None = None,
    lane: UpdateLane | None = None,
    stop_on_signals: bool = True,
) -> None:
    """Like ``Dispatcher.start_polling``, until ``shutdown.begin()`` or, with
    ``stop_on_signals``, SIGTERM/SIGINT; updates kept by the last stop are handled first.

    Without ``stop_on_signals`` (a bot run inside a test's event loop) the process's signals
    are left alone: only ``shutdown`` stops the polling. ``lane`` takes the updates it can of
    each page first, all at once; the page is confirmed once they are done too."""
    shutdown = shutdown or Shutdown()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if stop_on_signals else ()
    for signum in signals:
        with contextlib.suppress(NotImplementedError):  # Windows
            loop.add_signal_handler(signum, _on_signal, shutdown, signum)
    workflow_data = {"dispatcher": dispatcher, "bots": (bot,), **dispatcher.workflow_data}
    await dispatcher.emit_startup(bot=bot, **workflow_data)
    logger.info("polling")
    pages = _Pages(dispatcher, bot, workflow_data, unfinished or _NothingKept(), lane or _NoLane())
    try:
        await pages.resume_kept()
        await pages.poll(allowed_updates, polling_timeout, backoff_config, shutdown)
    finally:
        logger.info("polling stopped")
        for signum in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(signum)
        await dispatcher.emit_shutdown(bot=bot, **workflow_data)


def _on_signal(shutdown: Shutdown, signum: signal.Signals) -> None:
    # aiogram's own wording: operators (and the e2e tests) look for it.
    logger.warning("Received %s signal; finishing the updates in hand", signum.name)
    shutdown.begin()


class _Pages:
    """The loop over getUpdates pages, and the updates it still has in hand."""

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, workflow_data: dict[str, Any],
        unfinished: UnfinishedUpdates, lane: UpdateLane,
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.workflow_data = workflow_data
        self.unfinished = unfinished
        self.lane = lane
        self.in_background: dict[asyncio.Task[None], Update] = {}

    async def resume_kept(self) -> None:
        kept = await self.unfinished.take()
        if kept:
            logger.info("handling %d updates kept by the last stop", len(kept))
        for update in kept:
            self._in_background(update, then_forget=True)

    async def poll(
        self, allowed_updates: list[str], polling_timeout: int, backoff_config: BackoffConfig,
        shutdown: Shutdown,
    ) -> None:
        backoff = Backoff(config=backoff_config)
        request = _GetUpdatesJson(timeout=polling_timeout, allowed_updates=allowed_updates)
        # The request may take the whole long poll: wait a little longer than it.
        request_timeout = (int(self.bot.session.timeout + polling_timeout)
                           if self.bot.session.timeout else None)
        failed = False
        try:
            while not shutdown.started:
                try:
                    page = await _unless_stopped(
                        self.bot(request, request_timeout=request_timeout), shutdown.stopping
                    )
                except _Stopped:
                    break
                except Exception as error:
                    failed = True
                    logger.error("failed to fetch updates - %s: %s; retrying in %.1f s",
                                 type(error).__name__, error, backoff.next_delay)
                    with contextlib.suppress(_Stopped):
                        await _unless_stopped(backoff.asleep(), shutdown.stopping)
                    continue
                if failed:
                    logger.info("fetching updates again after %d failures", backoff.counter)
                    backoff.reset()
                    failed = False
                if page:
                    updates = self._models(page, await self._taken_by_lane(page))
                    await asyncio.gather(*(self._handle(update) for update in updates
                                           if update.poll_answer is not None))
                    for update in updates:
                        if update.poll_answer is None:
                            self._in_background(update)
                    request.offset = page[-1]["update_id"] + 1
        finally:
            await self._finish_or_keep(shutdown)
            if request.offset is not None:
                await _confirm(self.bot, request.offset)

    async def _taken_by_lane(self, page: list[dict[str, Any]]) -> set[int]:
        try:
            return await self.lane.take(self.bot, page)
        except Exception:
            logger.exception("the update lane failed: the dispatcher handles the whole page")
            return set()

    def _models(self, page: list[dict[str, Any]], taken: set[int]) -> list[Update]:
        """The page's other updates as aiogram's models; one that does not parse is logged and
        skipped (before, it held up the whole page for good)."""
        updates = []
        for update in page:
            if update["update_id"] in taken:
                continue
            try:
                updates.append(Update.model_validate(update, context={"bot": self.bot}))
            except ValidationError:
                logger.exception("update %s does not parse: skipped", update["update_id"])
        return updates

    def _in_background(self, update: Update, *, then_forget: bool = False) -> None:
        task = asyncio.create_task(self._handle(update, then_forget=then_forget))
        self.in_background[task] = update
        task.add_done_callback(self.in_background.pop)

    async def _finish_or_keep(self, shutdown: Shutdown) -> None:
        """The updates in hand get the grace period; those still running are kept."""
        if not self.in_background:
            return
        _, running = await asyncio.wait(self.in_background, timeout=shutdown.remaining())
        if not running:
            return
        cut_off = [self.in_background[task] for task in running]
        for update in cut_off:
            logger.warning("update %s (%s) still running when the grace period ended: "
                           "cancelled, kept for the next start", update.update_id,
                           update.event_type)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self.unfinished.keep(cut_off)

    async def _handle(self, update: Update, *, then_forget: bool = False) -> None:
        await _handle(self.dispatcher, self.bot, update, self.workflow_data)
        if then_forget:
            await self.unfinished.done(update.update_id)


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
