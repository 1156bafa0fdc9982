"""Applying Alembic migrations from inside the bot's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"
# Any fixed number: the PostgreSQL advisory lock replicas take while they prepare the database.
STARTUP_LOCK_KEY = 7_310_042_001


def alembic_config(database_url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    def upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


@asynccontextmanager
async def exclusive_startup(engine: AsyncEngine) -> AsyncIterator[None]:
    """Replicas starting together migrate and load content one at a time (PostgreSQL advisory
    lock); the next one finds the work done. SQLite has one process per file anyway."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
        try:
            yield
        finally:
            await connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY}
            )
