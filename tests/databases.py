"""A database per test, on SQLite (the default) or PostgreSQL, and PostgreSQL on demand.

The suite's database is chosen by ``TEST_DATABASE_URL``: unset means a SQLite file per test;
``postgresql+asyncpg://postgres@127.0.0.1:5432/test`` means a database per test on that
server (the database in the URL is only used to create and drop the per-test ones). Either
way a migrated database is a copy of a template migrated once per run, so migrations run
once, not per test.

Fixtures (registered for the whole suite in tests/conftest.py):

``database_url``
    A fresh, migrated database of the suite's kind (what ``engine`` and ``session`` use).
``empty_database_url``
    A fresh database with no tables: for tests that run the migrations themselves.
``postgres_url``
    A fresh, migrated PostgreSQL database whatever the suite's kind, for tests that need
    PostgreSQL itself (several processes sharing one database, row locks)::

        async def test_replicas_share_the_work(postgres_url: str) -> None:
            engine = create_engine(postgres_url)  # postgresql+asyncpg://…
            ...

    The server is ``TEST_DATABASE_URL`` when that is PostgreSQL, else ``TEST_POSTGRES_URL``,
    else ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``. When no server answers,
    the test is skipped with the reason, except in CI (``CI`` set), where it fails.

Every database is dropped after its test; the run's template is dropped at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from alembic import command
from sqlalchemy import Engine, NullPool, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.platform.db.migrate import alembic_config

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
#: The bot's async drivers and the synchronous ones tests read with.
SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}


def sync_url(database_url: str) -> str:
    """The same database for a synchronous engine (tests read the bot's data as outsiders)."""
    url = make_url(database_url)
    return url.set(drivername=SYNC_DRIVERS.get(url.drivername, url.drivername)).render_as_string(
        hide_password=False
    )


def suite_runs_on_postgres() -> bool:
    return make_url(os.environ.get("TEST_DATABASE_URL") or "sqlite://").get_backend_name() == (
        "postgresql"
    )


def migrate(database_url: str) -> None:
    """Applies the migrations. Synchronous: Alembic's async env runs its own event loop."""
    command.upgrade(alembic_config(database_url), "head")


class Databases(Protocol):
    def create(self, *, migrated: bool) -> str:
        """A new database's async URL."""

    def drop(self, database_url: str) -> None: ...

    def close(self) -> None: ...


class SqliteDatabases:
    """Files in one folder; a migrated one is a copy of a file migrated once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.created = 0
        self.template: Path | None = None

    def _new_path(self) -> Path:
        self.created += 1
        return self.folder / f"test-{self.created}.db"

    def create(self, *, migrated: bool) -> str:
        path = self._new_path()
        if migrated:
            if self.template is None:
                self.template = self.folder / "template.db"
                migrate(f"sqlite+aiosqlite:///{self.template}")
            shutil.copyfile(self.template, path)
        return f"sqlite+aiosqlite:///{path}"

    def drop(self, database_url: str) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{make_url(database_url).database}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        if self.template is not None:
            self.template.unlink()


class PostgresDatabases:
    """Databases named ``<run prefix>_<n>`` on one server; a migrated one is created from a
    template database migrated once (``CREATE DATABASE … TEMPLATE``)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = make_url(server_url)
        self.admin: Engine = create_engine(
            sync_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        self.prefix = f"pytest_{secrets.token_hex(4)}"
        self.created = 0
        self.template: str | None = None

    def unreachable(self) -> str | None:
        """Why the server does not answer, or None when it does."""
        try:
            with self.admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as error:
            return " ".join(str(error.orig).split())
        return None

    def _url(self, name: str) -> str:
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def create(self, *, migrated: bool) -> str:
        self.created += 1
        name = f"{self.prefix}_{self.created}"
        if migrated:
            if self.template is None:
                self.template = f"{self.prefix}_template"
                self._execute(f"CREATE DATABASE {self.template}")
                migrate(self._url(self.template))
            # FILE_COPY: a plain copy of a small database, no WAL-logging of every page.
            self._execute(f"CREATE DATABASE {name} TEMPLATE {self.template} STRATEGY FILE_COPY")
        else:
            self._execute(f"CREATE DATABASE {name}")
        return self._url(name)

    def drop(self, database_url: str) -> None:
        # FORCE: a bot process still running at teardown loses its connections, not the test.
        self._execute(f"DROP DATABASE IF EXISTS {make_url(database_url).database} WITH (FORCE)")

    def close(self) -> None:
        if self.template is not None:
            self.drop(self._url(self.template))
        self.admin.dispose()


def _postgres_server_url() -> str:
    if suite_runs_on_postgres():
        return os.environ["TEST_DATABASE_URL"]
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases(_postgres_server_url())
    unreachable = databases.unreachable()
    if unreachable is not None:
        databases.close()
        reason = f"no PostgreSQL server at {databases.server_url.render_as_string()}: {unreachable}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must provide it)", pytrace=False)
        pytest.skip(f"{reason} (set TEST_POSTGRES_URL or start one)")
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    """The suite's kind of database (see the module docstring)."""
    if suite_runs_on_postgres():
        yield request.getfixturevalue("postgres_databases")
        return
    sqlite = SqliteDatabases(tmp_path_factory.mktemp("databases"))
    yield sqlite
    sqlite.close()


def _fresh(databases: Databases, *, migrated: bool) -> Iterator[str]:
    url = databases.create(migrated=migrated)
    yield url
    databases.drop(url)


@pytest.fixture
def database_url(databases: Databases) -> Iterator[str]:
    yield from _fresh(databases, migrated=True)


@pytest.fixture
def empty_database_url(databases: Databases) -> Iterator[str]:
    yield from _fresh(databases, migrated=False)


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases) -> Iterator[str]:
    yield from _fresh(postgres_databases, migrated=True)


class Database:
    """Reads a database as an outsider would: no ORM, no shared session, portable SQL with
    named parameters (``database.query("… WHERE user_id = :user", user=7)``)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = create_engine(sync_url(database_url), poolclass=NullPool)

    def query(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """The rows, a JSON column's value as its text on every database (PostgreSQL's driver
        parses JSON; SQLite's gives the stored text), so one test reads both alike."""
        with self.engine.connect() as connection:
            return [tuple(json.dumps(value) if isinstance(value, list | dict) else value
                          for value in row)
                    for row in connection.execute(text(sql), params)]

    def execute(self, sql: str, **params: Any) -> None:
        """Changes rows behind the bot's back (and commits)."""
        with self.engine.begin() as connection:
            connection.execute(text(sql), params)

    def tables(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(inspect(connection).get_table_names())

    def close(self) -> None:
        self.engine.dispose()


def kill_connection_before(engine: AsyncEngine, statement_start: str) -> list[int]:
    """Has PostgreSQL terminate the connection about to run the first statement that starts
    with ``statement_start``, as a failover or a restart of the server does in the middle of a
    transaction. The returned list gets the killed backend's pid when that happened."""
    killed: list[int] = []

    def kill(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if killed or not statement.lstrip().startswith(statement_start):
            return
        killed.append(connection.connection.driver_connection.get_server_pid())
        server = Database(engine.url.render_as_string(hide_password=False))
        server.execute("SELECT pg_terminate_backend(:pid, 5000)", pid=killed[0])
        server.close()

    event.listen(engine.sync_engine, "before_cursor_execute", kill)
    return killed
