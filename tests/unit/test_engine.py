"""SQLite runs in WAL mode with a busy timeout and enforced foreign keys."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.engine import SQLITE_BUSY_TIMEOUT_MS


async def test_sqlite_is_configured_for_concurrent_use(session: AsyncSession) -> None:
    assert await session.scalar(text("PRAGMA journal_mode")) == "wal"
    assert await session.scalar(text("PRAGMA busy_timeout")) == SQLITE_BUSY_TIMEOUT_MS
    assert await session.scalar(text("PRAGMA foreign_keys")) == 1
