"""A learner's progress: accuracy per topic, streaks, cards seen / mastered / due, activity.

Answers are quiz attempts and self-grades (a self-grade other than "again" counts as correct).
Everything is counted by SQL aggregates; Python only folds the aggregated rows into local days.

Local days: SQLite knows no time zones, so answers are counted per quarter-hour of UTC in SQL
and the quarter-hours are mapped to the learner's dates with :mod:`zoneinfo`. Every UTC offset
in use is a whole number of quarter-hours, so one quarter-hour never straddles two local dates,
and the rows returned are bounded by the quarter-hours with activity, not by the answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fsrs import State
from sqlalchemy import ColumnElement, Integer, Subquery, case, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bot.platform.db.models import Attempt, Item, ReviewCard, SelfGrade, Topic
from bot.study.catalog import topic_title_column
from bot.study.grades import Grade

QUARTER_HOUR = 900  # seconds
HISTORY_DAYS = 30
# A new learner's chart starts at their first answer, but is never narrower than a week.
MIN_HISTORY_DAYS = 7
FORECAST_DAYS = 14
# "Mastered": FSRS stability of three weeks or more — the card would still be recalled with 90%
# probability 21 days after its last review — and the card is in the Review state (not being
# relearned after a lapse). 21 days is the classic "mature card" threshold of spaced repetition.
MASTERED_STABILITY_DAYS = 21.0


@dataclass(frozen=True)
class TopicAccuracy:
    topic_id: str
    title: str
    answers: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class DayActivity:
    day: date
    answers: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.answers if self.answers else None


@dataclass(frozen=True)
class Streaks:
    current: int
    best: int


@dataclass(frozen=True)
class CardCounts:
    seen: int
    mastered: int
    due_now: int


@dataclass(frozen=True)
class DueOnDay:
    day: date
    cards: int


@dataclass(frozen=True)
class WeakPoint:
    """A key point of an item, and how often the learner ticked it when grading the item."""

    topic_id: str
    topic_title: str
    point: str
    covered: int
    graded: int

    @property
    def share(self) -> float:
        return self.covered / self.graded


@dataclass(frozen=True)
class Progress:
    answers: int
    correct: int
    topics: list[TopicAccuracy]
    streaks: Streaks
    cards: CardCounts
    last_days: list[DayActivity]  # history_days() local days, the oldest first, ending today
    forecast: list[DueOnDay]  # FORECAST_DAYS local days from today; overdue cards count today
    weak_points: list[WeakPoint] = field(default_factory=list)  # see weakest_points

    @property
    def is_empty(self) -> bool:
        return self.answers == 0


# ------------------------------------------------------------------------------ pure rules


def streaks(days: Collection[date], today: date) -> Streaks:
    """Runs of consecutive days with at least one answer.

    The current streak ends today, or yesterday when nothing was answered yet today: the day is
    not over, so the streak is still alive until its end.
    """
    best = run = 0
    previous: date | None = None
    for day in sorted(days):
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        best = max(best, run)
        previous = day
    current = 0
    day = today if today in days else today - timedelta(days=1)
    while day in days:
        current += 1
        day -= timedelta(days=1)
    return Streaks(current=current, best=best)


def local_day(quarter: int, zone: ZoneInfo) -> date:
    """The learner's date of a quarter-hour of UTC (numbered from the epoch)."""
    return datetime.fromtimestamp(quarter * QUARTER_HOUR, UTC).astimezone(zone).date()


def fold_into_days(
    quarters: Iterable[tuple[int, int, int]], zone: ZoneInfo
) -> dict[date, DayActivity]:
    """(quarter, answers, correct) rows → activity per local date."""
    answers: Counter[date] = Counter()
    correct: Counter[date] = Counter()
    for quarter, count, right in quarters:
        day = local_day(quarter, zone)
        answers[day] += count
        correct[day] += right
    return {day: DayActivity(day, answers[day], correct[day]) for day in answers}


