"""Group commit of quiz answers, and the facts of polls kept per poll."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.models import Attempt
from bot.study.answer_recorder import AnswerRecorder
from bot.study.answers import AnswerOutcome, PollAnswer
from bot.study.polls import PollCache
from bot.study.users import UserProfile
from tests.databases import kill_connection_before
from tests.unit.test_answers import NOW, sent_quiz

GROUP = -100_500
RIGHT, WRONG = (1,), (0,)


class HeldSleep:
    """An injected sleep that ends only when the test says so; it notes what was asked."""

    def __init__(self) -> None:
        self.asked: list[float] = []
        self.was_asked = asyncio.Event()
        self._over = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.was_asked.set()
        await self._over.wait()

    def end(self) -> None:
        self._over.set()


async def no_sleep(_: float) -> None:
    """An injected sleep that is over at once."""


def user(n: int) -> UserProfile:
    return UserProfile(5000 + n, f"Learner {n}")


def answer(n: int, options: tuple[int, ...] = RIGHT, poll_id: str = "poll-1") -> PollAnswer:
    return PollAnswer(poll_id=poll_id, user=user(n), option_ids=options, answered_at=NOW)


def count_commits(engine: AsyncEngine) -> list[int]:
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _: commits.append(1))
    return commits


def count_poll_reads(engine: AsyncEngine) -> list[str]:
    reads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM sent_polls" in statement:
            reads.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    return reads


async def stored(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Attempt)) or 0)


@pytest.fixture
async def group_quiz(session_factory: async_sessionmaker[AsyncSession]) -> int:
    """A quiz posted in a group (option 1 is right), committed."""
    async with session_factory() as session, session.begin():
        return await sent_quiz(session, chat_id=GROUP)


async def started(
    recorder: AnswerRecorder, answers: list[PollAnswer]
) -> list[asyncio.Task[AnswerOutcome | None]]:
    tasks = [asyncio.create_task(recorder.record(answer)) for answer in answers]
    await settle()
    return tasks


async def settle() -> None:
    """Lets every task run as far as it can without the clock moving."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_concurrent_answers_are_committed_in_one_transaction_each_with_its_verdict(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    delay = HeldSleep()
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), batch_size=100,
                              batch_delay=0.005, sleep=delay)
    commits = count_commits(engine)
    tasks = await started(recorder, [answer(n, RIGHT if n % 2 else WRONG) for n in range(40)])
    await asyncio.wait_for(delay.was_asked.wait(), 10)  # the poll's facts come from the database

    assert not any(task.done() for task in tasks)  # none is told "stored" before it is
    assert await stored(session_factory) == 0
    assert delay.asked == [0.005]  # the first answer waits a bounded delay for company
    delay.end()
    outcomes = await asyncio.gather(*tasks)

    assert len(commits) == 1
    assert await stored(session_factory) == 40
    assert [(o.user_id, o.is_correct, o.item_id) for o in outcomes if o] == [
        (user(n).id, bool(n % 2), group_quiz) for n in range(40)
    ]


async def test_a_full_batch_is_written_without_waiting_out_the_delay(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    delay = HeldSleep()  # never ends in this test
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), batch_size=10,
                              sleep=delay)
    commits = count_commits(engine)

    outcomes = await asyncio.gather(*(recorder.record(answer(n)) for n in range(25)))

    assert all(outcome is not None and outcome.is_new for outcome in outcomes)
    # 10 full, then the 15 that gathered while it was written: 10 and 5.
    assert len(commits) == 3
    assert delay.asked == []  # the first batch was full at once


async def test_a_redelivered_answer_counts_once(
    session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), sleep=no_sleep)

    first, again = await asyncio.gather(recorder.record(answer(1)), recorder.record(answer(1)))
    later = await recorder.record(answer(1, WRONG))

    assert first is not None
    assert first.is_new
    assert again is not None
    assert not again.is_new
    assert later is not None
    assert not later.is_new  # the first answer stands
    assert await stored(session_factory) == 1


