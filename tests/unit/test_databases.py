"""The suite's own database fixtures: PostgreSQL when a test needs it, and a clear word when
there is none (a skip on a laptop, a failure in CI)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.platform.db.engine import create_engine

pytest_plugins = ["pytester"]

NEEDS_POSTGRES = """
def test_needs_postgres(postgres_url):
    pass
"""


async def test_postgres_url_is_a_fresh_migrated_postgresql_database(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    async with engine.connect() as connection:
        assert connection.dialect.name == "postgresql"
        assert await connection.scalar(text("SELECT count(*) FROM users")) == 0
    await engine.dispose()


def test_no_postgres_skips_with_the_reason_outside_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    result = run_without_a_server(pytester, monkeypatch)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*no PostgreSQL server at postgresql+asyncpg://*127.0.0.1:9*"])


def test_no_postgres_fails_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = run_without_a_server(pytester, monkeypatch)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no PostgreSQL server at * (CI must provide it)*"])


def run_without_a_server(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.RunResult:
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:9/test")
    pytester.makepyfile(NEEDS_POSTGRES)
    return pytester.runpytest("-p", "tests.databases", "-p", "no:asyncio", "-rs")
