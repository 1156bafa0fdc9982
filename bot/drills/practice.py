"""Private drills: which item a learner gets next, what was shown to them, and /drill sessions.

A drill (``/drill``, reminders) serves, in order:

1. a due review (rated before, due now), the most overdue first, while fewer than
   ``MAX_REVIEWS_PER_DAY`` were reviewed since their local midnight (``backlog.py``: the rest
   of a backlog, and new items, wait for the next days);
2. a new item (never shown), while fewer than the learner's daily cap were introduced since
   their local midnight;

(with an interview date ahead, ``bot.drills.exam.drill_pace`` raises the cap to the plan, serves
the interview's items first and, in its last days, counts its cards as due: see there)
3. an item shown before but never rated (a skipped quiz, say): it was counted as new already.

Practice (``/quiz``, ``/question``, ``/task`` and their "Next") is a learner asking for more, so
it always serves something and never the card they have just seen (within the hour), unless
it is the only one:

1. a due review, the most overdue first;
2. a new item, whatever the daily cap (the cap paces what drills introduce);
3. the item seen longest ago, so that every item comes round before any comes back.

Every step is one small query over indexes: cards by (user, due), items by primary key, the
card of (user, item) by primary key, views by (user, shown). A new item is the first unseen one
at or after a random item id (wrapping around), so no step counts or loads the bank; an item
right after a long run of seen ones is a little likelier, and every item is reached.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from random import Random

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from bot.drills.backlog import reviews_left_today
from bot.drills.exam import review_pace, with_new_cards_plan
from bot.platform.content.schema import Difficulty, Kind
from bot.platform.db.models import (
    Attempt,
    DrillSession,
    Item,
    ItemView,
    ReviewCard,
    SelfGrade,
    SentPoll,
)
from bot.platform.db.upsert import insert_for
from bot.study.catalog import Card, load_card
from bot.study.grades import Grade
from bot.study.learners import Learner, day_start
from bot.study.srs import new_card

REVIEWABLE_KINDS = frozenset({Kind.QUIZ, Kind.QUESTION, Kind.TASK})
DRILL_SIZE = 10
# The card shown last within this sitting is not served again by "Next" (a card graded
# "Again" is due a minute later); one left on screen since yesterday may come back when due.
JUST_SEEN = timedelta(hours=1)


@dataclass(frozen=True)
class CardFilter:
    """Which items may be served: kinds, topics (empty means every topic) and a level (None
    means every level)."""

    kinds: frozenset[Kind]
    topic_ids: frozenset[str] = frozenset()
    level: Difficulty | None = None

    def condition(self) -> ColumnElement[bool]:
        condition = Item.archived_at.is_(None) & Item.kind.in_(
            sorted(kind.value for kind in self.kinds)
        )
        if self.topic_ids:
            condition &= Item.topic_id.in_(sorted(self.topic_ids))
        if self.level is not None:
            condition &= Item.difficulty == self.level.value
        return condition

    @classmethod
    def of(cls, learner: Learner, kinds: Collection[Kind], topic_id: str | None) -> CardFilter:
        """The learner's topics and level; ``topic_id`` overrides their topics."""
        topics = frozenset({topic_id}) if topic_id else learner.topic_ids
        return cls(frozenset(kinds), topics, learner.level)


async def next_card(
    session: AsyncSession,
    learner: Learner,
    kinds: Collection[Kind],
    now: datetime,
    rng: Random,
    *,
    topic_id: str | None = None,
    practice: bool = True,
) -> Card | None:
    """The card ``learner`` should see now (see the module docstring); ``topic_id`` overrides
    their topic selection. None when nothing is due and, unless ``practice``, the cap is met."""
    item_id = await choose_item(session, learner, kinds, now, rng, topic_id=topic_id,
                                practice=practice)
    return await load_card(session, item_id) if item_id is not None else None


async def choose_item(
    session: AsyncSession,
    learner: Learner,
    kinds: Collection[Kind],
    now: datetime,
    rng: Random,
    *,
    topic_id: str | None = None,
    practice: bool = True,
) -> int | None:
    """The id of the item ``next_card`` serves: the choice alone, without loading content."""
    allowed = CardFilter.of(learner, kinds, topic_id).condition()
    user = learner.user_id
    if practice:
        return await _practice_item(session, user, allowed, now, rng)
    pace = await review_pace(session, learner, now)
    item_id = await _first_card(session, user, allowed, (ReviewCard.reps > 0) & pace.due)
    if item_id is not None and await reviews_left_today(session, learner, now) == 0:
        return None  # the backlog waits for tomorrow, and new items behind it
    if item_id is None:  # the interview's plan matters only for new cards
        pace = await with_new_cards_plan(session, learner, pace, now)
    if item_id is None and await _under_daily_cap(session, learner, now,
                                                  pace.new_cards_per_day):
        if pace.new_items_first is not None and topic_id is None:
            # An interview ahead: its items first, whatever the learner's /topics.
            everything = CardFilter(frozenset(kinds)).condition()
            item_id = await _new_item(session, user, everything & pace.new_items_first, rng)
        if item_id is None:
            item_id = await _new_item(session, user, allowed, rng)
    if item_id is None:
        item_id = await _first_card(session, user, allowed, ReviewCard.reps == 0,
                                    order=ReviewCard.introduced_at)
    return item_id


