"""INSERT … ON CONFLICT for the two supported backends (both speak the same clause)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def insert_for(session: AsyncSession, model: type[DeclarativeBase]) -> Any:
    """The dialect's own ``insert`` construct, which has ``on_conflict_do_*``: of the table, so a
    list of rows is one executemany, without the ORM's bookkeeping per row."""
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model.__table__)
