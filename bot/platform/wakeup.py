"""How a change to the schedule reaches the sleeping scheduler: after it is committed.

Waking the loop before the change is committed would let it read the old schedule and go back
to sleep until the old time, so services ask for a wake-up *after commit* of their session.
"""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


class ScheduleWakeup:
    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    def notify_after_commit(self, session: AsyncSession) -> None:
        def committed(_session: Session) -> None:
            self._changed.set()

        event.listen(session.sync_session, "after_commit", committed, once=True)

    async def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if woken by a change (which is then consumed)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=max(seconds, 0.0))
        woken = self._changed.is_set()
        self._changed.clear()
        return woken
