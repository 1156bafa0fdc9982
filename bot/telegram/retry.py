"""Retrying Bot API calls that Telegram asks us to repeat, so a reply is not lost to a blip.

429 waits exactly ``retry_after``; 5xx and network errors back off exponentially. A call that
timed out may have reached Telegram, so a retried send can, rarely, arrive twice: at-least-once
is the guarantee. getUpdates is left to aiogram's polling loop, which has its own backoff.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


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
                if attempt >= self.max_attempts:
                    raise
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                reason = type(error).__name__
            logger.warning("%s failed (%s); attempt %d of %d in %.1fs",
                           method.__api_method__, reason, attempt + 1, self.max_attempts, delay)
            await self.sleep(delay)
            attempt += 1
