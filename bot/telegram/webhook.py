"""Webhook mode: Telegram POSTs updates to us; plus the operator's /healthz and /metrics.

Every update is handled before its HTTP answer (``handle_in_background=False``): a 200 then
means the update's transaction has committed, so an update Telegram saw acknowledged is never
lost to a crash, and a failed one (HTTP 500) or one cut off by a crash is delivered again. That
is the same at-least-once delivery as polling, where the offset moves on only after the batch.

Several replicas serve one webhook URL behind a proxy, so a replica that stops leaves the
webhook alone (no deleteWebhook): the others keep serving it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.metrics import BotMetrics

logger = logging.getLogger(__name__)

HEALTH_CHECK_SECONDS = 3.0
# In-flight requests get this long after the updates they carry are done (the dispatcher's
# shutdown already waited for those).
SERVER_SHUTDOWN_SECONDS = 5.0


class OpsEndpoints:
    """``GET /healthz``: 200 when the database answers, 503 otherwise; ``GET /metrics``."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], metrics: BotMetrics
    ) -> None:
        self.session_factory = session_factory
        self.metrics = metrics

    def register(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/metrics", self.metrics_page)

    async def healthz(self, request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(HEALTH_CHECK_SECONDS), self.session_factory() as session:
                await session.execute(text("SELECT 1"))
        except Exception as error:  # whatever the driver raises, the answer is "not healthy"
            logger.warning("health check: the database does not answer: %r", error)
            return web.json_response({"status": "unavailable", "database": "down"}, status=503)
        return web.json_response({"status": "ok", "database": "up"})

    async def metrics_page(self, request: web.Request) -> web.Response:
        return web.Response(body=self.metrics.exposition(),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve_webhook(
    dispatcher: Dispatcher,
    bot: Bot,
    *,
    url: str,
    secret: str,
    host: str,
    port: int,
    ops: OpsEndpoints,
) -> None:
    """Serve the webhook until SIGTERM/SIGINT, then stop accepting and let in-flight updates
    finish (the dispatcher's shutdown handlers wait for them)."""
    app = web.Application()
    # Registered first, so on shutdown the dispatcher waits for in-flight updates before the
    # request handler closes the Bot API session they may still use.
    setup_application(app, dispatcher, bot=bot)
    SimpleRequestHandler(
        dispatcher, bot, handle_in_background=False, secret_token=secret
    ).register(app, path=urlsplit(url).path or "/")
    ops.register(app)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SERVER_SHUTDOWN_SECONDS)
    await runner.setup()  # the dispatcher's startup: menus, scheduler
    try:
        await web.TCPSite(runner, host, port).start()
        # Only once we listen: Telegram starts delivering right away.
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        logger.info("webhook mode: listening on %s:%s for %s", host, port, url)
        await _until_signalled()
        logger.info("stopping: no new updates, finishing the ones in flight")
    finally:
        await runner.cleanup()


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


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
