"""Whether the database accepts a write: what /healthz reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import HealthCheck
from bot.platform.db.upsert import upsert_for

# The one row of ``health_checks``, which every check (of any replica) rewrites.
HEALTH_CHECK_ROW = 1


async def write_health_check(session: AsyncSession, now: datetime) -> None:
    """Rewrites the row, so that the commit after it has something to write: a database that
    answers reads but refuses writes (a read-only file, a read-only standby) fails here or
    there, as the bot's own updates would."""
    await session.execute(upsert_for(session, HealthCheck, ("id",), ("checked_at",)),
                          {"id": HEALTH_CHECK_ROW, "checked_at": now})
