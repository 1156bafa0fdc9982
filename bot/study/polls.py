"""What an answer needs to know about its poll, read once per poll and kept.

A poll's facts (its item, chat, right options, when it was sent, whether an interview asked it)
are written in the transaction that sends it and never change, so a cached copy is never stale.
Only the polls that exist are cached: a poll not committed yet is looked up again.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.db.models import InterviewItem, SentPoll

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

# Telegram sends poll_answer only for polls this bot sent, so an unknown poll is almost always
# one whose sendPoll has returned but whose row is not committed yet (a learner faster than our
# transaction). Waiting a little lets that commit land before the answer is given up on.
UNKNOWN_POLL_RETRY_DELAYS = (0.05, 0.2, 0.5, 1.0)
# After a lookup gave up, the same poll is not waited for again this long: one update reaches
# the interview filter and then the answer handler, and each would otherwise wait in turn.
UNKNOWN_POLL_MEMORY_SECONDS = 5.0
# About a day of polls of a busy bot; an entry is a few hundred bytes.
POLL_CACHE_CAPACITY = 10_000


@dataclass(frozen=True)
class PollFacts:
    poll_id: str
    item_id: int
    chat_id: int
    correct_option_ids: tuple[int, ...]  # the item's own indexes
    option_order: tuple[int, ...] | None  # see bot.study.shuffling; None: the item's order
    sent_at: datetime
    is_interview: bool


async def load_poll_facts(
    session: AsyncSession, poll_ids: Collection[str]
) -> dict[str, PollFacts]:
    """The facts of those of ``poll_ids`` this bot sent (committed), in one SELECT."""
    if not poll_ids:
        return {}
    rows = await session.execute(
        select(SentPoll, InterviewItem.id)
        .outerjoin(InterviewItem, InterviewItem.poll_id == SentPoll.poll_id)
        .where(SentPoll.poll_id.in_(poll_ids))
    )
    return {
        poll.poll_id: PollFacts(
            poll_id=poll.poll_id, item_id=poll.item_id, chat_id=poll.chat_id,
            correct_option_ids=tuple(poll.correct_option_ids),
            option_order=tuple(poll.option_order) if poll.option_order is not None else None,
            sent_at=poll.sent_at,
            is_interview=interview_item_id is not None,
        )
        for poll, interview_item_id in rows
    }


class PollCache:
    """Bounded (least recently used out) facts of the polls answers arrive for.

    Many answers to a poll nobody asked about yet share one lookup; a lookup of a poll that is
    not committed yet asks again after ``retry_delays``.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        capacity: int = POLL_CACHE_CAPACITY,
        retry_delays: Sequence[float] = UNKNOWN_POLL_RETRY_DELAYS,
        unknown_memory_seconds: float = UNKNOWN_POLL_MEMORY_SECONDS,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.session_factory = session_factory
        self.capacity = capacity
        self.retry_delays = retry_delays
        self.unknown_memory_seconds = unknown_memory_seconds
        self.sleep = sleep
        self.monotonic = monotonic
        self._facts: OrderedDict[str, PollFacts] = OrderedDict()
        self._lookups: dict[str, asyncio.Task[PollFacts | None]] = {}
        self._unknown_until: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._facts)

    async def get(self, poll_id: str) -> PollFacts | None:
        """The poll's facts; None for a poll this bot has no record of, even after waiting."""
        facts = self._facts.get(poll_id)
        if facts is not None:
            self._facts.move_to_end(poll_id)
            return facts
        if self._unknown_until.get(poll_id, float("-inf")) > self.monotonic():
            return None
        lookup = self._lookups.get(poll_id)
        if lookup is None:
            lookup = asyncio.create_task(self._look_up(poll_id), name=f"poll-lookup-{poll_id}")
            self._lookups[poll_id] = lookup
            lookup.add_done_callback(lambda _: self._lookups.pop(poll_id, None))
        # A cancelled caller must not cancel the lookup the others wait for.
        return await asyncio.shield(lookup)

    async def _look_up(self, poll_id: str) -> PollFacts | None:
        for delay in (0.0, *self.retry_delays):
            if delay:
                await self.sleep(delay)
            async with self.session_factory() as session:
                facts = (await load_poll_facts(session, [poll_id])).get(poll_id)
            if facts is not None:
                self._remember(facts)
                return facts
        now = self.monotonic()
        self._unknown_until = {poll: until for poll, until in self._unknown_until.items()
                               if until > now}
        self._unknown_until[poll_id] = now + self.unknown_memory_seconds
        return None

    def _remember(self, facts: PollFacts) -> None:
        self._facts[facts.poll_id] = facts
        self._unknown_until.pop(facts.poll_id, None)
        while len(self._facts) > self.capacity:
            self._facts.popitem(last=False)


async def record_sent_poll(
    session: AsyncSession,
    *,
    poll_id: str,
    item_id: int,
    chat_id: int,
    message_id: int,
    correct_option_ids: list[int],
    now: datetime,
    option_order: Sequence[int] | None = None,
) -> None:
    """``correct_option_ids`` are the item's own; ``option_order`` the order the poll showed
    the item's options in (None: their own order)."""
    session.add(
        SentPoll(poll_id=poll_id, item_id=item_id, chat_id=chat_id, message_id=message_id,
                 correct_option_ids=correct_option_ids, sent_at=now,
                 option_order=None if option_order is None else list(option_order))
    )
    await session.flush()
