"""SQLite runs in WAL mode with a busy timeout and enforced foreign keys."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_engine


async def test_sqlite_is_configured_for_concurrent_use(tmp_path: Path) -> None:
    # SQLite whatever the suite's database: this is about how the bot configures SQLite.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    async with engine.connect() as connection:
        assert await connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert await connection.scalar(text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS
        assert await connection.scalar(text("PRAGMA foreign_keys")) == 1
    await engine.dispose()
