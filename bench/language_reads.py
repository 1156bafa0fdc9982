"""Benchmark: what reading the learners' interface language with every update costs.

Prints figures; it is not a test. On a fresh, migrated database with LEARNERS learners (every
other one with a /language choice), through ``LanguageOverrides`` as the bot reads them:

(a) one update at a time (webhook requests one after another): the read's latency;
(b) a page of PAGE updates of as many learners at once (a getUpdates page): one query for the
    page, its time per update.

    .venv/bin/python -m bench.language_reads
    .venv/bin/python -m bench.language_reads --postgres postgresql+asyncpg://postgres@127.0.0.1/lang_bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bench.answer_stream import fresh_postgres
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.migrate import upgrade_to_head
from bot.platform.db.models import LearnerSettings
from bot.platform.i18n import LanguageOverrides

LEARNERS = 10_000
FIRST_USER = 600_000_001
PAGE = 100
ROUNDS = 2_000


async def measure(database_url: str) -> None:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
    async with engine.begin() as connection:
        await connection.execute(insert(LearnerSettings), [
            {"user_id": FIRST_USER + n, "language": "en"} for n in range(0, LEARNERS, 2)
        ])
    overrides = LanguageOverrides(create_session_factory(engine))
    await overrides.get(FIRST_USER)  # the pool's first connection is not what we measure

    alone = []
    for n in range(ROUNDS):
        started = time.perf_counter()
        await overrides.get(FIRST_USER + n % LEARNERS)
        alone.append(time.perf_counter() - started)
    alone.sort()
    print(f"(a) one update at a time: median {1000 * statistics.median(alone):.2f} ms, "
          f"95th percentile {1000 * alone[int(0.95 * len(alone))]:.2f} ms per read")

    pages = []
    for first in range(0, ROUNDS, PAGE // 10):
        users = [FIRST_USER + (first + n) % LEARNERS for n in range(PAGE)]
        started = time.perf_counter()
        await asyncio.gather(*(overrides.get(user) for user in users))
        pages.append(time.perf_counter() - started)
    page = statistics.median(pages)
    print(f"(b) a page of {PAGE} updates: one query, median {1000 * page:.2f} ms a page, "
          f"{1000 * page / PAGE:.3f} ms per update")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL",
                        help="a scratch database (dropped and created), e.g. "
                             "postgresql+asyncpg://postgres@127.0.0.1/lang_bench")
    options = parser.parse_args()
    if options.postgres:
        await fresh_postgres(options.postgres)
        await measure(options.postgres)
        return
    with tempfile.TemporaryDirectory() as folder:
        await measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")


if __name__ == "__main__":
    asyncio.run(main())
