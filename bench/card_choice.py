"""How long picking a learner's next card takes with a big bank and many learners' cards.

    .venv/bin/python bench/card_choice.py [--picks 2000] [--postgres URL | --no-postgres]

Builds 10 000 items in 20 topics and 100 000 cards (2 000 learners × 50, a quarter of them
due, a few introduced today, some learners with chosen topics) in a fresh SQLite file and,
when reachable, in a throwaway PostgreSQL database (created next to the given one, dropped at
the end). A fifth of the learners have an interview date (``/exam``): half of them three weeks
ahead (new cards paced to it), half the day after tomorrow (reviews pulled forward). Then picks
the next card (``next_card``: the choice plus loading the item) for random learners, some with
no cards at all, two ways: as ``/practice`` does, and as ``/drill`` does (the daily pace, the
review cap, the interview's plan); prints p50/p99 of each and the query plan of each statement
the choices ran.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.drills.practice import choose_item, next_card
from bot.platform.content.documents import item_document
from bot.platform.content.schema import Item as ContentItem
from bot.platform.content.schema import Kind
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.migrate import upgrade_to_head
from bot.platform.db.models import ExamPlan, Item, ReviewCard, Topic, UserTopic
from bot.study.learners import Learner

ITEMS = 10_000
TOPICS = 20
LEARNERS = 2_000
CARDS_PER_LEARNER = 50
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Moscow")
MAX_REVIEWS_PER_DAY = 50  # the default
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
KINDS = (Kind.QUIZ, Kind.QUIZ, Kind.QUESTION, Kind.TASK)
_items: TypeAdapter[ContentItem] = TypeAdapter(ContentItem)


def document(number: int, kind: Kind, topic: str) -> dict[str, Any]:
    data: dict[str, Any] = {"id": f"item-{number}", "kind": kind.value, "topic": topic,
                            "question": f"Question {number}?", "answer": "The answer."}
    if kind is Kind.QUIZ:
        data = {**data, "options": ["a", "b", "c"], "correct_option_ids": [1],
                "poll_explanation": "because", "explanation": "Because."}
        del data["answer"]
    elif kind is Kind.TASK:
        data["solution"] = "Work it out."
    return item_document(_items.validate_python(data))


async def populate(engine: AsyncEngine, rng: Random) -> None:
    topic_ids = [f"topic-{n}" for n in range(TOPICS)]
    items = []
    for number in range(1, ITEMS + 1):
        kind, topic = KINDS[number // TOPICS % len(KINDS)], topic_ids[number % TOPICS]
        items.append({"id": number, "slug": f"item-{number}", "kind": kind.value,
                      "topic_id": topic, "difficulty": "middle", "language": "ru",
                      "document": document(number, kind, topic), "content_hash": "x",
                      "version": 1, "source": "file", "created_at": NOW, "updated_at": NOW})
    cards = []
    for learner in range(1, LEARNERS + 1):
        for item_id in rng.sample(range(1, ITEMS + 1), CARDS_PER_LEARNER):
            introduced = NOW - timedelta(days=rng.uniform(0, 60))
            due = NOW + timedelta(days=rng.uniform(-5, 15))  # about a quarter overdue
            cards.append({"user_id": learner, "item_id": item_id, "state": 2, "step": None,
                          "stability": 10.0, "difficulty": 5.0, "due": due,
                          "last_review": introduced, "last_rating": 3, "reps": rng.randint(1, 8),
                          "lapses": 0, "introduced_at": introduced})
    chosen_topics = [{"user_id": learner, "topic_id": topic}
                     for learner in range(1, LEARNERS + 1, 5)
                     for topic in rng.sample(topic_ids, 3)]
    exams = [{"user_id": learner,
              "exam_on": (NOW + timedelta(days=21 if learner % 10 == 2 else 2)).date(),
              "level": "middle" if learner % 4 else None,
              "topic_ids": rng.sample(topic_ids, 4) if learner % 3 else [],
              "set_at": NOW - timedelta(days=3), "asked_at": None, "outcome": None}
             for learner in range(2, LEARNERS + 1, 5)]
    async with engine.begin() as connection:
        await connection.execute(insert(Topic), [
            {"id": topic, "hashtag": topic.replace("-", "_"), "title_ru": topic,
             "title_en": topic} for topic in topic_ids])
        for table, rows in ((Item, items), (ReviewCard, cards), (UserTopic, chosen_topics),
                            (ExamPlan, exams)):
            for start in range(0, len(rows), 5_000):
                await connection.execute(insert(table), rows[start:start + 5_000])
        await connection.execute(text("ANALYZE"))


def learner_for(user_id: int) -> Learner:
    topics = frozenset({f"topic-{user_id % TOPICS}"}) if user_id % 5 == 1 else frozenset()
    return Learner(user_id, ZONE, 10, topics, reviews_per_day=MAX_REVIEWS_PER_DAY)


async def measure(
    engine: AsyncEngine, picks: int, rng: Random, *, practice: bool
) -> list[float]:
    factory = create_session_factory(engine)
    timings = []
    for _ in range(picks):
        # One in ten is a newcomer with no cards; the rest have 50 each.
        user_id = rng.randint(1, LEARNERS) if rng.random() < 0.9 else rng.randint(10**6, 10**7)
        kinds = [Kind.QUIZ] if rng.random() < 0.5 else [Kind.QUIZ, Kind.QUESTION, Kind.TASK]
        async with factory() as session:
            started = time.perf_counter()
            card = await next_card(session, learner_for(user_id), kinds, NOW, rng,
                                   practice=practice)
            timings.append((time.perf_counter() - started) * 1000)
        assert card is not None or not practice
    return timings


async def query_plans(engine: AsyncEngine) -> list[str]:
    """EXPLAIN of every statement the choice runs: due reviews, new items, and the fallbacks."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    scenarios = (
        (learner_for(7), NOW + timedelta(days=30), True),  # reviews due
        (Learner(10**6, ZONE, 10, frozenset()), NOW, True),  # a newcomer: new items
        (Learner(7, ZONE, 0, frozenset()), NOW - timedelta(days=30), True),  # nothing due
        (learner_for(7), NOW, False),  # the drill, no interview
        (learner_for(12), NOW, False),  # the drill, an interview in three weeks
        (learner_for(17), NOW, False),  # the drill, an interview the day after tomorrow
    )
    try:
        async with create_session_factory(engine)() as session:
            for learner, at, practice in scenarios:
                await choose_item(session, learner, [Kind.QUIZ], at, Random(1),
                                  practice=practice)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    explain = ("EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ")
    plans = []
    async with engine.connect() as connection:
        first_runs: dict[str, Any] = {}
        for statement, parameters in statements:
            first_runs.setdefault(statement, parameters)
        for statement, parameters in first_runs.items():
            rows = await connection.exec_driver_sql(explain + statement, parameters)
            lines = "\n      ".join(str(row[-1]) for row in rows)
            plans.append(" ".join(statement.split())[:150] + "\n      " + lines)
    return plans


