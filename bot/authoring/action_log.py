"""What the bot's admins did, newest first: the owners' /log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import AdminAction, AdminActionKind, User

LOG_SIZE = 50  # the latest actions /log shows
LOG_PAGE = 10


@dataclass(frozen=True)
class LoggedAction:
    actor_id: int
    actor_name: str | None  # None: the admin never wrote to the bot
    action: AdminActionKind
    target: str  # an item's slug, a chat's or a user's id, a file name
    at: datetime  # UTC


@dataclass(frozen=True)
class LogPage:
    actions: list[LoggedAction]
    page: int
    has_later_page: bool  # older actions, within the latest LOG_SIZE


async def log_page(session: AsyncSession, page: int) -> LogPage:
    """Page ``page`` (0: the newest) of the latest LOG_SIZE actions."""
    page = max(0, min(page, LOG_SIZE // LOG_PAGE - 1))
    rows = await session.execute(
        select(AdminAction.actor_id, User.first_name, AdminAction.action, AdminAction.target,
               AdminAction.created_at)
        .outerjoin(User, User.id == AdminAction.actor_id)
        .order_by(AdminAction.id.desc())
        .offset(page * LOG_PAGE).limit(LOG_PAGE + 1)
    )
    actions = [LoggedAction(*row) for row in rows]
    more = len(actions) > LOG_PAGE and (page + 1) * LOG_PAGE < LOG_SIZE
    return LogPage(actions[:LOG_PAGE], page, more)
