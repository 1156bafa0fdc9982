"""INSERT … ON CONFLICT for the two supported backends (both speak the same clause)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def insert_for(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    """The dialect's own ``insert`` construct, which has ``on_conflict_do_*``: of the table, so a
    list of rows is one executemany, without the ORM's bookkeeping per row."""
    return _dialect_module(session).insert(model.__table__)


def upsert_for(
    session: AsyncSession, model: type[DeclarativeBase], keys: tuple[str, ...],
    updated: tuple[str, ...],
) -> Any:
    """INSERT … ON CONFLICT (``keys``) DO UPDATE SET each ``updated`` column to the new row's.

    Built once per backend and table: the hot path upserts a batch of answers' users and cards,
    and building the ``excluded`` columns cost more than compiling the cached statement.
    """
    table = model.__table__
    assert isinstance(table, Table)
    return _upsert(session.get_bind().dialect.name, table, keys, updated)


@cache
def _upsert(dialect: str, table: Table, keys: tuple[str, ...], updated: tuple[str, ...]) -> Any:
    statement = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[key] for key in keys],
        set_={column: statement.excluded[column] for column in updated},
    )


def _dialect_module(session: AsyncSession) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
