"""Shared fixtures: a migrated database per test, on SQLite by default."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head
from bot.locales.build_hook import compile_catalogs

REPO_ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.fakebot.fixtures"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the catalogs as the install-time build hook does, so edits to a .po count."""
    compile_catalogs(REPO_ROOT / "bot" / "locales")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_to_head(engine)
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
