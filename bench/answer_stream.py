"""Benchmark: a busy group's quiz answers, the real bot process, the fake Bot API.

Prints figures; it is not a test. The fake Bot API (in this process) queues N poll_answer
updates (many users, a few polls) mixed with callback queries, all at once, for:

(a) the real bot (``python -m bot``, group commit): answers per second from the moment they are
    queued until every one is stored (counted in the bot's database from outside);
(b) a bare aiogram bot whose handlers do nothing (``bench/bare_bot.py``): updates per second
    until it has confirmed them all;
(c) with ``--naive``: the real bot storing each answer in its own transaction
    (ANSWER_BATCH_SIZE=1), for context.

    .venv/bin/python -m bench.answer_stream --answers 10000
    .venv/bin/python -m bench.answer_stream --postgres postgresql+asyncpg://postgres@127.0.0.1/hot_bench
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.platform.db.engine import create_engine
from bot.platform.db.models import Attempt, Item, SentPoll
from tests.fakebot import BotProcess, FakeBotAPI, bot_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GROUP_CHAT = -100_200_300
FIRST_USER = 500_000_001
POLLS = 5
CALLBACK_EVERY = 20  # one button press per this many answers


def _answers(polls: list[str], count: int) -> list[dict[str, object]]:
    """``count`` answers: users in turn over the polls, each user answering each poll once."""
    return [
        {"poll_id": polls[n % len(polls)],
         "user": {"id": FIRST_USER + n // len(polls), "is_bot": False,
                  "first_name": f"Learner {n // len(polls)}", "language_code": "en"},
         "option_ids": [n % 2], "option_persistent_ids": [str(n % 2)]}
        for n in range(count)
    ]


def _presses(api: FakeBotAPI, count: int) -> list[dict[str, object]]:
    """Presses of a button the bot does not know (it answers them with an alert)."""
    return [
        {"id": api.new_callback_query_id(),
         "from": {"id": FIRST_USER + n, "is_bot": False, "first_name": f"Learner {n}"},
         "chat_instance": "bench", "data": "stale:button"}
        for n in range(count)
    ]


def queue_stream(api: FakeBotAPI, polls: list[str], count: int) -> None:
    """Answers with a press after every CALLBACK_EVERY of them, queued at once."""
    answers, presses = _answers(polls, count), _presses(api, count // CALLBACK_EVERY)
    for start in range(0, count, CALLBACK_EVERY):
        api.push_updates("poll_answer", answers[start:start + CALLBACK_EVERY])
        if presses:
            api.push_updates("callback_query", [presses.pop()])


async def post_polls(engine: AsyncEngine) -> list[str]:
    """POLLS quizzes the bot "sent" to a group a moment ago (rows as its sender writes them)."""
    async with engine.begin() as connection:
        item_ids = list((await connection.scalars(
            select(Item.id).order_by(Item.id).limit(POLLS))).all())
        polls = [f"bench-poll-{n}" for n in range(len(item_ids))]
        await connection.execute(insert(SentPoll), [
            {"poll_id": poll, "item_id": item, "chat_id": GROUP_CHAT, "message_id": n + 1,
             "correct_option_ids": [0], "sent_at": datetime.now(UTC)}
            for n, (poll, item) in enumerate(zip(polls, item_ids, strict=True))
        ])
    return polls


async def stored(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.scalar(select(func.count()).select_from(Attempt))) or 0)


async def fresh_postgres(url: str) -> None:
    """Drops and creates the scratch database ``url`` names."""
    database = make_url(url).database
    server = create_engine(str(make_url(url).set(database="postgres")),
                           isolation_level="AUTOCOMMIT")
    async with server.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{database}"'))
    await server.dispose()


async def bot_rate(database_url: str, count: int, env: Mapping[str, str], folder: Path) -> float:
    """Answers stored per second by the real bot, from queueing to the last one stored."""
    if database_url.startswith("postgresql"):
        await fresh_postgres(database_url)
    async with FakeBotAPI() as api:
        process = BotProcess(
            {**bot_env(api), "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", **env},
            PROJECT_ROOT, log_path=folder / "bot.log",
        )
        await process.start(api, timeout=120)
        engine = create_engine(database_url)
        try:
            polls = await post_polls(engine)
            started = time.perf_counter()
            queue_stream(api, polls, count)
            while (done := await stored(engine)) < count:
                if not process.running:
                    raise RuntimeError(f"the bot exited; log:\n{process.log}")
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - started
        finally:
            await process.stop(check=False)
            await engine.dispose()
    return done / elapsed


async def bare_rate(count: int, folder: Path) -> float:
    """Answers per second a bare aiogram bot confirms, same stream."""
    async with FakeBotAPI() as api:
        process = BotProcess(bot_env(api), PROJECT_ROOT, module="bench.bare_bot",
                             log_path=folder / "bare.log")
        await process.start(api, timeout=60)
        try:
            started = time.perf_counter()
            queue_stream(api, ["bare-poll"], count)
            while True:
                if not api.unconfirmed_count:
                    break
                await asyncio.sleep(0.02)
            elapsed = time.perf_counter() - started
        finally:
            await process.stop(check=False)
    return count / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL",
                        help="a scratch database (dropped and created), e.g. "
                             "postgresql+asyncpg://postgres@127.0.0.1/hot_bench")
    parser.add_argument("--naive", action="store_true",
                        help="also the bot storing each answer in its own transaction")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        database_url = options.postgres or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        backend = "PostgreSQL" if options.postgres else "SQLite"
        print(f"{options.answers} answers to {POLLS} polls in a group, a button press per "
              f"{CALLBACK_EVERY} answers; {backend}; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs")
        batched = await bot_rate(database_url, options.answers, {}, folder)
        print(f"(a) bot, group commit: {batched:.0f} answers/s stored")
        bare = await bare_rate(options.answers, folder)
        print(f"(b) bare aiogram, no-op handlers: {bare:.0f} answers/s confirmed")
        print(f"    ratio (a)/(b): {100 * batched / bare:.0f} %")
        if options.naive:
            if not options.postgres:
                (folder / "bench.db").unlink()
            naive = await bot_rate(database_url, options.answers, {"ANSWER_BATCH_SIZE": "1"},
                                   folder)
            print(f"(c) bot, one transaction per answer: {naive:.0f} answers/s stored "
                  f"({100 * naive / bare:.0f} % of (b))")


if __name__ == "__main__":
    asyncio.run(main())
