"""/healthz tells the operator whether the database answers; /metrics is Prometheus text."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_session_factory
from bot.telegram.metrics import BotMetrics
from bot.telegram.webhook import OpsEndpoints


async def client_for(ops: OpsEndpoints) -> TestClient[web.Request, web.Application]:
    app = web.Application()
    ops.register(app)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def unreachable_database() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A PostgreSQL server that is down: nothing listens on its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/bot")
    yield create_session_factory(engine)
    await engine.dispose()


async def test_healthz_is_503_when_the_database_does_not_answer(
    unreachable_database: async_sessionmaker[AsyncSession],
) -> None:
    client = await client_for(OpsEndpoints(unreachable_database, BotMetrics()))
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
        response = await client.get("/metrics")
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        body = await response.text()
        assert "bot_daily_scheduler_lag_seconds_sum 42.0" in body
        assert 'bot_daily_scheduler_lag_seconds_bucket{le="60.0"} 1.0' in body
    finally:
        await client.close()
