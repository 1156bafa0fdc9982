"""Alembic environment: async engines, batch mode for SQLite's limited ALTER TABLE.

Two ways in: ``bot.platform.db.migrate.upgrade_to_head`` hands over an open connection (the
bot's own event loop), or the ``alembic`` command line builds an engine from DATABASE_URL.
"""

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from bot.platform.config import DEFAULT_DATABASE_URL
from bot.platform.db.engine import create_engine
from bot.platform.db.item_search import is_search_structure
from bot.platform.db.models import Base

config = context.config
target_metadata = Base.metadata


def _modelled(name: str | None, type_: str, _parent: object) -> bool:
    """Autogenerate leaves the full-text search alone: the database's own, with no model."""
    return not (type_ == "table" and name is not None and is_search_structure(name))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(_configure)
        await connection.commit()
    await engine.dispose()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = config.attributes.get("database_url") or os.environ.get(
        "DATABASE_URL", DEFAULT_DATABASE_URL
    )
    asyncio.run(_run_with_own_engine(url))


if context.is_offline_mode():
    context.configure(
        url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    _run_online()
