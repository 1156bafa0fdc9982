"""The durable write of quiz answers, behind one interface so it can batch.

Handlers await ``record``; when it returns, the answer is committed. This implementation commits
each answer on its own; a group-commit implementation can gather many answers per transaction
behind the same call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.answers import AnswerOutcome, PollAnswer, record_answers

Sleep = Callable[[float], Awaitable[None]]

# Telegram sends poll_answer only for polls this bot sent, so an unknown poll is almost always
# one whose sendPoll has returned but whose row is not committed yet (a learner faster than our
# transaction). Waiting a little lets that commit land before the answer is given up on.
UNKNOWN_POLL_RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0)


class AnswerRecorder:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        retry_delays: Sequence[float] = UNKNOWN_POLL_RETRY_DELAYS,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.session_factory = session_factory
        self.retry_delays = retry_delays
        self.sleep = sleep

    async def record(self, answer: PollAnswer) -> AnswerOutcome | None:
        outcome = await self._record_once(answer)
        if answer.option_ids:
            for delay in self.retry_delays:
                if outcome is not None:
                    break
                await self.sleep(delay)
                outcome = await self._record_once(answer)
        return outcome

    async def _record_once(self, answer: PollAnswer) -> AnswerOutcome | None:
        async with self.session_factory() as session, session.begin():
            (outcome,) = await record_answers(session, [answer])
        return outcome