async def run_backend(url: str, picks: int) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine)
        rng = Random(20261124)
        started = time.perf_counter()
        await populate(engine, rng)
        print(f"  populated {ITEMS} items, {LEARNERS * CARDS_PER_LEARNER} cards in "
              f"{time.perf_counter() - started:.1f}s")
        for practice, name in ((True, "/practice"), (False, "/drill")):
            await measure(engine, 50, rng, practice=practice)  # warm the caches
            timings = sorted(await measure(engine, picks, rng, practice=practice))
            p50 = statistics.median(timings)
            p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
            print(f"  next card, {name}: {picks} picks, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
                  f"max {timings[-1]:.2f} ms")
        print("  query plans:")
        for plan in await query_plans(engine):
            print("    " + plan)
    finally:
        await engine.dispose()


async def with_scratch_postgres(url: str, picks: int) -> None:
    """Run on a throwaway database beside ``url``'s, dropped afterwards."""
    import asyncpg  # type: ignore[import-untyped]  # the postgres extra

    base = make_url(url)
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    scratch = f"card_choice_bench_{int(time.time())}"
    try:
        admin = await asyncpg.connect(admin_dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        print(f"PostgreSQL at {base.render_as_string()} unreachable ({error}); skipped")
        return
    try:
        await admin.execute(f'CREATE DATABASE "{scratch}"')
        print(f"PostgreSQL ({scratch}, dropped afterwards):")
        await run_backend(base.set(database=scratch).render_as_string(hide_password=False), picks)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        await admin.close()


async def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--picks", type=int, default=2000)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        print(f"SQLite ({path}):")
        await run_backend(f"sqlite+aiosqlite:///{path}", args.picks)
    if not args.no_postgres:
        await with_scratch_postgres(args.postgres, args.picks)


if __name__ == "__main__":
    asyncio.run(main())
