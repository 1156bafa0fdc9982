"""Applying Alembic migrations from inside the bot's event loop.

A database already at the head revision, the case at every start but the first after an
upgrade, is recognised without Alembic: its ``alembic_version`` is compared with the heads read
from the revision files' ``revision`` and ``down_revision`` lines. Importing Alembic (and Mako
and Pygments behind it) and loading every revision module would cost a start several tenths of
a second.
"""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which migrations/env.py keeps
# Any fixed number: the PostgreSQL advisory lock replicas take while they prepare the database.
STARTUP_LOCK_KEY = 7_310_042_001


def alembic_config(database_url: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url:
        config.attributes["database_url"] = database_url
    return config


async def upgrade_to_head(engine: AsyncEngine) -> bool:
    """Bring the database to the head revision; False when it was there already."""
    async with engine.begin() as connection:
        if await applied_revisions(connection) == head_revisions():
            return False
        await connection.run_sync(_upgrade)
    return True


def _upgrade(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def applied_revisions(connection: AsyncConnection) -> frozenset[str]:
    """The revisions recorded in the database (none in a new one)."""

    def has_version_table(sync_connection: Connection) -> bool:
        return sync_connection.dialect.has_table(sync_connection, VERSION_TABLE)

    if not await connection.run_sync(has_version_table):
        return frozenset()
    return frozenset(await connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))


@cache
def head_revisions(versions_dir: Path = MIGRATIONS_DIR / "versions") -> frozenset[str]:
    """The revisions no other revision follows, from the files' module-level assignments."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in versions_dir.glob("*.py"):
        assigned = _assignments(ast.parse(path.read_bytes(), str(path)))
        revision = assigned.get("revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = assigned.get("down_revision")  # None, a revision, or several (a merge)
        if isinstance(down, str):
            followed.add(down)
        elif isinstance(down, tuple | list):
            followed.update(str(revision) for revision in down)
    return frozenset(revisions - followed)


def _assignments(module: ast.Module) -> dict[str, object]:
    """``name = <literal>`` and ``name: type = <literal>`` at the top of a module."""
    values: dict[str, object] = {}
    for statement in module.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                values[target.id] = ast.literal_eval(value)
            except (ValueError, TypeError):  # not a literal: not a revision's line
                continue
    return values


@asynccontextmanager
async def exclusive_startup(engine: AsyncEngine) -> AsyncIterator[None]:
    """Replicas starting together migrate and load content one at a time (PostgreSQL advisory
    lock); the next one finds the work done. SQLite has one process per file anyway."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
        try:
            yield
        finally:
            await connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY}
            )
