"""The daily post's bookkeeping: which slots are due, which item each chat gets, and the
delivery rows that make every (subscription, slot) post at most once.

A delivery goes ``claimed`` (item chosen, next slot scheduled; committed) → ``leased`` (a
replica took it, until its lease runs out) → ``sending`` (committed right before its Bot API
call) → ``sent`` (message and poll ids) → ``revealing`` → ``revealed``; or ``skipped`` (too
late, nothing to post) / ``failed`` (refused for good) / ``unknown`` (the request went out and no
answer came back: the send timed out, or the replica stopped while it was in flight). A send
Telegram did not take is :class:`Postponed`: back to ``claimed``, due again after a growing
delay, until the slot's grace runs out. Several replicas share one PostgreSQL: they claim and
lease with SKIP LOCKED, and every write of a leased row is fenced by the lease owner. Nothing
here knows about Telegram.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from aiogram.enums import ChatType
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import (
    Attempt,
    Chat,
    Delivery,
    DeliveryStatus,
    Item,
    ItemPin,
    SentPoll,
    Subscription,
)
from bot.platform.db.upsert import insert_for
from bot.platform.recurrence import next_occurrence

logger = logging.getLogger(__name__)


# A delivery in one of these states has (or will have, or may have) put its item in the chat.
POSTED_STATES = (
    DeliveryStatus.CLAIMED, DeliveryStatus.LEASED, DeliveryStatus.SENDING, DeliveryStatus.SENT,
    DeliveryStatus.REVEALING, DeliveryStatus.REVEALED, DeliveryStatus.UNKNOWN,
)

INTERRUPTED = "interrupted: the bot stopped while this send was in flight (not retried)"
# Between sends Telegram did not take: 30 s, 1 min, 2 min, … at most 15 min.
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(minutes=15)
# The last try comes this long before the slot's grace runs out, so that a loop that wakes a
# little late still makes it (a post more than the grace late is skipped when leased).
LAST_TRY_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class PoolItem:
    id: int
    kind: str
    topic_id: str


@dataclass(frozen=True)
class ClaimReport:
    claimed: int = 0
    skipped: int = 0
    lateness: tuple[timedelta, ...] = ()  # per claimed slot: how late it was claimed


@dataclass(frozen=True)
class DeliveryJob:
    """A post to send now."""

    delivery_id: int
    subscription_id: int
    chat_id: int
    chat_type: str
    item_id: int
    anonymous_polls: bool
    reveal_after_minutes: int
    slot_at: datetime
    failed_attempts: int  # sends of it Telegram did not take so far
    parts_sent: int  # of a post split into several messages: those already in the chat
    # A group's quiz: results hidden until the reveal closes it, no changed votes.
    fair_play: bool
    thread_id: int | None = None  # the subscription's forum topic
    timezone: str = "UTC"  # the subscription's: the post says when the answer comes in it

    @property
    def reveal_at(self) -> timedelta:
        """From the send to the reveal."""
        return timedelta(minutes=self.reveal_after_minutes)


@dataclass(frozen=True)
class RevealJob:
    """An answer to post under a sent post."""

    delivery_id: int
    subscription_id: int
    chat_id: int
    item_id: int
    message_id: int
    poll_id: str | None
    option_order: tuple[int, ...] | None = None  # the quiz's (bot.study.shuffling)
    thread_id: int | None = None  # the subscription's forum topic


@dataclass
class DueSubscription:
    """What claiming needs of a due subscription (``next_run_at`` and ``cycle`` change)."""

    id: int
    chat_id: int
    times: list[str]
    timezone: str
    weekdays: list[int]
    topics: list[str]
    kinds: list[str]
    cycle: int
    next_run_at: datetime


AnySubscription = Subscription | DueSubscription


def subscription_times(subscription: AnySubscription) -> list[time]:
    return [time.fromisoformat(value) for value in subscription.times]


def compute_next_run(subscription: AnySubscription, after: datetime) -> datetime:
    return next_occurrence(after, subscription_times(subscription),
                           ZoneInfo(subscription.timezone), subscription.weekdays)


# --- choosing ----------------------------------------------------------------------------------


async def load_pool(session: AsyncSession, kinds: Sequence[str]) -> list[PoolItem]:
    """Every active item of ``kinds``: small (the bank), so one query per batch of chats."""
    rows = await session.execute(
        select(Item.id, Item.kind, Item.topic_id)
        .where(Item.kind.in_(kinds) & Item.archived_at.is_(None)).order_by(Item.id)
    )
    return [PoolItem(*row) for row in rows]


def matching(pool: Sequence[PoolItem], subscription: AnySubscription) -> list[int]:
    topics = set(subscription.topics)
    kinds = set(subscription.kinds)
    return [item.id for item in pool
            if item.kind in kinds and (not topics or item.topic_id in topics)]


def choose_item(
    candidates: Sequence[int], posted: set[int], pinned: int | None, rng: Random
) -> tuple[int | None, bool]:
    """The item to post and whether a new cycle starts: a pin wins; otherwise a random item
    not yet posted in this cycle; once every candidate was posted, a new cycle begins."""
    if pinned is not None:
        return pinned, False
    fresh = [item_id for item_id in candidates if item_id not in posted] if posted else candidates
    if fresh:
        return rng.choice(fresh), False
    if not candidates:
        return None, False
    return rng.choice(list(candidates)), True


async def posted_in_cycle(
    session: AsyncSession, subscription_ids: Sequence[int]
) -> dict[int, set[int]]:
    rows = await session.execute(
        select(Delivery.subscription_id, Delivery.item_id)
        .join(Subscription, (Subscription.id == Delivery.subscription_id)
              & (Subscription.cycle == Delivery.cycle))
        .where(Delivery.subscription_id.in_(subscription_ids)
               & Delivery.status.in_(POSTED_STATES))
    )
    posted: dict[int, set[int]] = defaultdict(set)
    for subscription_id, item_id in rows:
        if item_id is not None:
            posted[subscription_id].add(item_id)
    return posted


async def pins_for(
    session: AsyncSession, slots: dict[int, datetime], zones: dict[int, str]
) -> dict[int, int]:
    """The pinned item (if any, and not archived) of each subscription's slot's local date."""
    if not slots:
        return {}
    local_days = {sid: slot.astimezone(ZoneInfo(zones[sid])).date() for sid, slot in slots.items()}
    rows = await session.execute(
        select(ItemPin.subscription_id, ItemPin.local_date, ItemPin.item_id)
        .join(Item, Item.id == ItemPin.item_id)
        .where(ItemPin.subscription_id.in_(list(slots)) & Item.archived_at.is_(None)
               & ItemPin.local_date.in_(set(local_days.values())))
    )
    return {sid: item_id for sid, day, item_id in rows if local_days[sid] == day}


async def remaining_in_cycle(session: AsyncSession, subscription: Subscription) -> int:
    candidates = matching(await load_pool(session, subscription.kinds), subscription)
    posted = (await posted_in_cycle(session, [subscription.id])).get(subscription.id, set())
    fresh = sum(1 for item_id in candidates if item_id not in posted)
    return fresh or len(candidates)


# --- claiming ----------------------------------------------------------------------------------


async def claim_due(
    session: AsyncSession, now: datetime, grace: timedelta, rng: Random, limit: int
) -> ClaimReport:
    """Claim up to ``limit`` due subscriptions: one delivery row per slot, next slot scheduled.

    A subscription that missed several slots (the bot was down) posts only the latest one, and
    only if it is at most ``grace`` old; the others are logged and skipped.
    """
    # Plain rows and one executemany update, not ORM objects: a broadcast claims thousands.
    # (``or now`` only narrows the type: the WHERE clause excludes NULL.)
    subscriptions = [DueSubscription(*row[:-1], next_run_at=row.next_run_at or now)
                     for row in await session.execute(
        select(Subscription.id, Subscription.chat_id, Subscription.times, Subscription.timezone,
               Subscription.weekdays, Subscription.topics, Subscription.kinds,
               Subscription.cycle, Subscription.next_run_at)
        .where(Subscription.next_run_at <= now)
        .order_by(Subscription.next_run_at, Subscription.id).limit(limit)
        .with_for_update(skip_locked=True)  # replicas claim disjoint pages
    )]
    if not subscriptions:
        return ClaimReport()
    slots: dict[int, datetime] = {}
    skipped_rows: list[dict[str, object]] = []
    for subscription in subscriptions:
        slot = subscription.next_run_at
        missed = 0
        while (following := compute_next_run(subscription, slot)) <= now:
            slot, missed = following, missed + 1
        subscription.next_run_at = following
        if missed:
            logger.warning("chat %s: skipped %d missed daily slot(s) before %s",
                           subscription.chat_id, missed, slot.isoformat())
        if now - slot > grace:
            logger.warning("chat %s: skipped the daily post of %s, %s late (grace %s)",
                           subscription.chat_id, slot.isoformat(), now - slot, grace)
            skipped_rows.append(
                _row(subscription, slot, now, None, DeliveryStatus.SKIPPED, "missed: too late")
            )
        else:
            slots[subscription.id] = slot
    rows = skipped_rows + await _choose(session, subscriptions, slots, now, rng)
    await _insert_deliveries(session, rows)
    table = Subscription.metadata.tables[Subscription.__tablename__]
    await session.execute(
        update(table).where(table.c.id == bindparam("subscription_id"))
        .values(next_run_at=bindparam("following"), cycle=bindparam("new_cycle")),
        [{"subscription_id": s.id, "following": s.next_run_at, "new_cycle": s.cycle}
         for s in subscriptions],
    )
    skipped = sum(1 for row in rows if row["status"] == DeliveryStatus.SKIPPED)
    return ClaimReport(claimed=len(rows) - skipped, skipped=skipped,
                       lateness=tuple(now - slot for slot in slots.values()))


async def queue_post(
    session: AsyncSession, subscription: Subscription, now: datetime, rng: Random
) -> str | None:
    """An extra post at ``now`` (an admin's /post), chosen by the same rule."""
    rows = await _choose(session, [subscription], {subscription.id: now}, now, rng)
    await _insert_deliveries(session, rows)
    await session.flush()
    item_id = rows[0]["item_id"] if rows and rows[0]["status"] == DeliveryStatus.CLAIMED else None
    return await session.scalar(select(Item.slug).where(Item.id == item_id)) if item_id else None


async def _choose(
    session: AsyncSession,
    subscriptions: Sequence[AnySubscription],
    slots: dict[int, datetime],
    now: datetime,
    rng: Random,
) -> list[dict[str, object]]:
    due = [subscription for subscription in subscriptions if subscription.id in slots]
    if not due:
        return []
    pool = await load_pool(session, sorted({kind for s in due for kind in s.kinds}))
    posted = await posted_in_cycle(session, [s.id for s in due])
    pins = await pins_for(session, slots, {s.id: s.timezone for s in due})
    rows = []
    # Chats mostly share a few choices of kinds and topics: each one's items are listed once.
    candidates: dict[tuple[frozenset[str], frozenset[str]], list[int]] = {}
    for subscription in due:
        choice = (frozenset(subscription.kinds), frozenset(subscription.topics))
        if choice not in candidates:
            candidates[choice] = matching(pool, subscription)
        item_id, new_cycle = choose_item(candidates[choice],
                                         posted.get(subscription.id, set()),
                                         pins.get(subscription.id), rng)
        if new_cycle:
            subscription.cycle += 1
        slot = slots[subscription.id]
        if item_id is None:
            logger.warning("chat %s: no item matches its topics and kinds; nothing posted",
                           subscription.chat_id)
            rows.append(
                _row(subscription, slot, now, None, DeliveryStatus.SKIPPED, "no matching item")
            )
        else:
            rows.append(_row(subscription, slot, now, item_id, DeliveryStatus.CLAIMED, None))
    return rows


def _row(
    subscription: AnySubscription, slot: datetime, now: datetime, item_id: int | None,
    status: DeliveryStatus, error: str | None,
) -> dict[str, object]:
    return {"subscription_id": subscription.id, "slot_at": slot, "chat_id": subscription.chat_id,
            "item_id": item_id, "cycle": subscription.cycle, "status": status,
            "claimed_at": now, "error": error}


async def _insert_deliveries(session: AsyncSession, rows: list[dict[str, object]]) -> None:
    if rows:
        await session.execute(
            insert_for(session, Delivery)
            .on_conflict_do_nothing(index_elements=[Delivery.subscription_id, Delivery.slot_at]),
            rows,
        )


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lease:
    """Who holds a piece of work and until when. ``owner`` is ``<replica>/<incarnation>``: a
    replica restarting under the same name takes its old work back at once; another replica's
    work is taken over only after ``until``."""

    owner: str
    until: datetime

    @property
    def replica(self) -> str:
        return self.owner.rsplit("/", 1)[0]


async def reap_expired(session: AsyncSession, now: datetime, lease: Lease) -> int:
    """Take back the work of replicas that stopped (their lease ran out, or it was this replica's
    before a restart).

    Leased deliveries whose send never started go back to ``claimed`` and are sent. Sends and
    reveals that were in flight may or may not have reached the chat, and retrying could post
    twice, so they are not retried: at-most-once (a send becomes ``unknown``).
    """
    stale = (Delivery.lease_until < now) | (
        Delivery.leased_by.startswith(lease.replica + "/", autoescape=True)
        & (Delivery.leased_by != lease.owner)
    )
    released = await session.execute(
        update(Delivery).where(Delivery.status == DeliveryStatus.LEASED, stale)
        .values(status=DeliveryStatus.CLAIMED, leased_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    interrupted = await session.execute(
        update(Delivery).where(Delivery.status == DeliveryStatus.SENDING, stale)
        .values(status=DeliveryStatus.UNKNOWN, error=INTERRUPTED, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    reveals = await session.execute(
        update(Delivery).where(Delivery.status == DeliveryStatus.REVEALING, stale)
        .values(status=DeliveryStatus.REVEALED, revealed_at=now, error=INTERRUPTED,
                lease_until=None)
        .execution_options(synchronize_session=False)
    )
    lost = _rowcount(interrupted) + _rowcount(reveals)
    if lost:
        logger.warning("%d send(s) were in flight when a replica stopped; not retried", lost)
    if _rowcount(released):
        logger.info("took over %d daily post(s) from a stopped replica", _rowcount(released))
    return lost


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def lease_deliveries(
    session: AsyncSession, now: datetime, grace: timedelta, limit: int, lease: Lease
) -> list[DeliveryJob]:
    """The next ``limit`` claimed deliveries that are due (not waiting for a retry), leased to
    this replica (commit before sending).

    Replicas skip each other's locked rows (PostgreSQL's SKIP LOCKED), so they lease disjoint
    pages. A claimed delivery older than ``grace`` (claimed before a long downtime) is skipped.
    """
    # Plain rows and set-based updates, not ORM objects: this runs once per page of a broadcast.
    rows = (await session.execute(
        select(Delivery.id, Delivery.subscription_id, Delivery.chat_id, Delivery.item_id,
               Delivery.slot_at, Delivery.failed_attempts, Delivery.parts_sent,
               Subscription.anonymous_polls, Subscription.reveal_after_minutes,
               Subscription.fair_play, Subscription.thread_id, Subscription.timezone, Chat.type)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .join(Chat, Chat.id == Delivery.chat_id)
        .where(Delivery.status == DeliveryStatus.CLAIMED,
               or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now))
        .order_by(Delivery.id).limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )).all()
    late = [row for row in rows if now - row.slot_at > grace]
    for row in late:
        logger.warning("chat %s: skipped the daily post of %s, claimed but %s late",
                       row.chat_id, row.slot_at.isoformat(), now - row.slot_at)
    await _set_status(session, [row.id for row in late], DeliveryStatus.SKIPPED,
                      error="missed: too late")
    jobs = [
        DeliveryJob(row.id, row.subscription_id, row.chat_id, row.type, row.item_id,
                    row.anonymous_polls or row.type == ChatType.CHANNEL, row.reveal_after_minutes,
                    row.slot_at, row.failed_attempts, row.parts_sent,
                    row.fair_play and row.type in (ChatType.GROUP, ChatType.SUPERGROUP),
                    row.thread_id or None, row.timezone)
        for row in rows if row not in late and row.item_id is not None
    ]
    if jobs:
        await session.execute(
            update(Delivery).where(Delivery.id.in_([job.delivery_id for job in jobs]))
            .values(status=DeliveryStatus.LEASED, leased_by=lease.owner, lease_until=lease.until)
            .execution_options(synchronize_session=False)
        )
    return jobs


async def mark_sending(
    session: AsyncSession, delivery_ids: Sequence[int], lease: Lease
) -> set[int]:
    """Write-ahead for single sends: the deliveries still this replica's, now ``sending``.

    A delivery missing from the result was taken over by another replica (this one stalled past
    its lease) and must not be sent.
    """
    if not delivery_ids:
        return set()
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.leased_by == lease.owner,
               Delivery.status.in_((DeliveryStatus.LEASED, DeliveryStatus.SENDING)))
        .values(status=DeliveryStatus.SENDING)
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


async def renew_leases(session: AsyncSession, lease: Lease) -> None:
    """Still working: keep this replica's work from being taken over."""
    await session.execute(
        update(Delivery)
        .where(Delivery.leased_by == lease.owner,
               Delivery.status.in_((DeliveryStatus.LEASED, DeliveryStatus.SENDING,
                                    DeliveryStatus.REVEALING)))
        .values(lease_until=lease.until)
        .execution_options(synchronize_session=False)
    )


async def _set_status(
    session: AsyncSession, delivery_ids: list[int], status: DeliveryStatus,
    error: str | None = None
) -> None:
    if delivery_ids:
        await session.execute(
            update(Delivery).where(Delivery.id.in_(delivery_ids))
            .values(status=status, error=error)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class SentPost:
    job: DeliveryJob
    message_id: int
    poll_id: str | None = None
    correct_option_ids: tuple[int, ...] = ()  # the item's own indexes
    option_order: tuple[int, ...] | None = None  # the quiz's (bot.study.shuffling)
    # When the reveal is due; None: the subscription's delay from the moment it is recorded.
    # A quiz that Telegram closes by itself is revealed at the moment it closes.
    reveal_at: datetime | None = None


async def complete_sent(
    session: AsyncSession, posts: Sequence[SentPost], now: datetime, lease: Lease
) -> None:
    """Record sent posts; a quiz's poll goes to ``sent_polls`` so answers in groups count."""
    if posts:
        table = Delivery.metadata.tables[Delivery.__tablename__]
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("delivery_id"), table.c.leased_by == lease.owner)
            .values(
                status=DeliveryStatus.SENT, sent_at=now, message_id=bindparam("sent_message_id"),
                poll_id=bindparam("sent_poll_id"), reveal_due_at=bindparam("reveal_at"),
                lease_until=None,
            ),
            [{"delivery_id": post.job.delivery_id, "sent_message_id": post.message_id,
              "sent_poll_id": post.poll_id,
              "reveal_at": post.reveal_at or now + post.job.reveal_at}
             for post in posts],
        )
    polls = [
        {"poll_id": post.poll_id, "item_id": post.job.item_id, "chat_id": post.job.chat_id,
         "message_id": post.message_id, "correct_option_ids": list(post.correct_option_ids),
         "option_order": None if post.option_order is None else list(post.option_order),
         "sent_at": now}
        for post in posts if post.poll_id is not None
    ]
    if polls:
        await session.execute(
            insert_for(session, SentPoll).on_conflict_do_nothing(index_elements=[SentPoll.poll_id]),
            polls,
        )


async def fail_delivery(
    session: AsyncSession, delivery_id: int, error: str, lease: Lease,
    status: DeliveryStatus = DeliveryStatus.FAILED,
) -> None:
    """Done without a post: ``failed``, or ``unknown`` when the post may be in the chat."""
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.leased_by == lease.owner)
        .values(status=status, error=error[:500], lease_until=None)
    )