async def _practice_item(
    session: AsyncSession, user_id: int, allowed: ColumnElement[bool], now: datetime,
    rng: Random,
) -> int | None:
    just_seen = await session.scalar(
        select(ItemView.item_id)
        .where((ItemView.user_id == user_id) & (ItemView.shown_at > now - JUST_SEEN))
        .order_by(ItemView.shown_at.desc(), ItemView.id.desc()).limit(1)
    )
    others = allowed if just_seen is None else allowed & (Item.id != just_seen)
    item_id = await _first_card(session, user_id, others, ReviewCard.reps > 0, due_by=now)
    if item_id is None:
        item_id = await _new_item(session, user_id, allowed, rng)
    if item_id is None:
        item_id = await _seen_longest_ago(session, user_id, others)
    if item_id is None and just_seen is not None:
        item_id = await session.scalar(select(Item.id).where(allowed & (Item.id == just_seen)))
    return item_id


async def _under_daily_cap(
    session: AsyncSession, learner: Learner, now: datetime, cap: int
) -> bool:
    introduced = await introduced_since(session, learner.user_id, learner.local_day_start(now))
    return introduced < cap


async def _seen_longest_ago(
    session: AsyncSession, user_id: int, allowed: ColumnElement[bool]
) -> int | None:
    return await session.scalar(
        select(ItemView.item_id)
        .join(Item, Item.id == ItemView.item_id)
        .where((ItemView.user_id == user_id) & allowed)
        .group_by(ItemView.item_id)
        .order_by(func.max(ItemView.shown_at), ItemView.item_id)
        .limit(1)
    )


class NoCardReason(StrEnum):
    """Why a drill has nothing to serve: the learner is told which."""

    NO_ITEMS = "no-items"  # nothing of these kinds in these topics
    REVIEW_CAP = "review-cap"  # due reviews wait for the next days
    DAILY_CAP = "daily-cap"  # unseen items wait for tomorrow's cap
    ALL_DONE = "all-done"  # every item seen, none due


async def why_no_card(
    session: AsyncSession, learner: Learner, kinds: Collection[Kind],
    *, topic_id: str | None = None, now: datetime | None = None,
) -> NoCardReason:
    allowed = CardFilter.of(learner, kinds, topic_id).condition()
    if await session.scalar(select(Item.id).where(allowed).limit(1)) is None:
        return NoCardReason.NO_ITEMS
    if now is not None and await _first_card(session, learner.user_id, allowed,
                                             ReviewCard.reps > 0, due_by=now) is not None:
        return NoCardReason.REVIEW_CAP  # a review is due, and the drill served none
    unseen = ~exists().where((ReviewCard.user_id == learner.user_id)
                             & (ReviewCard.item_id == Item.id))
    if await session.scalar(select(Item.id).where(allowed & unseen).limit(1)) is not None:
        return NoCardReason.DAILY_CAP
    return NoCardReason.ALL_DONE


async def _first_card(
    session: AsyncSession,
    user_id: int,
    allowed: ColumnElement[bool],
    condition: ColumnElement[bool],
    order: QueryableAttribute[datetime] = ReviewCard.due,
    due_by: datetime | None = None,
) -> int | None:
    if due_by is not None:
        condition &= ReviewCard.due <= due_by
    return await session.scalar(
        select(ReviewCard.item_id)
        .join(Item, Item.id == ReviewCard.item_id)
        .where((ReviewCard.user_id == user_id) & condition & allowed)
        .order_by(order)
        .limit(1)
    )


async def _new_item(
    session: AsyncSession, user_id: int, allowed: ColumnElement[bool], rng: Random
) -> int | None:
    unseen = ~exists().where((ReviewCard.user_id == user_id) & (ReviewCard.item_id == Item.id))
    return await _random_item(session, allowed & unseen, rng)


async def next_chat_quiz(session: AsyncSession, chat_id: int, rng: Random) -> Card | None:
    """A random active quiz not yet posted as a poll in the chat; any quiz once all were."""
    allowed = CardFilter(frozenset({Kind.QUIZ})).condition()
    posted = exists().where((SentPoll.chat_id == chat_id) & (SentPoll.item_id == Item.id))
    item_id = await _random_item(session, allowed & ~posted, rng)
    if item_id is None:
        item_id = await _random_item(session, allowed, rng)
    return await load_card(session, item_id) if item_id is not None else None