def history_days(first_day: date | None, today: date) -> int:
    """How many days the activity chart shows: from the first answer to today, at least
    ``MIN_HISTORY_DAYS`` and at most ``HISTORY_DAYS``."""
    since_first = (today - first_day).days + 1 if first_day is not None else 0
    return min(HISTORY_DAYS, max(MIN_HISTORY_DAYS, since_first))


def last_days(activity: dict[date, DayActivity], today: date, count: int) -> list[DayActivity]:
    days = (today - timedelta(days=offset) for offset in reversed(range(count)))
    return [activity.get(day, DayActivity(day, 0, 0)) for day in days]


def due_forecast(
    quarters: Iterable[tuple[int, int]], zone: ZoneInfo, today: date, count: int
) -> list[DueOnDay]:
    """(quarter of due, cards) rows → cards due per local day; anything earlier falls today."""
    per_day: Counter[date] = Counter()
    for quarter, cards in quarters:
        per_day[max(local_day(quarter, zone), today)] += cards
    return [DueOnDay(day, per_day[day])
            for day in (today + timedelta(days=offset) for offset in range(count))]


# Key points shown per topic in /stats: the few a learner most often leaves out.
WEAK_POINTS_PER_TOPIC = 3


@dataclass(frozen=True)
class PointsGrade:
    """One self-grade given with key points: the item's points and the indexes ticked."""

    topic_id: str
    topic_title: str
    points: list[str]
    covered: list[int]


def weakest_points(grades: Iterable[PointsGrade], per_topic: int) -> list[WeakPoint]:
    """Per topic (in the order first met), the ``per_topic`` key points ticked least often
    (by share, then by how often graded), leaving out those ticked every time."""
    tallies: dict[tuple[str, str], list[int]] = {}  # (topic, point) → [covered, graded]
    titles: dict[str, str] = {}
    for grade in grades:
        titles.setdefault(grade.topic_id, grade.topic_title)
        for index, point in enumerate(grade.points):
            tally = tallies.setdefault((grade.topic_id, point), [0, 0])
            tally[0] += index in grade.covered
            tally[1] += 1
    weak: list[WeakPoint] = []
    for topic_id, title in titles.items():
        missed = sorted(
            (WeakPoint(topic_id, title, point, covered, graded)
             for (topic, point), (covered, graded) in tallies.items()
             if topic == topic_id and covered < graded),
            key=lambda weak_point: (weak_point.share, -weak_point.graded),
        )
        weak.extend(missed[:per_topic])
    return weak


# ------------------------------------------------------------------------------ queries


class _quarter_hour(FunctionElement[int]):
    """The quarter-hour of UTC (numbered from the epoch) a timestamp falls in."""

    type = Integer()
    inherit_cache = True


@compiles(_quarter_hour, "sqlite")
def _quarter_hour_sqlite(element: _quarter_hour, compiler: Any, **kw: Any) -> str:
    return f"(CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER) / 900)"


@compiles(_quarter_hour, "postgresql")
def _quarter_hour_postgresql(element: _quarter_hour, compiler: Any, **kw: Any) -> str:
    argument = compiler.process(element.clauses, **kw)
    return f"(CAST(floor(EXTRACT(EPOCH FROM {argument})) AS BIGINT) / 900)"


def _answers(user_id: int) -> Subquery:
    """Every answer of the learner as (item_id, at, correct 0/1), quizzes and self-grades."""
    attempts = select(
        Attempt.item_id.label("item_id"),
        Attempt.answered_at.label("at"),
        case((Attempt.is_correct, 1), else_=0).label("correct"),
    ).where(Attempt.user_id == user_id)
    grades = select(
        SelfGrade.item_id.label("item_id"),
        SelfGrade.graded_at.label("at"),
        case((SelfGrade.grade == Grade.AGAIN.value, 0), else_=1).label("correct"),
    ).where(SelfGrade.user_id == user_id)
    return union_all(attempts, grades).subquery("answers")