@dataclass(frozen=True)
class Postponed:
    """A post Telegram did not take (it answered 5xx or 429, or no connection was made)."""

    job: DeliveryJob
    error: str
    not_before: timedelta = timedelta(0)  # Telegram's retry_after
    parts_sent: int = 0  # of a post split into several messages: those now in the chat


def retry_delay(failed_attempts: int) -> timedelta:
    """The wait after the ``failed_attempts``-th refused send: doubling, within bounds."""
    return min(LONGEST_RETRY_DELAY, FIRST_RETRY_DELAY * (1 << min(failed_attempts - 1, 10)))


async def postpone(
    session: AsyncSession, posts: Sequence[Postponed], now: datetime, grace: timedelta,
    lease: Lease,
) -> None:
    """Each post is due again after a growing delay, never before Telegram's ``retry_after``;
    one that cannot be tried again before its slot's grace runs out fails for good."""
    rows = []
    for post in posts:
        failed_attempts = post.job.failed_attempts + 1
        last_try = post.job.slot_at + grace - LAST_TRY_MARGIN
        earliest = now + post.not_before
        gives_up = now >= last_try or earliest > last_try
        attempt_at = None if gives_up else min(
            max(now + retry_delay(failed_attempts), earliest), last_try)
        if attempt_at is None:
            logger.warning("chat %s: gave up the daily post of %s after %d attempts: %s",
                           post.job.chat_id, post.job.slot_at.isoformat(), failed_attempts,
                           post.error)
        else:
            logger.info("chat %s: the daily post was not taken (%s); next try at %s",
                        post.job.chat_id, post.error, attempt_at.isoformat())
        rows.append({
            "delivery_id": post.job.delivery_id,
            "new_status": DeliveryStatus.FAILED if gives_up else DeliveryStatus.CLAIMED,
            "attempt_at": attempt_at,
            "failed": failed_attempts,
            "parts": post.parts_sent,
            "last_error": (f"gave up after {failed_attempts} attempts: {post.error}"
                           if gives_up else post.error)[:500],
        })
    if rows:
        table = Delivery.metadata.tables[Delivery.__tablename__]
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("delivery_id"), table.c.leased_by == lease.owner)
            .values(status=bindparam("new_status"), next_attempt_at=bindparam("attempt_at"),
                    failed_attempts=bindparam("failed"), parts_sent=bindparam("parts"),
                    error=bindparam("last_error"), leased_by=None, lease_until=None),
            rows,
        )


