"""One deadline for the whole stop: SIGTERM, then at most the grace period to exit.

``docker stop`` (and Kubernetes) send SIGKILL 10 s after SIGTERM. Everything a stop waits for
(updates in hand, the daily broadcast's page, in-flight webhook requests) shares one deadline, so
the waits add up to the grace period, not to a multiple of it. A small part of it is held back
for what must still run after the waiting: keeping cut-off updates, closing connections.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

DEFAULT_GRACE_SECONDS = 8.0
# Held back from the waits for cancelling and keeping what was cut off (a burst of 2 000
# updates took 1.5 s on a loaded 2-core machine) and closing the sessions.
CLOSING_SHARE = 0.4
MIN_CLOSING_SECONDS = 1.0


class Shutdown:
    def __init__(self, grace_seconds: float = DEFAULT_GRACE_SECONDS) -> None:
        self.grace_seconds = grace_seconds
        self.closing_seconds = min(max(grace_seconds * CLOSING_SHARE, MIN_CLOSING_SECONDS),
                                   grace_seconds)
        self.stopping = asyncio.Event()
        self._deadline: float | None = None
        self._on_begin: list[Callable[[], None]] = []

    @property
    def started(self) -> bool:
        return self.stopping.is_set()

    def on_begin(self, callback: Callable[[], None]) -> None:
        """``callback`` runs when the stop starts: work that can wind down meanwhile."""
        self._on_begin.append(callback)

    def begin(self) -> None:
        """The stop starts now (a second signal does not move the deadline)."""
        if self._deadline is not None:
            return
        self._deadline = time.monotonic() + self.grace_seconds
        self.stopping.set()
        for callback in self._on_begin:
            callback()

    def remaining(self) -> float:
        """Seconds the stop may still wait for work in hand (0 once it must close up)."""
        if self._deadline is None:
            return self.grace_seconds - self.closing_seconds
        return max(self._deadline - self.closing_seconds - time.monotonic(), 0.0)
