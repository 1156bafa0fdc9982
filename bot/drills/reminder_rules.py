"""Daily reminders: "N cards due", at the learner's local time, only when something waits.

A learner who chose no time is reminded once, ``AFTER_PRACTICE`` after the last card they were
shown, unless they turned that off too (``/remind off``; ``/remind auto`` turns it back on).

``next_reminder_at`` (UTC) is the whole schedule. The reminder loop claims a due reminder by
moving it to the next occurrence with an UPDATE that matches the value it read: two loops (or a
loop restarted mid-way) cannot both claim it, so a reminder is sent at most once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.exam import drill_pace
from bot.drills.practice import introduced_since
from bot.drills.today import new_cards_waiting
from bot.platform.db.models import ItemView, LearnerSettings, ReviewCard, User
from bot.platform.db.upsert import insert_for
from bot.platform.recurrence import next_occurrence
from bot.study.learners import load_learner

_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
CLAIM_BATCH = 100
# A day's rhythm: the learner practised at about this time yesterday, an hour earlier nudges
# them before the time has passed.
AFTER_PRACTICE = timedelta(hours=23)
_reminding = LearnerSettings.reminder_enabled | LearnerSettings.auto_reminder


@dataclass(frozen=True)
class ReminderSetting:
    at: time | None  # None: no time of day chosen
    after_practice: bool = True  # without ``at``: once, a day after the last practice

    @property
    def is_off(self) -> bool:
        return self.at is None and not self.after_practice


@dataclass(frozen=True)
class DueReminder:
    user_id: int
    due_cards: int
    telegram_language: str | None
    blocked: bool
    new_cards: int = 0  # new items waiting, counted only when no card is due
    planned_new: int = 0  # new cards the interview plan still asks for today

    @property
    def worth_sending(self) -> bool:
        """Nothing waiting means no message; a learner who blocked the bot cannot get one."""
        return ((self.due_cards > 0 or self.new_cards > 0 or self.planned_new > 0)
                and not self.blocked)


def parse_reminder_time(text: str) -> time | None:
    """``19:00``, ``7:05`` or ``19.00`` → a time of day; None for anything else."""
    match = _TIME.fullmatch(text.strip())
    return time(int(match.group(1)), int(match.group(2))) if match else None


async def reminder_setting(session: AsyncSession, user_id: int) -> ReminderSetting:
    row = (
        await session.execute(
            select(LearnerSettings.reminder_enabled, LearnerSettings.reminder_time,
                   LearnerSettings.auto_reminder)
            .where(LearnerSettings.user_id == user_id)
        )
    ).first()
    if row is None:
        return ReminderSetting(at=None)
    return ReminderSetting(at=row[1] if row[0] else None, after_practice=row[2])


async def set_reminder(
    session: AsyncSession, user_id: int, at: time | None, zone: ZoneInfo, now: datetime,
    *, after_practice: bool = False,
) -> None:
    """Remind daily at local ``at`` from now on; without ``at``, once a day after practice when
    ``after_practice``, else never."""
    values: dict[str, object] = {
        "reminder_enabled": at is not None,
        "reminder_time": at,
        "next_reminder_at": next_occurrence(now, [at], zone) if at is not None else None,
    }
    if at is None:
        values["auto_reminder"] = after_practice
        last_shown = await session.scalar(
            select(func.max(ItemView.shown_at)).where(ItemView.user_id == user_id))
        if after_practice and last_shown is not None and last_shown + AFTER_PRACTICE > now:
            values["next_reminder_at"] = last_shown + AFTER_PRACTICE
    statement = insert_for(session, LearnerSettings).values(user_id=user_id, **values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_=values
    ))


async def practised(session: AsyncSession, user_id: int, now: datetime) -> None:
    """The learner practised at ``now``: a learner with no reminder time is reminded
    ``AFTER_PRACTICE`` later (unless they turned that off)."""
    remind_at = now + AFTER_PRACTICE
    statement = insert_for(session, LearnerSettings).values(user_id=user_id,
                                                            next_reminder_at=remind_at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_={"next_reminder_at": remind_at},
        where=~LearnerSettings.reminder_enabled & LearnerSettings.auto_reminder,
    ))


async def claim_due_reminders(
    session: AsyncSession, now: datetime, default_zone: ZoneInfo, limit: int = CLAIM_BATCH
) -> list[DueReminder]:
    """Claim up to ``limit`` reminders due at ``now``, moving each to its next day. Fewer than
    ``limit`` back means none is left to claim."""
    rows = await session.execute(
        select(LearnerSettings.user_id, LearnerSettings.reminder_enabled,
               LearnerSettings.reminder_time, LearnerSettings.timezone,
               LearnerSettings.next_reminder_at, User.language_code, User.blocked_at)
        .outerjoin(User, User.id == LearnerSettings.user_id)
        .where(_reminding & (LearnerSettings.next_reminder_at <= now))
        .order_by(LearnerSettings.next_reminder_at)
        .limit(limit)
    )
    reminders = []
    for user_id, enabled, at, zone_name, scheduled, language, blocked_at in rows.all():
        zone = ZoneInfo(zone_name) if zone_name else default_zone
        # A reminder after practice comes once: the next practice sets the next one.
        following = next_occurrence(now, [at], zone) if enabled and at is not None else None
        claimed: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
            update(LearnerSettings)
            .where((LearnerSettings.user_id == user_id)
                   & (LearnerSettings.next_reminder_at == scheduled))
            .values(next_reminder_at=following)
        )
        if claimed.rowcount == 1:
            due = await due_cards(session, user_id, now)
            waiting = 0 if due else await new_cards_waiting(
                session, await load_learner(session, user_id, default_zone), now)
            reminders.append(DueReminder(
                user_id, due, language, blocked=blocked_at is not None, new_cards=waiting,
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
        select(func.min(LearnerSettings.next_reminder_at)).where(_reminding)
    )
