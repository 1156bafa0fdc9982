"""A learner's own settings: interface language, time zone, daily new-card cap, topics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.schema import Difficulty, Language
from bot.platform.db.models import LearnerSettings, Topic, UserTopic
from bot.platform.db.upsert import insert_for
from bot.platform.recurrence import next_occurrence, occurrence_at
from bot.study.catalog import has_drillable_items

INTERFACE_LANGUAGES = tuple(Language)  # a catalog for each language content is written in
DEFAULT_NEW_CARDS_PER_DAY = 10
MAX_NEW_CARDS_PER_DAY = 100


@dataclass(frozen=True)
class Learner:
    """What card choice needs to know about a learner."""

    user_id: int
    zone: ZoneInfo
    new_cards_per_day: int
    # Empty means every topic.
    topic_ids: frozenset[str]
    level: Difficulty | None = None  # None: every level
    # Reviews a drill serves in one local day (None: no cap); the rest of a backlog waits.
    reviews_per_day: int | None = None

    def local_day_start(self, at: datetime) -> datetime:
        """The UTC instant the learner's local day containing ``at`` began."""
        return day_start(at.astimezone(self.zone).date(), self.zone)


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return occurrence_at(day, time(0), zone)


@dataclass(frozen=True)
class TopicChoice:
    topic_id: str
    title_ru: str
    title_en: str
    selected: bool


async def load_learner(session: AsyncSession, user_id: int, default_zone: ZoneInfo) -> Learner:
    settings = await session.get(LearnerSettings, user_id)
    topic_ids = frozenset(
        await session.scalars(select(UserTopic.topic_id).where(UserTopic.user_id == user_id))
    )
    if settings is None:
        return Learner(user_id, default_zone, DEFAULT_NEW_CARDS_PER_DAY, topic_ids)
    zone = ZoneInfo(settings.timezone) if settings.timezone else default_zone
    level = Difficulty(settings.level) if settings.level else None
    return Learner(user_id, zone, settings.new_cards_per_day, topic_ids, level)


async def set_timezone(session: AsyncSession, user_id: int, zone: str, now: datetime) -> None:
    """The learner's zone (an IANA name): their days and their reminder's time of day follow
    it from ``now`` on."""
    ZoneInfo(zone)  # refuses a name that is no zone
    statement = insert_for(session, LearnerSettings).values(user_id=user_id, timezone=zone)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_={"timezone": zone}
    ))
    settings = await session.get(LearnerSettings, user_id, populate_existing=True)
    if settings is not None and settings.reminder_enabled and settings.reminder_time:
        settings.next_reminder_at = next_occurrence(now, [settings.reminder_time],
                                                    ZoneInfo(zone))
        await session.flush()


async def set_level(session: AsyncSession, user_id: int, level: Difficulty | None) -> None:
    value = level.value if level else None
    statement = insert_for(session, LearnerSettings).values(user_id=user_id, level=value)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_={"level": value}
    ))


async def set_language(session: AsyncSession, user_id: int, language: str) -> None:
    if language not in INTERFACE_LANGUAGES:
        raise ValueError(f"unsupported interface language {language!r}")
    statement = insert_for(session, LearnerSettings).values(user_id=user_id, language=language)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_={"language": language}
    ))


async def set_new_cards_per_day(session: AsyncSession, user_id: int, count: int) -> None:
    if not 0 <= count <= MAX_NEW_CARDS_PER_DAY:
        raise ValueError(f"new cards per day must be 0..{MAX_NEW_CARDS_PER_DAY}, not {count}")
    statement = insert_for(session, LearnerSettings).values(user_id=user_id,
                                                            new_cards_per_day=count)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[LearnerSettings.user_id], set_={"new_cards_per_day": count}
    ))


async def topic_choices(session: AsyncSession, user_id: int) -> list[TopicChoice]:
    selected = (UserTopic.user_id == user_id) & (UserTopic.topic_id == Topic.id)
    rows = await session.execute(
        select(Topic.id, Topic.title_ru, Topic.title_en, UserTopic.topic_id.is_not(None))
        .outerjoin(UserTopic, selected).where(has_drillable_items()).order_by(Topic.id)
    )
    return [TopicChoice(*row) for row in rows]


async def toggle_topic(session: AsyncSession, user_id: int, topic_id: str) -> bool:
    """Select or deselect a topic; False when there is no such topic to drill."""
    offered = select(Topic.id).where((Topic.id == topic_id) & has_drillable_items())
    if await session.scalar(offered) is None:
        return False
    chosen = await session.get(UserTopic, (user_id, topic_id))
    if chosen is None:
        session.add(UserTopic(user_id=user_id, topic_id=topic_id))
    else:
        await session.delete(chosen)
    await session.flush()
    return True


async def select_all_topics(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(UserTopic).where(UserTopic.user_id == user_id))
