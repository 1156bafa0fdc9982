"""SQLite runs in WAL mode with a busy timeout and enforced foreign keys; PostgreSQL's pooled
connections that the server closed are replaced before a statement meets them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.platform.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine
from tests.databases import Database


async def test_sqlite_is_configured_for_concurrent_use(tmp_path: Path) -> None:
    # SQLite whatever the suite's database: this is about how the bot configures SQLite.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with engine.connect() as connection:
        assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert await connection.scalar(text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS
        assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
    await engine.dispose()


async def test_a_pooled_connection_the_server_killed_is_replaced_unseen(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    async with engine.connect() as connection:
        pooled = await connection.scalar(text("SELECT pg_backend_pid()"))
    server = Database(postgres_url)
    # As a failover or a restart of the server does, while the connection waits in the pool.
    server.execute("SELECT pg_terminate_backend(:pid, 5000)", pid=pooled)
    server.close()

    async with engine.connect() as connection:
        replacement = await connection.scalar(text("SELECT pg_backend_pid()"))
    assert replacement != pooled
    await engine.dispose()
