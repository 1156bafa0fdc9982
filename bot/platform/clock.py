"""Time is a dependency: handlers and services get ``now`` from an injected clock, and loops
that wait for a time sleep through an injected ``sleep`` (a test moves both)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)
