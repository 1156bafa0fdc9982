"""Retrying Bot API calls: 429 waits retry_after, 5xx backs off, others fail at once."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, SendMessage

from bot.telegram.retry import RetryMiddleware

METHOD = SendMessage(chat_id=1, text="hi")


SENT: Any = object()


class Script:
    """make_request that fails with the given errors, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, bot: Any, method: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return SENT


def middleware(delays: list[float], attempts: int = 5) -> RetryMiddleware:
    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    return RetryMiddleware(max_attempts=attempts, base_delay=0.5, sleep=sleep)


async def test_flood_control_waits_exactly_retry_after() -> None:
    delays: list[float] = []
    script = Script(TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=7))
    assert await middleware(delays)(script, None, METHOD) is SENT  # type: ignore[arg-type]
    assert delays == [7.0]


async def test_server_errors_back_off_exponentially() -> None:
    delays: list[float] = []
    script = Script(*(TelegramServerError(METHOD, "Bad Gateway") for _ in range(3)))
    assert await middleware(delays)(script, None, METHOD) is SENT  # type: ignore[arg-type]
    assert delays == [0.5, 1.0, 2.0]


async def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    delays: list[float] = []
    script = Script(*(TelegramServerError(METHOD, "down") for _ in range(5)))
    with pytest.raises(TelegramServerError):
        await middleware(delays, attempts=3)(script, None, METHOD)  # type: ignore[arg-type]
    assert script.calls == 3


async def test_client_errors_are_not_retried() -> None:
    script = Script(TelegramBadRequest(METHOD, "Bad Request: chat not found"))
    with pytest.raises(TelegramBadRequest):
        await middleware([])(script, None, METHOD)  # type: ignore[arg-type]
    assert script.calls == 1


async def test_get_updates_is_left_to_the_polling_loop() -> None:
    script = Script(TelegramServerError(GetUpdates(), "down"))
    with pytest.raises(TelegramServerError):
        await middleware([])(script, None, GetUpdates())  # type: ignore[arg-type]
    assert script.calls == 1
