"""Engine and session factory; SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL
replaces connections the server closed (a failover, a restart, ``pg_terminate_backend``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000

T = TypeVar("T")


def ensure_sqlite_directory(database_url: str) -> None:
    """A file database under a missing folder (``data/`` on first run) gets the folder made."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(database_url: str, **options: Any) -> AsyncEngine:
    """A server database's pooled connections are pinged on checkout, so one the server closed
    while it sat in the pool is replaced before a statement meets it. SQLite's never die."""
    ensure_sqlite_directory(database_url)
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        options.setdefault("pool_pre_ping", True)
    options.setdefault("json_serializer", _json_text)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
    if engine.dialect.driver == "asyncpg":
        event.listen(engine.sync_engine, "handle_error", _recognise_asyncpg_disconnects)
    return engine


def _json_text(value: Any) -> str:
    """JSON columns keep text as it is, not ``\\uXXXX``-escaped: Cyrillic takes 2 bytes a letter
    instead of 6, which made the bank's items and versions (and every write of them) three
    times the size."""
    return json.dumps(value, ensure_ascii=False)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def again_if_connection_lost(attempt: Callable[[], Awaitable[T]], what: str) -> T:
    """``attempt()``, run a second time when it failed because its database connection died
    (``connection_invalidated``), not because of what it asked: the pool has thrown the dead
    connection away by then, so the second run gets a live one."""
    try:
        return await attempt()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.warning("%s lost its database connection (%r); trying once more", what, error.orig)
    return await attempt()


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _recognise_asyncpg_disconnects(context: ExceptionContext) -> None:
    """SQLAlchemy counts an asyncpg error as a disconnect only once the connection reads as
    closed. A killed backend first sends its FATAL error and only then closes the socket: a
    statement started in between fails with that error (57P01), or with "cannot switch to state
    …; another operation is in progress" (the protocol still digesting it), on a connection that
    still looks open. Counted as a disconnect, the connection is thrown away rather than put
    back in the pool, and the error says ``connection_invalidated``: what the bot retries on."""
    # Imported here: asyncpg is the optional PostgreSQL extra, and only its engines get here.
    import asyncpg  # type: ignore[import-untyped]

    cause = context.original_exception.__cause__
    if isinstance(cause, (asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError,
                          asyncpg.CrashShutdownError, asyncpg.CannotConnectNowError,
                          asyncpg.InternalClientError)):
        context.is_disconnect = True
