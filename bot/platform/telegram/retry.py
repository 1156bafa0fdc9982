"""Retrying Bot API calls that Telegram asks us to repeat, so a reply is not lost to a blip.

429 waits exactly ``retry_after``; 5xx and network errors back off exponentially. A call that
timed out may have reached Telegram, so a retried send can, rarely, arrive twice: at-least-once
is the guarantee, except inside :func:`at_most_once`, where a call that may have reached
Telegram is never repeated. getUpdates is left to aiogram's polling loop, which has its own
backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientConnectorError, ClientError, ConnectionTimeoutError

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

_at_most_once: ContextVar[bool] = ContextVar("at_most_once", default=False)


@contextmanager
def at_most_once() -> Iterator[None]:
    """Calls made inside are not repeated once they may have reached Telegram (for posts that
    must not arrive twice); those Telegram surely did not act on are still retried."""
    token = _at_most_once.set(True)
    try:
        yield
    finally:
        _at_most_once.reset(token)


def not_carried_out(error: Exception) -> bool:
    """Telegram surely did not act on the request: it answered 5xx or 429, or no connection
    was made. Sending it again cannot duplicate anything."""
    return isinstance(error, TelegramRetryAfter | TelegramServerError) or _never_connected(error)


def may_have_arrived(error: Exception) -> bool:
    """The transport failed once the request may have gone out: no answer came in time, or the
    connection broke. Telegram may have carried the request out."""
    return (isinstance(error, TelegramNetworkError)
            and isinstance(error.__cause__, TimeoutError | ClientError)
            and not _never_connected(error))


def _never_connected(error: Exception) -> bool:
    """Refused, name not resolved, or timed out while connecting: nothing was sent."""
    return isinstance(error, TelegramNetworkError) and isinstance(
        error.__cause__, ClientConnectorError | ConnectionTimeoutError
    )


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        max_attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt >= self.max_attempts:
                    raise
                delay = float(error.retry_after)
                reason = f"flood control, retry after {error.retry_after}s"
            except (TelegramServerError, TelegramNetworkError) as error:
                must_not_repeat = _at_most_once.get() and may_have_arrived(error)
                if attempt >= self.max_attempts or must_not_repeat:
                    raise
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                reason = type(error).__name__
            logger.warning("%s failed (%s); attempt %d of %d in %.1fs",
                           method.__api_method__, reason, attempt + 1, self.max_attempts, delay)
            await self.sleep(delay)
            attempt += 1