async def _random_item(
    session: AsyncSession, condition: ColumnElement[bool], rng: Random
) -> int | None:
    """The first item meeting ``condition`` from a random id on, wrapping around: two indexed
    lookups at most, whatever the size of the bank."""
    last_id = await session.scalar(select(func.max(Item.id)))
    if last_id is None:
        return None
    start = rng.randint(1, last_id)
    for window in (Item.id >= start, Item.id < start):
        item_id = await session.scalar(
            select(Item.id).where(condition & window).order_by(Item.id).limit(1)
        )
        if item_id is not None:
            return item_id
    return None


async def introduced_since(session: AsyncSession, user_id: int, since: datetime) -> int:
    """How many items the learner met for the first time since ``since``."""
    count = await session.scalar(
        select(func.count()).select_from(ReviewCard)
        .where((ReviewCard.user_id == user_id) & (ReviewCard.introduced_at >= since))
    )
    return count or 0


async def record_view(
    session: AsyncSession, user_id: int, item_id: int, kind: Kind, now: datetime
) -> None:
    """The item was shown; the first showing of a reviewable item introduces its card."""
    session.add(ItemView(user_id=user_id, item_id=item_id, shown_at=now))
    await session.flush()
    if kind in REVIEWABLE_KINDS:
        card = new_card(user_id, item_id, now)
        columns = ("user_id", "item_id", "state", "step", "due", "reps", "lapses",
                   "introduced_at")
        await session.execute(
            insert_for(session, ReviewCard)
            .values({column: getattr(card, column) for column in columns})
            .on_conflict_do_nothing(index_elements=[ReviewCard.user_id, ReviewCard.item_id])
        )


# /drill sessions


@dataclass(frozen=True)
class DrillSummary:
    served: int
    answered: int
    correct: int
    due_tomorrow: int
    size: int = DRILL_SIZE
    ended_early: NoCardReason | None = None  # why fewer than ``size`` cards were served


async def start_drill(
    session: AsyncSession, user_id: int, now: datetime, *, size: int = DRILL_SIZE,
    topic_id: str | None = None,
) -> None:
    """Start a drill, replacing one left unfinished."""
    values = {"user_id": user_id, "topic_id": topic_id, "size": size, "served": 0,
              "current_item_id": None, "started_at": now}
    statement = insert_for(session, DrillSession).values(values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[DrillSession.user_id],
        set_={key: value for key, value in values.items() if key != "user_id"},
    ))


@dataclass(frozen=True)
class DrillCard:
    """A card of a drill and where it stands in it: the ``position``-th of ``size``."""

    card: Card
    position: int
    size: int


async def next_drill_card(
    session: AsyncSession, learner: Learner, now: datetime, rng: Random
) -> DrillCard | None:
    """The drill's next card, now on screen; None when the drill is over or there is none."""
    drill = await session.get(DrillSession, learner.user_id)
    if drill is None or drill.served >= drill.size:
        return None
    card = await next_card(session, learner, REVIEWABLE_KINDS, now, rng,
                           topic_id=drill.topic_id, practice=False)
    if card is None:
        return None
    drill.served += 1
    drill.current_item_id = card.id
    await session.flush()
    return DrillCard(card, drill.served, drill.size)


async def is_drill_card(session: AsyncSession, user_id: int, item_id: int) -> bool:
    """Whether ``item_id`` is the card on screen in the learner's drill."""
    current = await session.scalar(
        select(DrillSession.current_item_id).where(DrillSession.user_id == user_id)
    )
    return current == item_id


async def finish_drill(session: AsyncSession, learner: Learner, now: datetime) -> DrillSummary:
    """End the drill: what was answered since it started, and how much is due by the end of
    the learner's local tomorrow."""
    drill = await session.get(DrillSession, learner.user_id)
    since, served = (drill.started_at, drill.served) if drill else (now, 0)
    size = drill.size if drill else DRILL_SIZE
    ended_early = (
        await why_no_card(session, learner, REVIEWABLE_KINDS,
                          topic_id=drill.topic_id if drill else None, now=now)
        if served < size else None
    )
    user = learner.user_id
    quiz_answers = (
        await session.execute(
            select(func.count(), func.count().filter(Attempt.is_correct))
            .where((Attempt.user_id == user) & (Attempt.answered_at >= since))
        )
    ).one()
    grades = (
        await session.execute(
            select(func.count(), func.count().filter(SelfGrade.grade != Grade.AGAIN.value))
            .where((SelfGrade.user_id == user) & (SelfGrade.graded_at >= since))
        )
    ).one()
    end_of_tomorrow = day_start(now.astimezone(learner.zone).date() + timedelta(days=2),
                                learner.zone)
    due = await session.scalar(
        select(func.count()).select_from(ReviewCard)
        .join(Item, Item.id == ReviewCard.item_id)
        .where((ReviewCard.user_id == user) & (ReviewCard.reps > 0)
               & (ReviewCard.due < end_of_tomorrow) & Item.archived_at.is_(None))
    )
    await session.execute(delete(DrillSession).where(DrillSession.user_id == user))
    return DrillSummary(served=served, answered=quiz_answers[0] + grades[0],
                        correct=quiz_answers[1] + grades[1], due_tomorrow=due or 0,
                        size=size, ended_early=ended_early)
