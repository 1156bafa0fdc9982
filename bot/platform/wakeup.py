"""How a change to the schedule reaches the sleeping scheduler: after it is committed.

Waking the loop before the change is committed would let it read the old schedule and go back
to sleep until the old time, so services ask for a wake-up *after commit* of their session.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.platform.clock import Sleep


class ScheduleWakeup:
    def __init__(self, sleep: Sleep = asyncio.sleep) -> None:
        """``sleep`` measures the naps: a test's, ended early when it moves its clock, has the
        scheduler look at the schedule again at the new time."""
        self._changed = asyncio.Event()
        self._sleep = sleep

    def notify(self) -> None:
        self._changed.set()

    def notify_after_commit(self, session: AsyncSession) -> None:
        def committed(_session: Session) -> None:
            self._changed.set()

        event.listen(session.sync_session, "after_commit", committed, once=True)

    async def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if woken by a change (which is then consumed)."""
        changed = asyncio.ensure_future(self._changed.wait())
        nap = asyncio.ensure_future(self._sleep(max(seconds, 0.0)))
        try:
            await asyncio.wait({changed, nap}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            nap.cancel()
        woken = self._changed.is_set()
        self._changed.clear()
        return woken
