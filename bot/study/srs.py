"""Spaced repetition: how an answer rates, and FSRS (the ``fsrs`` package) scheduling the card.

The rating of a quiz answer (documented in docs/features.md, "Spaced repetition"):

- wrong → Again;
- right, and the card lapsed recently (its last rating was Again, or it is relearning) → Hard:
  one right answer right after forgetting is not yet proof of recall;
- right within ``FAST_ANSWER`` of the poll being sent → Easy;
- right otherwise → Good.

Open questions and tasks are rated by the learner's own Again/Hard/Good/Easy self-grade
(``Grade.rating`` in :mod:`bot.study.grades`).

Card state is written in the caller's transaction, next to the attempt or grade it follows, so a
rolled-back answer never moves a due date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from fsrs import Card as FsrsCard
from fsrs import Rating, Scheduler, State
from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import ReviewCard
from bot.platform.db.upsert import upsert_for

# Reading a question and four options and tapping the right one takes a fluent learner well
# under this; a learner who has to work the answer out takes longer.
FAST_ANSWER = timedelta(seconds=15)

# Fuzzing would draw from the ``random`` module's global state, which the app does not inject;
# without it the schedule is a pure function of the ratings, which is also what tests need.
SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(slots=True)
class CardState:
    """A ``ReviewCard`` row as plain values.

    Scheduling a busy group's answers touches a card per answer: ORM instances, with their
    attribute instrumentation, took three quarters of a batch's write time.
    """

    user_id: int
    item_id: int
    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    last_rating: int | None
    reps: int
    lapses: int
    introduced_at: datetime


@dataclass(frozen=True)
class QuizAnswer:
    """A quiz answer, rated against the card's history when the review is applied."""

    is_correct: bool
    answer_time: timedelta


@dataclass(frozen=True)
class Review:
    user_id: int
    item_id: int
    at: datetime
    outcome: Rating | QuizAnswer


def quiz_rating(
    *, is_correct: bool, answer_time: timedelta, last_rating: Rating | None, state: State | None
) -> Rating:
    """The FSRS rating of a quiz answer (see the module docstring)."""
    if not is_correct:
        return Rating.Again
    if last_rating is Rating.Again or state is State.Relearning:
        return Rating.Hard
    if answer_time <= FAST_ANSWER:
        return Rating.Easy
    return Rating.Good


def fsrs_card(row: CardState) -> FsrsCard:
    return FsrsCard(
        card_id=row.item_id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=row.due.astimezone(UTC),
        last_review=row.last_review.astimezone(UTC) if row.last_review else None,
    )


def new_card(user_id: int, item_id: int, at: datetime) -> CardState:
    """A card never rated: FSRS's initial state, due at once."""
    fresh = FsrsCard(card_id=item_id, due=at)
    return CardState(
        user_id=user_id, item_id=item_id, state=fresh.state.value, step=fresh.step,
        stability=None, difficulty=None, due=at, last_review=None, last_rating=None,
        reps=0, lapses=0, introduced_at=at,
    )


def apply_review(row: CardState, outcome: Rating | QuizAnswer, at: datetime) -> Rating:
    """Rate ``outcome`` against ``row``'s history and move ``row`` on; returns the rating."""
    at = at.astimezone(UTC)
    state = State(row.state)
    if isinstance(outcome, QuizAnswer):
        last = Rating(row.last_rating) if row.last_rating is not None else None
        rating = quiz_rating(is_correct=outcome.is_correct, answer_time=outcome.answer_time,
                             last_rating=last, state=state)
    else:
        rating = outcome
    card, _ = SCHEDULER.review_card(fsrs_card(row), rating, review_datetime=at)
    row.state = card.state.value
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review
    row.last_rating = rating.value
    row.reps += 1
    # A lapse is forgetting a card that had graduated to review, as in Anki and FSRS papers.
    if rating is Rating.Again and state is State.Review:
        row.lapses += 1
    return rating


def preview_intervals(row: CardState, at: datetime) -> dict[Rating, timedelta]:
    """How long until the card comes back after each rating given at ``at``: FSRS's own
    scheduler run on a copy of the card, as Anki shows above its buttons."""
    at = at.astimezone(UTC)
    return {rating: SCHEDULER.review_card(fsrs_card(row), rating, review_datetime=at)[0].due - at
            for rating in Rating}


def retrievability(row: CardState, at: datetime) -> float:
    """FSRS's predicted probability of recalling the card at ``at``; 0 for a card never rated."""
    if row.reps == 0:
        return 0.0
    return float(SCHEDULER.get_card_retrievability(fsrs_card(row), at.astimezone(UTC)))


def schedule_snapshot(row: CardState) -> dict[str, Any]:
    """The card's schedule as JSON values, to be put back by ``restore_schedule``."""
    snapshot = {column: getattr(row, column) for column in _SCHEDULE_COLUMNS}
    for column in ("due", "last_review"):
        if snapshot[column] is not None:
            snapshot[column] = snapshot[column].astimezone(UTC).isoformat()
    return snapshot


def restored_schedule(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``schedule_snapshot``'s values as column values again."""
    values = dict(snapshot)
    for column in ("due", "last_review"):
        if values[column] is not None:
            values[column] = datetime.fromisoformat(values[column])
    return values


async def load_card_state(session: AsyncSession, user_id: int, item_id: int) -> CardState | None:
    row = (await session.execute(
        select(ReviewCard.__table__).where((ReviewCard.user_id == user_id)
                                           & (ReviewCard.item_id == item_id))
    )).one_or_none()
    return CardState(**row._asdict()) if row is not None else None


_CARD_COLUMNS = tuple(field.name for field in fields(CardState))
_SCHEDULE_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review",
                     "last_rating", "reps", "lapses")


async def review_many(session: AsyncSession, reviews: Sequence[Review]) -> list[CardState]:
    """Apply reviews in order, whatever their number, in two statements: one SELECT of the
    cards, one upsert. Returns the cards as they end up."""
    if not reviews:
        return []
    keys = {(review.user_id, review.item_id) for review in reviews}
    rows = await session.execute(
        select(ReviewCard.__table__).where(
            tuple_(ReviewCard.user_id, ReviewCard.item_id).in_(sorted(keys))
        )
    )
    cards = {(row.user_id, row.item_id): CardState(**row._asdict()) for row in rows}
    for review in reviews:
        key = (review.user_id, review.item_id)
        card = cards.get(key) or cards.setdefault(key, new_card(*key, review.at))
        apply_review(card, review.outcome, review.at)
    statement = upsert_for(session, ReviewCard, ("user_id", "item_id"), _SCHEDULE_COLUMNS)
    await session.execute(statement, [{column: getattr(card, column) for column in _CARD_COLUMNS}
                                      for card in cards.values()])
    return list(cards.values())


async def review(
    session: AsyncSession, user_id: int, item_id: int, rating: Rating, at: datetime
) -> CardState:
    (card,) = await review_many(session, [Review(user_id, item_id, at, rating)])
    return card
