"""What a start last brought about, by name, so that the next one skips what did not change.

A mark is written in the same transaction as the work it stands for, and forgotten before
anything else changes what it stands for; a start that finds no mark, or a different one,
does the work again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import StartupMark
from bot.platform.db.upsert import upsert_for


async def read_mark(session: AsyncSession, name: str) -> str | None:
    return await session.scalar(select(StartupMark.fingerprint).where(StartupMark.name == name))


async def read_marks(session: AsyncSession, prefix: str) -> dict[str, str]:
    """Every mark whose name starts with ``prefix``."""
    rows = await session.execute(
        select(StartupMark.name, StartupMark.fingerprint)
        .where(StartupMark.name.startswith(prefix, autoescape=True))
    )
    return {row.name: row.fingerprint for row in rows}


async def write_mark(session: AsyncSession, name: str, fingerprint: str) -> None:
    await session.execute(upsert_for(session, StartupMark, ("name",), ("fingerprint",)),
                          {"name": name, "fingerprint": fingerprint})


async def forget_marks(session: AsyncSession, names: Iterable[str]) -> None:
    await session.execute(delete(StartupMark).where(StartupMark.name.in_(list(names))))
