"""Private drills: which item a learner gets next, what was shown to them, and /drill sessions.

The next card, in order:

1. a due review (rated before, due now), the most overdue first;
2. a new item (never shown), while fewer than the learner's daily cap were introduced since
   their local midnight;
3. an item shown before but never rated (a skipped quiz, say): it was counted as new already;
4. with ``practice`` (the /quiz, /question, /task commands, which always serve something):
   the rated card due soonest, then a new item beyond the cap.

Every step is one small query over indexes: cards by (user, due), items by primary key, the
card of (user, item) by primary key. A new item is the first unseen one at or after a random
item id (wrapping around), so no step counts or loads the bank; an item right after a long run
of seen ones is a little likelier, and every item is reached.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from bot.content.schema import Kind
from bot.db.models import Attempt, DrillSession, Item, ItemView, ReviewCard, SelfGrade, SentPoll
from bot.db.upsert import insert_for
from bot.services.catalog import Card, load_card
from bot.services.learners import Learner, day_start
from bot.services.srs import new_card

REVIEWABLE_KINDS = frozenset({Kind.QUIZ, Kind.QUESTION, Kind.TASK})
DRILL_SIZE = 10


@dataclass(frozen=True)
class CardFilter:
    """Which items may be served: kinds, and topics (empty means every topic)."""

    kinds: frozenset[Kind]
    topic_ids: frozenset[str] = frozenset()

    def condition(self) -> ColumnElement[bool]:
        condition = Item.archived_at.is_(None) & Item.kind.in_(
            sorted(kind.value for kind in self.kinds)
        )
        if self.topic_ids:
            condition &= Item.topic_id.in_(sorted(self.topic_ids))
        return condition


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
    topics = frozenset({topic_id}) if topic_id else learner.topic_ids
    allowed = CardFilter(frozenset(kinds), topics).condition()
    user = learner.user_id
    rated = ReviewCard.reps > 0
    item_id = await _first_card(session, user, allowed, rated & (ReviewCard.due <= now))
    if item_id is None and await introduced_since(
        session, user, learner.local_day_start(now)
    ) < learner.new_cards_per_day:
        item_id = await _new_item(session, user, allowed, rng)
    if item_id is None:
        item_id = await _first_card(session, user, allowed, ReviewCard.reps == 0,
                                    order=ReviewCard.introduced_at)
    if item_id is None and practice:
        item_id = await _first_card(session, user, allowed, rated)
        if item_id is None:
            item_id = await _new_item(session, user, allowed, rng)
    return item_id


async def _first_card(
    session: AsyncSession,
    user_id: int,
    allowed: ColumnElement[bool],
    condition: ColumnElement[bool],
    order: QueryableAttribute[datetime] = ReviewCard.due,
) -> int | None:
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


async def record_sent_poll(
    session: AsyncSession,
    *,
    poll_id: str,
    item_id: int,
    chat_id: int,
    message_id: int,
    correct_option_ids: list[int],
    now: datetime,
) -> None:
    session.add(
        SentPoll(poll_id=poll_id, item_id=item_id, chat_id=chat_id, message_id=message_id,
                 correct_option_ids=correct_option_ids, sent_at=now)
    )
    await session.flush()


# /drill sessions


@dataclass(frozen=True)
class DrillSummary:
    served: int
    answered: int
    correct: int
    due_tomorrow: int


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


async def next_drill_card(
    session: AsyncSession, learner: Learner, now: datetime, rng: Random
) -> Card | None:
    """The drill's next card, now on screen; None when the drill is over or there is none."""
    drill = await session.get(DrillSession, learner.user_id)
    if drill is None or drill.served >= drill.size:
        return None
    card = await next_card(session, learner, REVIEWABLE_KINDS, now, rng,
                           topic_id=drill.topic_id, practice=False)
    if card is not None:
        drill.served += 1
        drill.current_item_id = card.id
        await session.flush()
    return card


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
    user = learner.user_id
    quiz_answers = (
        await session.execute(
            select(func.count(), func.count().filter(Attempt.is_correct))
            .where((Attempt.user_id == user) & (Attempt.answered_at >= since))
        )
    ).one()
    grades = (
        await session.execute(
            select(func.count(), func.count().filter(SelfGrade.grade != "again"))
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
                        correct=quiz_answers[1] + grades[1], due_tomorrow=due or 0)
