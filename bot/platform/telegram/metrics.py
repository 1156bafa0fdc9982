"""Prometheus metrics of one bot process, in a registry of its own (never the global default).

``BotMetrics`` holds the collectors; ``UpdateMetrics`` (a dispatcher middleware) counts and times
updates, ``BotApiMetrics`` (a Bot API session middleware) counts calls and 429 answers. The
daily scheduler reports how late it starts a due slot through ``scheduler_lag``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from bot.platform.telegram.middlewares import Handler

if TYPE_CHECKING:
    from aiogram import Bot

# Seconds; a slot started within a second of its time is on time.
_LAG_BUCKETS = (0.5, 1, 5, 15, 60, 300, 900, 3600, 3 * 3600, float("inf"))


class BotMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "bot_updates", "Updates handled, by update type and outcome "
            "(handled, unhandled: no handler matched, failed: the handler raised).",
            ["update_type", "outcome"], registry=self.registry,
        )
        self.handler_latency = Histogram(
            "bot_update_handling_seconds", "Time from receiving an update to its handler's end.",
            ["update_type"], registry=self.registry,
        )
        self.api_calls = Counter(
            "bot_api_calls", "Bot API calls made (every attempt, retries included), by method.",
            ["method"], registry=self.registry,
        )
        self.flood_waits = Counter(
            "bot_api_flood_waits", "429 Too Many Requests answers received, by method.",
            ["method"], registry=self.registry,
        )
        self.answer_posts = Counter(
            "bot_answer_posts", "Answer posts sent, by path: rich, or entity text and why "
            "(off, unexpressible, refused, chat_refuses).",
            ["path"], registry=self.registry,
        )
        self.scheduler_lag = Histogram(
            "bot_daily_scheduler_lag_seconds",
            "How late the daily scheduler starts a due slot, in seconds.",
            buckets=_LAG_BUCKETS, registry=self.registry,
        )

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)


class UpdateMetrics(BaseMiddleware):
    """Counts each update by type and outcome and times its handling (an update middleware)."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_type = event.event_type if isinstance(event, Update) else type(event).__name__
        outcome = "failed"
        try:
            with self.metrics.handler_latency.labels(update_type).time():
                result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            self.metrics.updates.labels(update_type, outcome).inc()


class BotApiMetrics(BaseRequestMiddleware):
    """Counts Bot API calls and 429 answers; innermost, so each retried attempt counts."""

    def __init__(self, metrics: BotMetrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        self.metrics.api_calls.labels(name).inc()
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            self.metrics.flood_waits.labels(name).inc()
            raise
