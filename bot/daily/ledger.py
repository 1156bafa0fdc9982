"""The daily posts' per-send bookkeeping, many sends per transaction.

Each post is recorded as in flight right before its request goes out (write-ahead) and as sent or
refused right after. "Right before" is after the post's turn under the rate limits has come (the
scheduler sets the record as the send's ``before_departure``), so a post still queued for its
turn when its replica dies is known not to have been sent, and is sent by another replica; and
before the post counts as on its way to Telegram, so the record's wait holds no place of the
limiter's window. A recorded post may still wait a little for room among the messages on their
way (when a commit lets a bunch go at once): a replica dying then leaves it in doubt, not sent
again, as one dying while its request is out.

A broadcast sends hundreds of posts a second, so these writes are grouped: whatever arrives
while one transaction commits goes into the next one. Nobody waits for a timer, and under load a
transaction carries a whole page's worth of writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.daily import daily_posts
from bot.daily.daily_posts import Lease

OutcomeT = TypeVar("OutcomeT")
Record = Callable[[AsyncSession, Sequence[OutcomeT]], Awaitable[None]]


class SendLedger(Generic[OutcomeT]):
    """``await started(id)`` before a send, ``await finished(outcome)`` after it."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        writing: asyncio.Lock,
        lease: Callable[[], Lease],
        record: Record[OutcomeT],
    ) -> None:
        self.session_factory = session_factory
        self.writing = writing
        self.lease = lease
        self.record = record
        self._starts: dict[int, asyncio.Future[bool]] = {}
        self._outcomes: list[tuple[OutcomeT, asyncio.Future[bool]]] = []
        self._committing: asyncio.Task[None] | None = None

    async def started(self, delivery_id: int) -> bool:
        """Committed as in flight; False if another replica has taken the delivery over."""
        future = self._starts.get(delivery_id)
        if future is None:
            future = self._starts[delivery_id] = asyncio.get_running_loop().create_future()
        self._commit_soon()
        return await future

    async def finished(self, outcome: OutcomeT) -> None:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._outcomes.append((outcome, future))
        self._commit_soon()
        await future

    def _commit_soon(self) -> None:
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_pending(), name="send-ledger")

    async def _commit_pending(self) -> None:
        while self._starts or self._outcomes:
            starts, self._starts = self._starts, {}
            outcomes, self._outcomes = self._outcomes, []
            waiting = [*starts.values(), *(future for _, future in outcomes)]
            try:
                async with self.writing, self.session_factory() as session, session.begin():
                    ours = await daily_posts.mark_sending(session, list(starts), self.lease())
                    await self.record(session, [outcome for outcome, _ in outcomes])
            except Exception as error:  # each waiter decides what its send does about it
                for future in waiting:
                    if not future.done():
                        future.set_exception(error)
                continue
            for delivery_id, future in starts.items():
                if not future.done():
                    future.set_result(delivery_id in ours)
            for _, future in outcomes:
                if not future.done():
                    future.set_result(True)
