"""Columns typed with a StrEnum keep the plain VARCHAR values they always held: rows written
before the columns were typed read back as members, and a value outside the enum is refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import AdminAction, AdminActionKind

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def test_a_member_is_stored_as_its_value(session: AsyncSession) -> None:
    session.add(AdminAction(actor_id=1, action=AdminActionKind.GRANT_EDITOR, target="2",
                            created_at=NOW))
    await session.flush()
    assert await session.scalar(text("SELECT action FROM admin_actions")) == "grant-editor"


async def test_a_stored_value_reads_back_as_its_member(session: AsyncSession) -> None:
    await session.execute(
        text("INSERT INTO admin_actions (actor_id, action, target, created_at) "
             "VALUES (1, 'revoke-editor', '2', :now)"),
        {"now": NOW},
    )
    assert await session.scalar(select(AdminAction.action)) is AdminActionKind.REVOKE_EDITOR


async def test_a_value_outside_the_enum_is_refused(session: AsyncSession) -> None:
    session.add(AdminAction(actor_id=1, action="promote", target="2",
                            created_at=NOW))
    with pytest.raises(StatementError, match="promote"):
        await session.flush()