async def test_an_answer_to_a_poll_not_committed_yet_waits_alone(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    retry = HeldSleep()
    polls = PollCache(session_factory, retry_delays=(0.05,), sleep=retry)
    recorder = AnswerRecorder(session_factory, polls, sleep=no_sleep)
    (early,) = await started(recorder, [answer(1, poll_id="poll-2")])
    await retry.was_asked.wait()  # the poll was read and not found

    known = await recorder.record(answer(2))  # written while the unknown poll is waited for

    assert known is not None
    assert known.is_new
    assert not early.done()
    async with session_factory() as session, session.begin():
        await sent_quiz(session, poll_id="poll-2", chat_id=GROUP)
    retry.end()
    late = await early
    assert late is not None
    assert late.is_new
    assert late.poll_id == "poll-2"
    assert retry.asked == [0.05]


async def test_an_unknown_poll_is_given_up_on_once_and_not_waited_for_again_soon(
    session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    waited: list[float] = []
    now = [0.0]

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    polls = PollCache(session_factory, retry_delays=(0.05, 0.2), unknown_memory_seconds=5.0,
                      sleep=sleep, monotonic=lambda: now[0])

    assert await polls.get("never-sent") is None
    assert waited == [0.05, 0.2]
    assert await polls.get("never-sent") is None  # the answer handler after the filter
    assert waited == [0.05, 0.2]
    now[0] = 6.0
    assert await polls.get("never-sent") is None
    assert waited == [0.05, 0.2, 0.05, 0.2]


async def test_a_retraction_is_not_stored(
    session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), sleep=no_sleep)

    assert await recorder.record(answer(1, ())) is None
    assert await stored(session_factory) == 0


async def test_closing_writes_what_is_pending_at_once(
    session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    delay = HeldSleep()  # the batch delay never ends by itself
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), sleep=delay)
    tasks = await started(recorder, [answer(n) for n in range(5)])
    await delay.was_asked.wait()  # all handed in, waiting for company

    await recorder.close()

    assert all(task.done() for task in tasks)
    assert await stored(session_factory) == 5


async def test_an_answer_the_database_refuses_fails_alone(
    session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    delay = HeldSleep()
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), sleep=delay)
    refused = PollAnswer(poll_id="poll-1", user=user(99), option_ids=RIGHT,
                         answered_at=None)  # type: ignore[arg-type]  # NOT NULL in the table
    tasks = await started(recorder, [answer(1), refused, answer(2)])

    delay.end()
    first, failed, second = await asyncio.gather(*tasks, return_exceptions=True)

    assert isinstance(failed, Exception)
    assert isinstance(first, AnswerOutcome)
    assert isinstance(second, AnswerOutcome)
    assert await stored(session_factory) == 2


async def test_an_answer_whose_connection_the_server_kills_mid_write_is_written_again(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    session_factory = create_session_factory(engine)
    async with session_factory() as session, session.begin():
        await sent_quiz(session, chat_id=GROUP)
    killed = kill_connection_before(engine, "INSERT INTO attempts")
    recorder = AnswerRecorder(session_factory, PollCache(session_factory), sleep=no_sleep)
    try:
        outcome = await recorder.record(answer(1))

        assert killed
        assert outcome is not None
        assert outcome.is_new
        assert await stored(session_factory) == 1
    finally:
        await engine.dispose()


async def test_poll_facts_are_read_once_for_many_answers_and_the_oldest_leave_first(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], group_quiz: int
) -> None:
    async with session_factory() as session, session.begin():
        await sent_quiz(session, poll_id="poll-2", chat_id=GROUP)
        await sent_quiz(session, poll_id="poll-3", chat_id=GROUP)
    reads = count_poll_reads(engine)
    polls = PollCache(session_factory, capacity=2)

    facts = await asyncio.gather(*(polls.get("poll-1") for _ in range(30)))
    assert len(reads) == 1
    assert {fact.item_id if fact else None for fact in facts} == {group_quiz}
    assert facts[0] is not None
    assert (facts[0].chat_id, facts[0].correct_option_ids, facts[0].is_interview) == (
        GROUP, (1,), False)

    await polls.get("poll-2")
    await polls.get("poll-3")  # poll-1 leaves: the least recently used
    assert len(polls) == 2
    await polls.get("poll-3")
    assert len(reads) == 3
    await polls.get("poll-1")
    assert len(reads) == 4
