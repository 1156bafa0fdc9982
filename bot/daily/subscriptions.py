"""Daily-post subscriptions: subscribe, change settings, pause, resume, move, pin, look ahead.

A forum supergroup may have a subscription per topic: every function takes the chat and,
as ``thread_id``, the topic (None: the chat itself). Every change that moves the next post
recomputes ``next_run_at`` with :func:`bot.platform.recurrence.next_occurrence` and asks
``wakeup`` (when given) to wake the scheduler once the transaction commits. Errors a person
can fix are :class:`SubscriptionError` with a ``code``; handlers map the code to a catalog
key (``subscription-error-<code>``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from random import Random
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram.enums import ChatType
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import daily_posts
from bot.daily.daily_posts import compute_next_run, subscription_times
from bot.platform.content.schema import Kind
from bot.platform.db.models import (
    AdminAction,
    AdminActionKind,
    Chat,
    Item,
    ItemPin,
    Subscription,
    SubscriptionStatus,
    Topic,
)
from bot.platform.db.upsert import insert_for
from bot.platform.wakeup import ScheduleWakeup
from bot.study.catalog import has_drillable_items

DAILY_KINDS: tuple[str, ...] = (Kind.QUIZ.value, Kind.QUESTION.value, Kind.TASK.value)
DEFAULT_TIMES: tuple[time, ...] = (time(10, 0),)
RowT = TypeVar("RowT")

DEFAULT_REVEAL_AFTER_MINUTES = 240
MAX_REVEAL_AFTER_MINUTES = 7 * 24 * 60
MAX_TIMES_PER_DAY = 6


class PauseReason(StrEnum):
    """Why the bot paused a subscription itself (shown as ``pause-reason-<value>``); a refused
    send pauses it with Telegram's own words instead."""

    REMOVED = "removed"  # the bot left the group or channel
    BLOCKED = "blocked"  # the learner blocked the bot in private
    ADMIN = "admin"  # a bot admin paused it from /chats


