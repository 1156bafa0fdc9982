"""/healthz tells the operator whether the database takes a write; /metrics is Prometheus text."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.telegram.metrics import BotMetrics
from bot.platform.telegram.webhook import OpsEndpoints
from tests.databases import Database, migrate


async def client_for(ops: OpsEndpoints) -> TestClient[web.Request, web.Application]:
    app = web.Application()
    ops.register(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


def refuse_writes(dbapi_connection: Any, _record: Any) -> None:
    # What SQLite answers for a database file it may only read: "attempt to write a readonly
    # database" (running as root, a test cannot make a file unwritable to its owner).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


@pytest.fixture(params=["server down", "SQLite read-only", "PostgreSQL read-only"])
def down_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database the bot cannot work with: a PostgreSQL server that is down (nothing listens
    on its port), or a migrated database that answers reads and refuses every write — a SQLite
    file the bot may only read, a PostgreSQL database whose transactions are read-only (as on
    a standby a failover left the bot connected to)."""
    if request.param == "server down":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/bot"
    if request.param == "SQLite read-only":
        sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        migrate(sqlite_url)
        return sqlite_url
    postgres_url: str = request.getfixturevalue("postgres_url")
    owner = Database(postgres_url)
    owner.execute(f"ALTER DATABASE {owner.engine.url.database} "
                  "SET default_transaction_read_only = on")
    owner.close()
    return postgres_url


@pytest.fixture
async def down_database(
    down_database_url: str,
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(down_database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", refuse_writes)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_healthz_is_503_when_the_database_is_down_or_takes_no_write(
    down_database: async_sessionmaker[AsyncSession],
) -> None:
    client = await client_for(OpsEndpoints(down_database, BotMetrics()))
    try:
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "database": "down"}
    finally:
        await client.close()


async def test_healthz_is_200_and_metrics_show_the_scheduler_lag(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    metrics = BotMetrics()
    metrics.scheduler_lag.observe(42.0)
    client = await client_for(OpsEndpoints(session_factory, metrics))
    try:
        assert (await client.get("/healthz")).status == 200
        assert (await client.get("/healthz")).status == 200
        async with session_factory() as session:  # each check rewrote its one row
            assert await session.scalar(text("SELECT count(*) FROM health_checks")) == 1
        response = await client.get("/metrics")
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        body = await response.text()
        assert "bot_daily_scheduler_lag_seconds_sum 42.0" in body
        assert 'bot_daily_scheduler_lag_seconds_bucket{le="60.0"} 1.0' in body
    finally:
        await client.close()
