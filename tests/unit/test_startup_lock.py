"""Replicas starting together on one empty PostgreSQL database all start."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.platform.content.files import read_content_dir
from bot.platform.content.sync import prepare_database
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.models import Item, ItemVersion
from tests.databases import PostgresDatabases
from tests.e2e.conftest import E2E_CONTENT


async def test_three_replicas_migrate_and_load_an_empty_database_one_at_a_time(
    postgres_databases: PostgresDatabases,
) -> None:
    url = postgres_databases.create(migrated=False)
    bundle = read_content_dir(E2E_CONTENT)
    engines = [create_engine(url) for _ in range(3)]
    try:
        await asyncio.gather(*(
            prepare_database(engine, create_session_factory(engine), bundle,
                             lambda: datetime(2026, 11, 24, tzinfo=UTC))
            for engine in engines
        ))
        async with create_session_factory(engines[0])() as session:
            items = await session.scalar(select(func.count()).select_from(Item))
            versions = await session.scalar(select(func.count()).select_from(ItemVersion))
    finally:
        for engine in engines:
            await engine.dispose()
        postgres_databases.drop(url)
    assert items == versions == len(bundle.items)  # loaded once, not once per replica
