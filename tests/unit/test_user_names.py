"""An acting admin's name is stored once, and again only when it changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import User
from bot.study.users import UserProfile, remember_name

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def stored(session: AsyncSession) -> tuple[str, str | None, datetime]:
    row = (await session.execute(
        select(User.first_name, User.username, User.last_seen_at).where(User.id == 7))).one()
    return row[0], row[1], row[2].replace(tzinfo=UTC)


async def test_a_name_is_written_when_new_or_changed_only(session: AsyncSession) -> None:
    await remember_name(session, UserProfile(7, "Ольга", "olga"), NOW)
    assert await stored(session) == ("Ольга", "olga", NOW)

    await remember_name(session, UserProfile(7, "Ольга", "olga"), NOW + timedelta(hours=1))
    assert await stored(session) == ("Ольга", "olga", NOW)  # nothing written

    later = NOW + timedelta(hours=2)
    await remember_name(session, UserProfile(7, "Ольга", "olga_ml"), later)
    assert await stored(session) == ("Ольга", "olga_ml", later)
