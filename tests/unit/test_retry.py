"""Retrying Bot API calls: 429 waits retry_after, 5xx backs off, others fail at once; inside
``at_most_once`` a call that may have reached Telegram is not repeated."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, SendMessage
from aiohttp import ConnectionTimeoutError, ServerDisconnectedError

from bot.platform.telegram.retry import RetryMiddleware, at_most_once

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


def network_error(cause: Exception) -> TelegramNetworkError:
    """As aiogram's session raises it: the transport's error is the cause."""
    error = TelegramNetworkError(METHOD, f"{type(cause).__name__}: {cause}")
    error.__cause__ = cause
    return error


TIMED_OUT = network_error(TimeoutError())  # aiogram: "Request timeout error"
CONNECTION_BROKE = network_error(ServerDisconnectedError())


async def test_a_call_that_timed_out_is_retried_where_a_duplicate_is_acceptable() -> None:
    script = Script(TIMED_OUT)
    assert await middleware([])(script, None, METHOD) is SENT  # type: ignore[arg-type]
    assert script.calls == 2


@pytest.mark.parametrize("error", [TIMED_OUT, CONNECTION_BROKE])
async def test_at_most_once_a_call_that_may_have_reached_telegram_is_not_repeated(
    error: TelegramNetworkError,
) -> None:
    script = Script(error)
    with at_most_once(), pytest.raises(TelegramNetworkError):
        await middleware([])(script, None, METHOD)  # type: ignore[arg-type]
    assert script.calls == 1


@pytest.mark.parametrize(
    "error",
    [network_error(ConnectionTimeoutError("connecting timed out")),
     TelegramServerError(METHOD, "Bad Gateway"),
     TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=3)],
)
async def test_at_most_once_a_call_telegram_did_not_carry_out_is_still_retried(
    error: Exception,
) -> None:
    script = Script(error)
    with at_most_once():
        assert await middleware([])(script, None, METHOD) is SENT  # type: ignore[arg-type]
    assert script.calls == 2
