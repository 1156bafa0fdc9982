"""Shared fixtures: a migrated database per test, on SQLite by default (see tests/databases.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.locales.build_hook import compile_catalogs
from bot.platform.db.engine import create_engine, create_session_factory

REPO_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.fakebot.fixtures", "tests.databases"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the catalogs as the install-time build hook does, so edits to a .po count."""
    compile_catalogs(REPO_ROOT / "bot" / "locales")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session
