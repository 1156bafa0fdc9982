"""The durable write of quiz answers: group commit.

Handlers await ``record``; when it returns, the answer is committed. Answers of concurrent
handlers are gathered and written by one writer, many per transaction: a transaction costs a
fixed number of statements (``record_answers``) and, on SQLite, one sync of the log, so a busy
group's answers cost a fraction of one transaction each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.config import ANSWER_BATCH_SIZE
from bot.platform.db.engine import again_if_connection_lost
from bot.study.answers import AnswerOutcome, PollAnswer, record_answers
from bot.study.polls import PollCache, PollFacts

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# How long the first answer after a quiet spell waits for others to join its transaction: one
# turn of the event loop. The handlers of one getUpdates page are all ready at once and reach the
# recorder in that turn; answers arriving while a batch is being written wait for that write
# and form the next batch, so under load batches grow by themselves and no answer ever waits
# for a timer.
ANSWER_BATCH_DELAY_SECONDS = 0.0


@dataclass(frozen=True)
class _Pending:
    answer: PollAnswer
    poll: PollFacts
    outcome: asyncio.Future[AnswerOutcome | None]


class AnswerRecorder:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        polls: PollCache,
        *,
        batch_size: int = ANSWER_BATCH_SIZE,
        batch_delay: float = ANSWER_BATCH_DELAY_SECONDS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.polls = polls
        self.batch_size = batch_size
        self.batch_delay = batch_delay
        self.sleep = sleep
        self._pending: list[_Pending] = []
        self._batch_full = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def record(self, answer: PollAnswer) -> AnswerOutcome | None:
        """The committed outcome; None for a retraction or a poll this bot has no record of.

        A poll not committed yet is waited for by this caller alone (``PollCache``): the
        batch it would have joined is written meanwhile.
        """
        if not answer.option_ids:
            return None
        poll = await self.polls.get(answer.poll_id)
        if poll is None:
            return None
        [outcome] = self.hand_in([(answer, poll)])
        return await outcome

    def hand_in(
        self, answers: Sequence[tuple[PollAnswer, PollFacts]]
    ) -> list[asyncio.Future[AnswerOutcome | None]]:
        """The answers to polls already looked up, each with its committed outcome to come.

        A whole page at once joins one batch without a task per answer."""
        loop = asyncio.get_running_loop()
        pending = [_Pending(answer, poll, loop.create_future()) for answer, poll in answers]
        self._pending.extend(pending)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_pending(), name="answer-writer")
        elif len(self._pending) >= self.batch_size:
            self._batch_full.set()
        return [each.outcome for each in pending]

    async def close(self) -> None:
        """Writes every answer handed in so far at once, and waits until it is committed
        (graceful shutdown)."""
        if self._writer is not None:
            self._batch_full.set()
            await asyncio.shield(self._writer)

    async def _write_pending(self) -> None:
        try:
            await self._wait_for_company()
            while self._pending:
                batch = self._pending[:self.batch_size]
                del self._pending[:self.batch_size]
                await self._write(batch)
        finally:
            self._writer = None

    async def _wait_for_company(self) -> None:
        """Until the batch is full or ``batch_delay`` has passed."""
        if len(self._pending) >= self.batch_size:
            return
        self._batch_full.clear()
        waits = {asyncio.ensure_future(self.sleep(self.batch_delay)),
                 asyncio.ensure_future(self._batch_full.wait())}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            outcomes = await self._store(batch)
        except Exception as error:
            if len(batch) > 1:  # one bad answer must not cost the others theirs
                logger.warning("a batch of %d answers was refused (%r); storing them one by one",
                               len(batch), error)
                for pending in batch:
                    await self._write([pending])
                return
            # The caller's handler fails, and the error is logged with its update.
            if not batch[0].outcome.done():
                batch[0].outcome.set_exception(error)
            return
        for pending, outcome in zip(batch, outcomes, strict=True):
            if not pending.outcome.done():
                pending.outcome.set_result(outcome)

    async def _store(self, batch: list[_Pending]) -> list[AnswerOutcome | None]:
        """Committed. A write whose connection died is written again: one that had committed
        before the connection went then counts once, by the answers' unique key."""
        return await again_if_connection_lost(lambda: self._store_once(batch),
                                              f"a batch of {len(batch)} answers")

    async def _store_once(self, batch: list[_Pending]) -> list[AnswerOutcome | None]:
        async with self.session_factory() as session, session.begin():
            return await record_answers(
                session, [pending.answer for pending in batch],
                {pending.poll.poll_id: pending.poll for pending in batch},
            )
