"""Webhook mode: Telegram POSTs updates to us; plus the operator's /healthz and /metrics.

Every update is handled before its HTTP answer, however long that takes: a 200 means the
update's transaction has committed, so an update Telegram saw acknowledged is never lost to a
crash, and one cut off (by a crash, or by the end of a stop's grace period: HTTP 503) is
delivered again. aiogram's own handler answers 200 after 55 s with the update still queued, so
this one does not use it. The same update arriving again while it is being handled (Telegram
timed out and retried) waits for the first and gets its answer.

What can never be handled (a body that is not JSON, not an object, not an update) is logged and
answered 200: Telegram retries any other status for hours. 5xx means "try again later" only.

Several replicas serve one webhook URL behind a proxy, so a replica that stops leaves the
webhook alone (no deleteWebhook): the others keep serving it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import signal
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.clock import Clock, utc_now
from bot.platform.db.health import write_health_check
from bot.platform.shutdown import Shutdown
from bot.platform.telegram.metrics import BotMetrics

logger = logging.getLogger(__name__)

HEALTH_CHECK_SECONDS = 3.0
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Requests still open once their updates are done or cancelled get this long to be answered.
SERVER_SHUTDOWN_SECONDS = 0.5


class OpsEndpoints:
    """``GET /healthz``: 200 when the database accepts a write, 503 otherwise (a database that
    answers reads only is as good as down to the bot); ``GET /metrics``."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], metrics: BotMetrics,
        clock: Clock = utc_now,
    ) -> None:
        self.session_factory = session_factory
        self.metrics = metrics
        self.clock = clock

    def register(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_page)

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            async with (asyncio.timeout(HEALTH_CHECK_SECONDS), self.session_factory() as session,
                        session.begin()):
                await write_health_check(session, self.clock())
        except Exception as error:  # whatever the driver raises, the answer is "not healthy"
            logger.warning("health check: the database does not take a write: %r", error)
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "up"})

    async def metrics_page(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.exposition(),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


class WebhookUpdates:
    """The webhook's POST handler: each update handled before its answer."""

    def __init__(
        self, dispatcher: Dispatcher, bot: Bot, secret: str, shutdown: Shutdown
    ) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        self.secret = secret
        self.shutdown = shutdown
        self.in_flight: dict[int, asyncio.Task[None]] = {}

    async def handle(self, request: web.Request) -> web.Response:
        if not secrets.compare_digest(request.headers.get(SECRET_HEADER, ""), self.secret):
            return web.Response(status=401, text="Unauthorized")
        body = await request.read()
        # Once the body is in: a request begun before the stop whose body came after ``finish``
        # looked at the updates in hand would start one that nothing waits for or cuts off.
        if self.shutdown.started:
            return _try_later("stopping")
        update = self._parse(body)
        if update is None:
            logger.warning("dropped a webhook body that is not an update (%d bytes)", len(body))
            return web.json_response({})
        task = self.in_flight.get(update.update_id)
        if task is None:
            task = asyncio.create_task(self._feed(update))
            self.in_flight[update.update_id] = task
            task.add_done_callback(lambda _: self.in_flight.pop(update.update_id, None))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():  # cut off by the end of the grace period
                return _try_later("stopped before the update was handled")
            raise
        except Exception:
            logger.exception("update %s failed; Telegram will deliver it again",
                             update.update_id)
            return _try_later("failed")
        return web.json_response({})

    async def finish(self) -> None:
        """Let the updates in hand finish within the grace period; cancel the rest."""
        if not self.in_flight:
            return
        _, running = await asyncio.wait(self.in_flight.values(),
                                        timeout=self.shutdown.remaining())
        for task in running:
            task.cancel()
        if running:
            logger.warning("%d updates still running when the grace period ended: cancelled, "
                           "Telegram delivers them again", len(running))
        await asyncio.gather(*running, return_exceptions=True)

    def _parse(self, body: bytes) -> Update | None:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested past reason
            return None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            return None
        try:
            return Update.model_validate(data, context={"bot": self.bot})
        except (ValidationError, RecursionError):
            return None

    async def _feed(self, update: Update) -> None:
        response = await self.dispatcher.feed_update(self.bot, update)
        if isinstance(response, TelegramMethod):
            await self.bot(response)


def _try_later(reason: str) -> web.Response:
    return web.json_response({"ok": False, "description": reason}, status=503)


async def serve_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    url: str,
    secret: str,
    host: str,
    port: int,
    ops: OpsEndpoints,
    shutdown: Shutdown,
) -> None:
    """Serve the webhook until SIGTERM/SIGINT, then stop accepting and give the updates in
    flight the grace period."""
    app = web.Application()
    updates = WebhookUpdates(dispatcher, bot, secret, shutdown)
    app.router.add_post(urlsplit(url).path or "/", updates.handle)
    ops.register(app)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SERVER_SHUTDOWN_SECONDS)
    await runner.setup()
    workflow_data = {"dispatcher": dispatcher, "bots": (bot,), **dispatcher.workflow_data}
    await dispatcher.emit_startup(bot=bot, **workflow_data)  # menus, scheduler
    try:
        await web.TCPSite(runner, host, port).start()
        # Only once we listen: Telegram starts delivering right away.
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        logger.info("webhook mode: listening on %s:%s for %s", host, port, url)
        await _until_signalled(shutdown)
        logger.info("stopping: no new updates, finishing the ones in flight")
        await updates.finish()
    finally:
        await runner.cleanup()
        await dispatcher.emit_shutdown(bot=bot, **workflow_data)


@contextlib.asynccontextmanager
async def serving_ops(ops: OpsEndpoints, host: str, port: int | None) -> AsyncIterator[None]:
    """/healthz and /metrics on ``port`` while the block runs (polling mode); None: nothing."""
    if port is None:
        yield
        return
    app = web.Application()
    ops.register(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        logger.info("/healthz and /metrics on %s:%s", host, port)
        yield
    finally:
        await runner.cleanup()


async def _until_signalled(shutdown: Shutdown) -> None:
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, shutdown.begin)
    try:
        await shutdown.stopping.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