class SubscriptionError(ValueError):
    """A request that cannot be done as asked; ``code`` names the reason."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class SubscriptionView:
    subscription_id: int
    chat_id: int
    chat_type: str
    status: SubscriptionStatus
    pause_reason: str | None
    paused_at: datetime | None
    times: tuple[time, ...]  # local, sorted
    timezone: str
    weekdays: tuple[int, ...]  # Monday is 0
    topics: tuple[str, ...]  # topic ids; empty means every topic
    kinds: tuple[str, ...]
    anonymous_polls: bool
    reveal_after_minutes: int
    next_run_at: datetime | None  # UTC; None unless active
    # Groups' quizzes (both on unless a group turns them off): results hidden until the reveal
    # and no changed answers; a note only the member who answered sees.
    fair_play: bool = True
    private_feedback: bool = True
    thread_id: int | None = None  # the forum topic; None: the chat itself

    @property
    def next_run_local(self) -> datetime | None:
        return self.next_run_at.astimezone(ZoneInfo(self.timezone)) if self.next_run_at else None


@dataclass(frozen=True)
class UpcomingPost:
    """What /next shows: when the next post goes out and what it will be."""

    subscription: SubscriptionView
    at: datetime | None  # UTC; None when the subscription is not active
    pinned_item_slug: str | None  # an admin's pin for that local date, if any
    remaining_in_cycle: int  # matching items not yet posted in this chat in this cycle


@dataclass(frozen=True)
class PinnedItem:
    subscription_id: int
    local_date: date
    item_id: int
    item_slug: str


@dataclass(frozen=True)
class TopicOption:
    id: str
    hashtag: str
    title_ru: str
    title_en: str


# --- reading -----------------------------------------------------------------------------------


async def get_subscription(
    session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> SubscriptionView | None:
    """The chat's (topic's) subscription, None if it never subscribed or unsubscribed."""
    found = await _find(session, chat_id, thread_id)
    if found is None or found[0].status == SubscriptionStatus.STOPPED:
        return None
    return _view(*found)


async def subscription_by_id(
    session: AsyncSession, subscription_id: int
) -> SubscriptionView | None:
    """A subscription by its id (a settings button's), None if it is stopped or unknown."""
    row = (await session.execute(
        select(Subscription, Chat.type).join(Chat, Chat.id == Subscription.chat_id)
        .where(Subscription.id == subscription_id)
    )).one_or_none()
    if row is None or row[0].status == SubscriptionStatus.STOPPED:
        return None
    return _view(row[0], row[1])


async def paused_in_chat(session: AsyncSession, chat_id: int) -> list[SubscriptionView]:
    """The chat's paused subscriptions: its own, then its forum topics'."""
    rows = await session.execute(
        select(Subscription, Chat.type).join(Chat, Chat.id == Subscription.chat_id)
        .where((Subscription.chat_id == chat_id)
               & (Subscription.status == SubscriptionStatus.PAUSED))
        .order_by(Subscription.thread_id)
    )
    return [_view(subscription, chat_type) for subscription, chat_type in rows]


async def available_topics(session: AsyncSession) -> list[TopicOption]:
    topics = await session.scalars(select(Topic).where(has_drillable_items()).order_by(Topic.id))
    return [TopicOption(t.id, t.hashtag, t.title_ru, t.title_en) for t in topics]


async def upcoming(
    session: AsyncSession, chat_id: int, now: datetime, thread_id: int | None = None
) -> UpcomingPost | None:
    found = await _find(session, chat_id, thread_id)
    if found is None or found[0].status == SubscriptionStatus.STOPPED:
        return None
    subscription, chat_type = found
    pinned_slug = None
    if subscription.next_run_at is not None:
        local_day = subscription.next_run_at.astimezone(ZoneInfo(subscription.timezone)).date()
        pinned_slug = await session.scalar(
            select(Item.slug).join(ItemPin, ItemPin.item_id == Item.id).where(
                (ItemPin.subscription_id == subscription.id)
                & (ItemPin.local_date == local_day) & Item.archived_at.is_(None)
            )
        )
    remaining = await daily_posts.remaining_in_cycle(session, subscription)
    return UpcomingPost(_view(subscription, chat_type), subscription.next_run_at, pinned_slug,
                        remaining)


# --- subscribing -------------------------------------------------------------------------------


async def subscribe(
    session: AsyncSession,
    *,
    chat_id: int,
    chat_type: str,
    by_user: int | None,
    now: datetime,
    timezone: str,
    times: Sequence[time] | None = None,
    chat_title: str | None = None,
    wakeup: ScheduleWakeup | None = None,
    thread_id: int | None = None,
    topic_name: str | None = None,
) -> SubscriptionView:
    """Subscribe the chat or its forum topic ``thread_id`` (or re-activate its subscription,
    keeping its settings and history); ``topic_name``, where known, names the topic in /chats.

    ``times`` None keeps the existing times (or :data:`DEFAULT_TIMES` for a new one). Channel
    polls are always anonymous; group polls start public so answers count for /top.
    """
    zone = _zone(timezone)
    chosen_times = _valid_times(times) if times is not None else None
    await _remember_chat(session, chat_id, chat_type, chat_title)
    subscription = await session.scalar(
        select(Subscription).where(subscription_key(chat_id, thread_id))
    )
    if subscription is None:
        subscription = Subscription(
            chat_id=chat_id,
            thread_id=thread_id or 0,
            status=SubscriptionStatus.ACTIVE,
            times=_times_json(chosen_times or DEFAULT_TIMES),
            timezone=zone.key,
            weekdays=list(range(7)),
            topics=[],
            kinds=list(DAILY_KINDS),
            anonymous_polls=chat_type == ChatType.CHANNEL,
            reveal_after_minutes=DEFAULT_REVEAL_AFTER_MINUTES,
            cycle=1,
            created_by=by_user,
            created_at=now,
            updated_at=now,
        )
        session.add(subscription)
    else:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.pause_reason = None
        subscription.paused_at = None
        subscription.timezone = zone.key
        if chosen_times is not None:
            subscription.times = _times_json(chosen_times)
        subscription.next_run_at = None
    if topic_name:
        subscription.topic_name = topic_name[:128]
    _reschedule(subscription, now, wakeup, session)
    await session.flush()
    return _view(subscription, chat_type)


async def unsubscribe(
    session: AsyncSession, chat_id: int, now: datetime, wakeup: ScheduleWakeup | None = None,
    thread_id: int | None = None,
) -> bool:
    """Stop the daily post; False if the chat had none. History and settings are kept."""
    subscription = await _live(session, chat_id, thread_id)
    if subscription is None:
        return False
    subscription.status = SubscriptionStatus.STOPPED
    subscription.next_run_at = None
    subscription.updated_at = now
    await session.flush()
    _notify(wakeup, session)
    return True


async def pause(session: AsyncSession, chat_id: int, reason: str, at: datetime) -> bool:
    """Pause the chat's active subscriptions, every topic's (the bot was removed, blocked, the
    chat vanished); False if it had none."""
    found = list(await session.scalars(
        select(Subscription).where((Subscription.chat_id == chat_id)
                                   & (Subscription.status == SubscriptionStatus.ACTIVE))
    ))
    for subscription in found:
        _paused(subscription, reason, at)
    await session.flush()
    return bool(found)


async def pause_subscription(
    session: AsyncSession, subscription_id: int, reason: str, at: datetime
) -> bool:
    """Pause one active subscription (its forum topic was closed or deleted)."""
    subscription = await session.get(Subscription, subscription_id)
    if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
        return False
    _paused(subscription, reason, at)
    await session.flush()
    return True


def _paused(subscription: Subscription, reason: str, at: datetime) -> None:
    subscription.status = SubscriptionStatus.PAUSED
    subscription.pause_reason = reason[:255]
    subscription.paused_at = at
    subscription.next_run_at = None
    subscription.updated_at = at


async def resume(
    session: AsyncSession, chat_id: int, now: datetime, wakeup: ScheduleWakeup | None = None,
    thread_id: int | None = None,
) -> SubscriptionView | None:
    """Resume a paused subscription from the next slot after ``now``; None if none is paused."""
    found = await _find(session, chat_id, thread_id)
    if found is None or found[0].status != SubscriptionStatus.PAUSED:
        return None
    subscription, chat_type = found
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.pause_reason = None
    subscription.paused_at = None
    subscription.next_run_at = None
    _reschedule(subscription, now, wakeup, session)
    await session.flush()
    return _view(subscription, chat_type)


async def move_chat(
    session: AsyncSession,
    old_chat_id: int,
    new_chat_id: int,
    now: datetime,
    wakeup: ScheduleWakeup | None = None,
) -> SubscriptionView | None:
    """A group became a supergroup: its subscription (and history) follow it to the new id.

    Idempotent: the service message and the send error can both report the same migration.
    If the new chat already has a subscription of its own, that one wins and the old stops.
    """
    old_chat = await session.get(Chat, old_chat_id)
    if old_chat is not None:
        old_chat.migrated_to = new_chat_id
    await _remember_chat(session, new_chat_id, ChatType.SUPERGROUP,
                         old_chat.title if old_chat else None)
    subscription = await session.scalar(  # a basic group has no topics
        select(Subscription).where(subscription_key(old_chat_id, None))
    )
    if subscription is None:
        return await get_subscription(session, new_chat_id)
    if await session.scalar(select(Subscription.id).where(subscription_key(new_chat_id, None))):
        subscription.status = SubscriptionStatus.STOPPED
        subscription.next_run_at = None
        await session.flush()
        return await get_subscription(session, new_chat_id)
    subscription.chat_id = new_chat_id
    subscription.updated_at = now
    # Paused because the old id stopped working: the new one works.
    if subscription.status == SubscriptionStatus.PAUSED:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.pause_reason = None
        subscription.paused_at = None
        _reschedule(subscription, now, wakeup, session)
    await session.flush()
    return _view(subscription, ChatType.SUPERGROUP)


async def post_now(
    session: AsyncSession,
    chat_id: int,
    now: datetime,
    rng: Random,
    *,
    by: int,
    wakeup: ScheduleWakeup | None = None,
    thread_id: int | None = None,
) -> str | None:
    """Queue the chat's next post for right now (an admin's /post); the scheduler sends it and
    reveals it like a scheduled one. Returns the chosen item's slug, None if no item matches."""
    subscription = await _live(session, chat_id, thread_id)
    if subscription is None:
        raise SubscriptionError("not-subscribed")
    slug = await daily_posts.queue_post(session, subscription, now, rng)
    if slug is not None:
        _log(session, by, AdminActionKind.POST_NOW, chat_id, now, thread_id)
    _notify(wakeup, session)
    return slug


async def pause_by_admin(
    session: AsyncSession, chat_id: int, *, by: int, now: datetime, thread_id: int | None = None,
) -> bool:
    """A bot admin pauses the active subscription of the chat, or of its forum topic
    ``thread_id`` (/chats); False if it was not active. The chat's other topics go on."""
    subscription = await _live(session, chat_id, thread_id)
    paused = subscription is not None and await pause_subscription(
        session, subscription.id, PauseReason.ADMIN, now)
    if paused:
        _log(session, by, AdminActionKind.PAUSE_CHAT, chat_id, now, thread_id)
    return paused


async def resume_by_admin(
    session: AsyncSession, chat_id: int, *, by: int, now: datetime,
    wakeup: ScheduleWakeup | None = None, thread_id: int | None = None,
) -> bool:
    """A bot admin resumes the paused subscription of the chat, or of its forum topic
    ``thread_id`` (/chats); False if it was not paused."""
    resumed = await resume(session, chat_id, now, wakeup, thread_id) is not None
    if resumed:
        _log(session, by, AdminActionKind.RESUME_CHAT, chat_id, now, thread_id)
    return resumed


async def pin_item(
    session: AsyncSession,
    chat_id: int,
    local_date: date,
    item_slug: str,
    by_user: int | None,
    now: datetime,
    thread_id: int | None = None,
) -> PinnedItem:
    """Make ``item_slug`` the chat's post on ``local_date`` (replacing an earlier pin)."""
    subscription = await _live(session, chat_id, thread_id)
    if subscription is None:
        raise SubscriptionError("not-subscribed")
    item = await session.scalar(
        select(Item).where((Item.slug == item_slug) & Item.archived_at.is_(None)
                           & Item.kind.in_(DAILY_KINDS))
    )
    if item is None:
        raise SubscriptionError("unknown-item", item_slug)
    statement = insert_for(session, ItemPin).values(
        subscription_id=subscription.id, local_date=local_date, item_id=item.id,
        created_by=by_user, created_at=now,
    )
    await session.execute(statement.on_conflict_do_update(
        index_elements=[ItemPin.subscription_id, ItemPin.local_date],
        set_={"item_id": item.id, "created_by": by_user, "created_at": now},
    ))
    return PinnedItem(subscription.id, local_date, item.id, item.slug)


# --- settings ----------------------------------------------------------------------------------


async def set_times(
    session: AsyncSession, chat_id: int, times: Sequence[time], now: datetime,
    wakeup: ScheduleWakeup | None = None, thread_id: int | None = None,
) -> SubscriptionView:
    chosen = _valid_times(times)
    return await _change(session, (chat_id, thread_id), now, wakeup, times=_times_json(chosen))


async def set_timezone(
    session: AsyncSession, chat_id: int, timezone: str, now: datetime,
    wakeup: ScheduleWakeup | None = None, thread_id: int | None = None,
) -> SubscriptionView:
    return await _change(session, (chat_id, thread_id), now, wakeup,
                         timezone=_zone(timezone).key)


async def set_weekdays(
    session: AsyncSession, chat_id: int, weekdays: Collection[int], now: datetime,
    wakeup: ScheduleWakeup | None = None, thread_id: int | None = None,
) -> SubscriptionView:
    chosen = sorted(set(weekdays))
    if not chosen:
        raise SubscriptionError("no-weekdays")
    if not set(chosen) <= set(range(7)):
        raise SubscriptionError("unknown-weekday", str(chosen))
    return await _change(session, (chat_id, thread_id), now, wakeup, weekdays=chosen)


async def set_topics(
    session: AsyncSession, chat_id: int, topics: Collection[str], now: datetime,
    thread_id: int | None = None,
) -> SubscriptionView:
    """Topic ids; an empty collection means every topic."""
    chosen = sorted(set(topics))
    known = set(await session.scalars(select(Topic.id).where(Topic.id.in_(chosen))))
    if unknown := [topic for topic in chosen if topic not in known]:
        raise SubscriptionError("unknown-topic", ", ".join(unknown))
    return await _change(session, (chat_id, thread_id), now, None, topics=chosen)


async def set_kinds(
    session: AsyncSession, chat_id: int, kinds: Collection[str], now: datetime,
    thread_id: int | None = None,
) -> SubscriptionView:
    chosen = [kind for kind in DAILY_KINDS if kind in set(kinds)]
    if unknown := set(kinds) - set(DAILY_KINDS):
        raise SubscriptionError("unknown-kind", ", ".join(sorted(unknown)))
    if not chosen:
        raise SubscriptionError("no-kinds")
    return await _change(session, (chat_id, thread_id), now, None, kinds=chosen)


async def set_anonymous_polls(
    session: AsyncSession, chat_id: int, anonymous: bool, now: datetime,
    thread_id: int | None = None,
) -> SubscriptionView:
    found = await _find(session, chat_id, thread_id)
    if found is not None and found[1] == ChatType.CHANNEL and not anonymous:
        raise SubscriptionError("channel-polls-anonymous")
    return await _change(session, (chat_id, thread_id), now, None, anonymous_polls=anonymous)


async def set_fair_play(
    session: AsyncSession, chat_id: int, on: bool, now: datetime, thread_id: int | None = None,
) -> SubscriptionView:
    return await _change(session, (chat_id, thread_id), now, None, fair_play=on)


async def set_private_feedback(
    session: AsyncSession, chat_id: int, on: bool, now: datetime, thread_id: int | None = None,
) -> SubscriptionView:
    return await _change(session, (chat_id, thread_id), now, None, private_feedback=on)


async def set_reveal_after(
    session: AsyncSession, chat_id: int, minutes: int, now: datetime,
    thread_id: int | None = None,
) -> SubscriptionView:
    """Minutes from the post to the answer (the quiz poll is closed then)."""
    if not 1 <= minutes <= MAX_REVEAL_AFTER_MINUTES:
        raise SubscriptionError("reveal-out-of-range", str(minutes))
    return await _change(session, (chat_id, thread_id), now, None,
                         reveal_after_minutes=minutes)


# --- helpers -----------------------------------------------------------------------------------


async def _change(
    session: AsyncSession,
    where: tuple[int, int | None],
    now: datetime,
    wakeup: ScheduleWakeup | None,
    **values: object,
) -> SubscriptionView:
    found = await _find(session, *where)
    if found is None or found[0].status == SubscriptionStatus.STOPPED:
        raise SubscriptionError("not-subscribed")
    subscription, chat_type = found
    for name, value in values.items():
        setattr(subscription, name, value)
    subscription.updated_at = now
    if (subscription.status == SubscriptionStatus.ACTIVE
            and {"times", "timezone", "weekdays"} & values.keys()):
        subscription.next_run_at = None
        _reschedule(subscription, now, wakeup, session)
    await session.flush()
    return _view(subscription, chat_type)


def _reschedule(
    subscription: Subscription, now: datetime, wakeup: ScheduleWakeup | None,
    session: AsyncSession,
) -> None:
    """Compute the next slot of an active subscription whose next slot is unknown."""
    if subscription.status == SubscriptionStatus.ACTIVE and subscription.next_run_at is None:
        subscription.next_run_at = compute_next_run(subscription, now)
    _notify(wakeup, session)


def _log(
    session: AsyncSession, by: int, action: AdminActionKind, chat_id: int, now: datetime,
    thread_id: int | None = None,
) -> None:
    """The action in the admins' log; its target the chat, "<chat id>/<thread id>" for one of
    its forum topics."""
    target = f"{chat_id}/{thread_id}" if thread_id else str(chat_id)
    session.add(AdminAction(actor_id=by, action=action, target=target, created_at=now))


def _notify(wakeup: ScheduleWakeup | None, session: AsyncSession) -> None:
    if wakeup is not None:
        wakeup.notify_after_commit(session)


def subscription_key(chat_id: int, thread_id: int | None) -> ColumnElement[bool]:
    """The subscription of the chat, or of its forum topic ``thread_id`` (stored as 0 for the
    chat itself: NULLs would not collide in the unique key)."""
    return (Subscription.chat_id == chat_id) & (Subscription.thread_id == (thread_id or 0))


def governing_subscription(
    query: Select[RowT], chat_id: int, thread_id: int | None
) -> Select[RowT]:
    """``query`` narrowed to the subscription that speaks for the chat's forum topic
    ``thread_id``: the topic's own, else the chat's."""
    return (query.where((Subscription.chat_id == chat_id)
                        & Subscription.thread_id.in_({thread_id or 0, 0}))
            .order_by(Subscription.thread_id.desc()).limit(1))


async def _find(
    session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> tuple[Subscription, str] | None:
    row = (await session.execute(
        select(Subscription, Chat.type).join(Chat, Chat.id == Subscription.chat_id)
        .where(subscription_key(chat_id, thread_id))
    )).one_or_none()
    return (row[0], row[1]) if row else None


async def _live(
    session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> Subscription | None:
    return await session.scalar(
        select(Subscription).where(subscription_key(chat_id, thread_id)
                                   & (Subscription.status != SubscriptionStatus.STOPPED))
    )


async def _remember_chat(
    session: AsyncSession, chat_id: int, chat_type: str, title: str | None
) -> None:
    statement = insert_for(session, Chat).values(id=chat_id, type=chat_type, title=title)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[Chat.id], set_={"type": chat_type, "title": title},
    ))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SubscriptionError("unknown-timezone", name) from None


def _valid_times(times: Sequence[time]) -> list[time]:
    chosen = sorted({at.replace(second=0, microsecond=0, tzinfo=None) for at in times})
    if not chosen:
        raise SubscriptionError("no-times")
    if len(chosen) > MAX_TIMES_PER_DAY:
        raise SubscriptionError("too-many-times", str(len(chosen)))
    return chosen


def _times_json(times: Sequence[time]) -> list[str]:
    return [at.strftime("%H:%M") for at in times]


def _view(subscription: Subscription, chat_type: str) -> SubscriptionView:
    return SubscriptionView(
        subscription_id=subscription.id,
        chat_id=subscription.chat_id,
        thread_id=subscription.thread_id or None,
        chat_type=chat_type,
        status=subscription.status,
        pause_reason=subscription.pause_reason,
        paused_at=subscription.paused_at,
        times=tuple(subscription_times(subscription)),
        timezone=subscription.timezone,
        weekdays=tuple(subscription.weekdays),
        topics=tuple(subscription.topics),
        kinds=tuple(subscription.kinds),
        anonymous_polls=subscription.anonymous_polls,
        reveal_after_minutes=subscription.reveal_after_minutes,
        next_run_at=subscription.next_run_at,
        fair_play=subscription.fair_play,
        private_feedback=subscription.private_feedback,
    )
