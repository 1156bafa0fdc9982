"""The bot in the test's own event loop: ``bot.app.App`` (the wiring ``python -m bot`` runs)
served against the fake Bot API, on time and randomness the test owns.

``MovableClock``
    The bot's clock (and the fake Bot API's): real time shifted by what the test moved it. It
    keeps running, so events keep their order; ``move`` jumps to any instant, and the naps of
    the daily scheduler and the reminder loop taken past their end by a move end at once.
``SkippedTime``
    The rate limiter's time: a wait for Telegram's pace passes at once, the order and the
    counts of the sends stay as they are.
``InProcessBot``
    One run of the app, what one ``python -m bot`` process is in tests/e2e: started, polling,
    stopped by ``Shutdown.begin()`` (as SIGTERM does); ``log`` is what it logged meanwhile,
    formatted as the process prints it (secrets redacted).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

from bot.app import App, create_rate_limiter
from bot.platform.config import Settings
from bot.platform.content.files import ContentBundle, read_content_dir
from bot.platform.logs import LOG_FORMAT, RedactingFormatter
from bot.platform.shutdown import Shutdown
from tests.fakebot import FakeBotAPI

logger = logging.getLogger(__name__)


class MovableClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)
        # (time.monotonic() of a move, the offset from then on), oldest first.
        self._moves: list[tuple[float, timedelta]] = []
        self._moved = asyncio.Event()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def timestamp(self) -> float:
        """Seconds since the epoch (the fake Bot API's clock: message dates, polls closing)."""
        return self().timestamp()

    def move(self, by: timedelta) -> None:
        self.offset += by
        self._moves.append((time.monotonic(), self.offset))
        self._moved.set()
        self._moved = asyncio.Event()

    def move_to(self, instant: datetime) -> None:
        self.move(instant - self())

    def at(self, monotonic: float) -> datetime:
        """What the clock read at that ``time.monotonic()`` (the fake Bot API stamps calls)."""
        offset = next((moved_to for moved_at, moved_to in reversed(self._moves)
                       if moved_at <= monotonic), timedelta(0))
        return datetime.fromtimestamp(time.time() - time.monotonic() + monotonic, UTC) + offset

    async def sleep(self, seconds: float) -> None:
        """Until the clock has gone ``seconds`` on, by running or by moves."""
        end = self() + timedelta(seconds=seconds)
        while (left := (end - self()).total_seconds()) > 0:
            moved = self._moved
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(moved.wait(), left)


class SkippedTime:
    def __init__(self) -> None:
        self.skipped = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.skipped

    async def sleep(self, seconds: float) -> None:
        self.skipped += max(seconds, 0.0)
        await asyncio.sleep(0)


class ContentDir:
    """The bank parsed in this process (``python -m bot`` has a forked process parse it while
    it imports aiogram; a fork of the test process would copy its event loop)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def bundle(self) -> ContentBundle:
        return read_content_dir(self.root)

    def adopt_database(self) -> None:
        """Nothing is built beside the start-up: the app prepares the database itself."""


class _Lines(logging.Handler):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(RedactingFormatter(LOG_FORMAT, secrets))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class InProcessBot:
    def __init__(self, settings: Settings, clock: MovableClock, *, seed: int = 0) -> None:
        self.settings = settings
        self.shutdown = Shutdown(settings.shutdown_grace_seconds)
        pace = SkippedTime()
        self.app = App(
            settings, content=ContentDir(settings.content_dir), clock=clock, sleep=clock.sleep,
            rng=Random(seed),
            rate_limiter=create_rate_limiter(settings, monotonic=pace.monotonic,
                                             sleep=pace.sleep),
        )
        self._lines = _Lines([settings.bot_token.get_secret_value()])
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def log(self) -> str:
        """Every line the run logged (INFO and up), as ``python -m bot`` prints them."""
        return "\n".join(self._lines.lines)

    async def start(self, api: FakeBotAPI, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        """Serve until :meth:`stop`; returns once the bot asks ``api`` for updates."""
        if self._task is not None:
            raise RuntimeError("already started")
        logging.getLogger().addHandler(self._lines)
        api.bot_idle = self.idle
        mark = api.mark()
        # The start-up collects the garbage once (``return_freed_memory``): here that would
        # walk every object of the test session, most of a second each time. They sit out.
        gc.freeze()
        try:
            self._task = asyncio.create_task(
                self.app.serve(self.shutdown, stop_on_signals=False), name="in-process bot")
            await self._polling(api, mark, timeout)
        finally:
            gc.unfreeze()

    async def _polling(self, api: FakeBotAPI, mark: int, timeout: float) -> None:  # noqa: ASYNC109
        assert self._task is not None
        deadline = asyncio.get_running_loop().time() + timeout
        while not any(call.method == "getUpdates" and call.index >= mark for call in api.calls):
            if self._task.done():
                await self._finish()  # raises what stopped it
                raise AssertionError(f"the bot stopped before polling; log:\n{self.log}")
            if asyncio.get_running_loop().time() > deadline:
                await self.stop()
                raise AssertionError(f"the bot did not poll within {timeout}s; log:\n{self.log}")
            await asyncio.sleep(0.01)

    async def idle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until no update is being handled: each one's transaction committed."""
        if not await self.app.in_flight.wait_idle(timeout):
            raise TimeoutError(f"the bot still handles an update after {timeout}s")

    async def stop(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        """Stop as SIGTERM does; raises what the app failed with, if it did."""
        if self._task is None:
            raise RuntimeError("not started")
        logger.info("stopping the in-process bot")  # where "Received SIGTERM" is in a process
        self.shutdown.begin()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            raise AssertionError(f"the bot did not stop within {timeout}s; log:\n{self.log}"
                                 ) from None
        finally:
            await self._finish()

    async def _finish(self) -> None:
        logging.getLogger().removeHandler(self._lines)
        assert self._task is not None
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
