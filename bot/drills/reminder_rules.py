"""Daily reminders: "N cards due", at the learner's local time, only when something is due.

``next_reminder_at`` (UTC) is the whole schedule. The reminder loop claims a due reminder by
moving it to the next occurrence with an UPDATE that matches the value it read: two loops (or a
loop restarted mid-way) cannot both claim it, so a reminder is sent at most once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.exam import drill_pace
from bot.drills.practice import introduced_since
from bot.platform.db.models import LearnerSettings, ReviewCard, User
from bot.platform.db.upsert import insert_for
from bot.platform.recurrence import next_occurrence
from bot.study.learners import load_learner

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
CLAIM_BATCH = 100


@dataclass(frozen=True)
class ReminderSetting:
    at: time | None  # None: off


@dataclass(frozen=True)
class DueReminder:
    user_id: int
    due_cards: int
    telegram_language: str | None
    blocked: bool
    planned_new: int = 0  # new cards the interview plan still asks for today

    @property
    def worth_sending(self) -> bool:
        """Nothing due (nor planned) means no message; a learner who blocked the bot cannot
        get one."""
        return (self.due_cards > 0 or self.planned_new > 0) and not self.blocked


def parse_reminder_time(text: str) -> time | None:
    """``19:00``, ``7:05`` or ``19.00`` → a time of day; None for anything else."""
    match = _TIME.fullmatch(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


async def reminder_setting(session: AsyncSession, user_id: int) -> ReminderSetting:
    row = (
        await session.execute(
            select(LearnerSettings.reminder_enabled, LearnerSettings.reminder_time)
            .where(LearnerSettings.user_id == user_id)
        )
    ).first()
    return ReminderSetting(at=row[1] if row is not None and row[0] else None)


async def set_reminder(
    session: AsyncSession, user_id: int, at: time | None, zone: ZoneInfo, now: datetime
) -> None:
    """Remind daily at local ``at`` from now on, or never (``at`` None)."""
    values = {
        "reminder_enabled": at is not None,
        "reminder_time": at,
        "next_reminder_at": next_occurrence(now, [at], zone) if at is not None else None,
    }
    statement = insert_for(session, LearnerSettings).values(user_id=user_id, **values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_=values
    ))


async def claim_due_reminders(
    session: AsyncSession, now: datetime, default_zone: ZoneInfo, limit: int = CLAIM_BATCH
) -> list[DueReminder]:
    """Claim up to ``limit`` reminders due at ``now``, moving each to its next day. Fewer than
    ``limit`` back means none is left to claim."""
    rows = await session.execute(
        select(LearnerSettings.user_id, LearnerSettings.reminder_time, LearnerSettings.timezone,
               LearnerSettings.next_reminder_at, User.language_code, User.blocked_at)
        .outerjoin(User, User.id == LearnerSettings.user_id)
        .where(LearnerSettings.reminder_enabled & (LearnerSettings.next_reminder_at <= now))
        .order_by(LearnerSettings.next_reminder_at)
        .limit(limit)
    )
    reminders = []
    for user_id, at, zone_name, scheduled, language, blocked_at in rows.all():
        zone = ZoneInfo(zone_name) if zone_name else default_zone
        following = next_occurrence(now, [at], zone) if at is not None else None
        claimed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
            update(LearnerSettings)
            .where((LearnerSettings.user_id == user_id)
                   & (LearnerSettings.next_reminder_at == scheduled))
            .values(next_reminder_at=following)
        )
        if claimed.rowcount == 1:
            reminders.append(DueReminder(
                user_id, await due_cards(session, user_id, now), language,
                blocked=blocked_at is not None,
                planned_new=await planned_new_cards(session, user_id, default_zone, now)))
    return reminders


async def due_cards(session: AsyncSession, user_id: int, now: datetime) -> int:
    """Rated cards due now, as /drill serves them first."""
    return int(await session.scalar(
        select(func.count()).select_from(ReviewCard).where(
            (ReviewCard.user_id == user_id) & (ReviewCard.reps > 0) & (ReviewCard.due <= now)
        )
    ) or 0)


async def planned_new_cards(
    session: AsyncSession, user_id: int, default_zone: ZoneInfo, now: datetime
) -> int:
    """New cards left for today under the learner's interview plan; 0 without one."""
    learner = await load_learner(session, user_id, default_zone)
    pace = await drill_pace(session, learner, now)
    if not pace.plan:
        return 0
    introduced = await introduced_since(session, user_id, learner.local_day_start(now))
    return max(0, pace.plan - introduced)


async def earliest_reminder(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(LearnerSettings.next_reminder_at))
        .where(LearnerSettings.reminder_enabled)
    )