async def redirect_delivery(
    session: AsyncSession, delivery_id: int, chat_id: int, lease: Lease
) -> None:
    """The chat moved (a group became a supergroup): send the same post to its new id."""
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id, Delivery.leased_by == lease.owner)
        .values(status=DeliveryStatus.CLAIMED, chat_id=chat_id, leased_by=None, lease_until=None)
    )


# --- revealing ---------------------------------------------------------------------------------


async def start_revealing(
    session: AsyncSession, now: datetime, limit: int, lease: Lease
) -> list[RevealJob]:
    """The next ``limit`` sent posts whose answer is due, marked ``revealing`` by this replica."""
    rows = (await session.execute(
        select(Delivery, Subscription.thread_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(Delivery.reveal_due_at <= now)
        .order_by(Delivery.reveal_due_at, Delivery.id).limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )).all()
    poll_ids = [delivery.poll_id for delivery, _ in rows if delivery.poll_id is not None]
    orders: dict[str, list[int] | None] = dict((await session.execute(
        select(SentPoll.poll_id, SentPoll.option_order).where(SentPoll.poll_id.in_(poll_ids))
    )).all()) if poll_ids else {}
    jobs = []
    for delivery, thread_id in rows:
        delivery.reveal_due_at = None
        delivery.status = DeliveryStatus.REVEALING
        delivery.leased_by = lease.owner
        delivery.lease_until = lease.until
        assert delivery.item_id is not None
        assert delivery.message_id is not None
        order = orders.get(delivery.poll_id) if delivery.poll_id is not None else None
        jobs.append(RevealJob(delivery.id, delivery.subscription_id, delivery.chat_id,
                              delivery.item_id, delivery.message_id, delivery.poll_id,
                              tuple(order) if order is not None else None, thread_id or None))
    await session.flush()
    return jobs


async def complete_reveal(
    session: AsyncSession, delivery_id: int, now: datetime, error: str | None = None
) -> None:
    await session.execute(
        update(Delivery).where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.REVEALED, revealed_at=now,
                error=error[:500] if error else None, lease_until=None)
    )


