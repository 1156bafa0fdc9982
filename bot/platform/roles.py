"""Who may administer the bank: owners (``ADMIN_IDS``, never stored) and the editors they grant."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import AdminAction, AdminActionKind, AdminRole, User


class Role(StrEnum):
    OWNER = "owner"
    EDITOR = "editor"


class GrantOutcome(StrEnum):
    GRANTED = "granted"
    ALREADY_EDITOR = "already-editor"
    IS_OWNER = "is-owner"


class RevokeOutcome(StrEnum):
    REVOKED = "revoked"
    NOT_EDITOR = "not-editor"
    IS_OWNER = "is-owner"


@dataclass(frozen=True)
class Admin:
    user_id: int
    role: Role
    first_name: str | None  # None: the user never wrote to the bot
    username: str | None
    granted_by: int | None = None
    granted_at: datetime | None = None


async def role_of(session: AsyncSession, user_id: int, owner_ids: Collection[int]) -> Role | None:
    if user_id in owner_ids:
        return Role.OWNER
    role = await session.scalar(select(AdminRole.role).where(AdminRole.user_id == user_id))
    return Role(role) if role is not None else None


async def editor_ids(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(AdminRole.user_id).order_by(AdminRole.granted_at)))


async def grant_editor(
    session: AsyncSession, user_id: int, *, by: int, owner_ids: Collection[int], now: datetime
) -> GrantOutcome:
    if user_id in owner_ids:
        return GrantOutcome.IS_OWNER
    if await session.get(AdminRole, user_id) is not None:
        return GrantOutcome.ALREADY_EDITOR
    session.add(AdminRole(user_id=user_id, role=Role.EDITOR.value, granted_by=by, granted_at=now))
    session.add(AdminAction(actor_id=by, action=AdminActionKind.GRANT_EDITOR, target=str(user_id),
                            created_at=now))
    await session.flush()
    return GrantOutcome.GRANTED


async def revoke_editor(
    session: AsyncSession, user_id: int, *, by: int, owner_ids: Collection[int], now: datetime
) -> RevokeOutcome:
    if user_id in owner_ids:
        return RevokeOutcome.IS_OWNER
    role = await session.get(AdminRole, user_id)
    if role is None:
        return RevokeOutcome.NOT_EDITOR
    await session.delete(role)
    session.add(AdminAction(actor_id=by, action=AdminActionKind.REVOKE_EDITOR, target=str(user_id),
                            created_at=now))
    await session.flush()
    return RevokeOutcome.REVOKED


async def list_admins(session: AsyncSession, owner_ids: Collection[int]) -> list[Admin]:
    """Owners first (in id order), then editors in the order they were granted."""
    editors = (
        await session.execute(
            select(AdminRole, User.first_name, User.username)
            .outerjoin(User, User.id == AdminRole.user_id)
            .order_by(AdminRole.granted_at, AdminRole.user_id)
        )
    ).all()
    owners = sorted(owner_ids)
    known = {
        user.id: user
        for user in await session.scalars(select(User).where(User.id.in_(owners)))
    }
    return [
        *(
            Admin(owner, Role.OWNER, known[owner].first_name if owner in known else None,
                  known[owner].username if owner in known else None)
            for owner in owners
        ),
        *(
            Admin(role.user_id, Role.EDITOR, first_name, username, role.granted_by,
                  role.granted_at)
            for role, first_name, username in editors
        ),
    ]