async def activity_by_day(
    session: AsyncSession, user_id: int, zone: ZoneInfo
) -> dict[date, DayActivity]:
    """The whole history: the best streak needs it, and rows are bounded by active quarters."""
    answers = _answers(user_id)
    quarter = _quarter_hour(answers.c.at)
    rows = await session.execute(
        select(quarter, func.count(), func.sum(answers.c.correct)).group_by(quarter)
    )
    return fold_into_days(((int(q), int(n), int(c or 0)) for q, n, c in rows), zone)


async def topic_accuracy(
    session: AsyncSession, user_id: int, language: str
) -> list[TopicAccuracy]:
    """Per topic answered, the most answered first."""
    answers = _answers(user_id)
    title = topic_title_column(language)
    count = func.count().label("answers")
    rows = await session.execute(
        select(Topic.id, title, count, func.sum(answers.c.correct))
        .select_from(answers)
        .join(Item, Item.id == answers.c.item_id)
        .join(Topic, Topic.id == Item.topic_id)
        .group_by(Topic.id, title)
        .order_by(count.desc(), Topic.id)
    )
    return [TopicAccuracy(topic_id, name, int(n), int(c or 0)) for topic_id, name, n, c in rows]


async def points_grades(
    session: AsyncSession, user_id: int, language: str
) -> list[PointsGrade]:
    """The learner's self-grades given with key points, with the items' points as they read
    now (a point an edit removed is no longer counted)."""
    title = topic_title_column(language)
    rows = await session.execute(
        select(Topic.id, title, Item.document, SelfGrade.covered_points)
        .join(Item, Item.id == SelfGrade.item_id)
        .join(Topic, Topic.id == Item.topic_id)
        .where((SelfGrade.user_id == user_id) & SelfGrade.covered_points.is_not(None))
        .order_by(SelfGrade.id)
    )
    return [PointsGrade(topic_id, name, list(document.get("key_points") or []), covered or [])
            for topic_id, name, document, covered in rows]


# Seen is every card shown; due counts rated cards only, as the drill serves them (a card shown
# but never rated waits as a new one, see bot.drills.practice).
_rated = ReviewCard.reps > 0


async def card_counts(session: AsyncSession, user_id: int, now: datetime) -> CardCounts:
    mastered: ColumnElement[bool] = (ReviewCard.state == State.Review.value) & (
        ReviewCard.stability >= MASTERED_STABILITY_DAYS
    )
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((mastered, 1), else_=0)), 0),
                func.coalesce(func.sum(case((_rated & (ReviewCard.due <= now), 1), else_=0)), 0),
            ).where(ReviewCard.user_id == user_id)
        )
    ).one()
    return CardCounts(seen=int(row[0]), mastered=int(row[1]), due_now=int(row[2]))


async def forecast(
    session: AsyncSession, user_id: int, zone: ZoneInfo, now: datetime, days: int
) -> list[DueOnDay]:
    today = now.astimezone(zone).date()
    horizon = now + timedelta(days=days + 1)
    quarter = _quarter_hour(ReviewCard.due)
    rows = await session.execute(
        select(quarter, func.count())
        .where((ReviewCard.user_id == user_id) & _rated & (ReviewCard.due < horizon))
        .group_by(quarter)
    )
    return due_forecast(((int(q), int(n)) for q, n in rows), zone, today, days)


async def progress(
    session: AsyncSession, user_id: int, *, zone: ZoneInfo, language: str, now: datetime
) -> Progress:
    today = now.astimezone(zone).date()
    activity = await activity_by_day(session, user_id, zone)
    topics = await topic_accuracy(session, user_id, language)
    return Progress(
        answers=sum(day.answers for day in activity.values()),
        correct=sum(day.correct for day in activity.values()),
        topics=topics,
        streaks=streaks(activity.keys(), today),
        cards=await card_counts(session, user_id, now),
        last_days=last_days(activity, today, history_days(min(activity, default=None), today)),
        forecast=await forecast(session, user_id, zone, now, FORECAST_DAYS),
        weak_points=weakest_points(await points_grades(session, user_id, language),
                                   WEAK_POINTS_PER_TOPIC),
    )