@dataclass(frozen=True)
class Tally:
    """How a quiz went in its chat, from the answers the bot recorded."""

    answered: int
    correct: int  # chose exactly the right options


async def tally(session: AsyncSession, poll_id: str) -> Tally:
    row = (await session.execute(
        select(func.count(), func.count().filter(Attempt.is_correct))
        .where(Attempt.poll_id == poll_id)
    )).one()
    return Tally(int(row[0]), int(row[1]))


async def earliest_due(session: AsyncSession) -> datetime | None:
    """The next instant the loop has work: a subscription's slot, a claimed post (due since its
    claim, or since its next attempt after a refusal) or an answer to reveal.

    A post claimed but never attempted counts too: another replica may have claimed it while
    this one looked for work, and waits to be helped with the sending, not for the next slot.
    """
    next_slot = await session.scalar(select(func.min(Subscription.next_run_at)))
    next_send = await session.scalar(
        select(func.min(func.coalesce(Delivery.next_attempt_at, Delivery.claimed_at)))
        .where(Delivery.status == DeliveryStatus.CLAIMED)
    )
    next_reveal = await session.scalar(select(func.min(Delivery.reveal_due_at)))
    candidates = [instant for instant in (next_slot, next_send, next_reveal)
                  if instant is not None]
    return min(candidates) if candidates else None

