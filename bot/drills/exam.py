"""The learner's interview date (/exam): the plan of new cards a day to reach it, readiness on
the day, the last days' reviews, and asking afterwards how it went.

Scope: the items an interview covers are the active quizzes, questions and tasks of its topics
(none named: the learner's /topics choice) up to its level (Junior ⊂ Middle ⊂ Senior: a Middle
interview asks Junior questions too; none named: every level).

The plan: every item of the scope seen by ``ALL_SEEN_DAYS_BEFORE`` days before the date, the
items still unseen at the start of today spread evenly over the days left (today included); the
drill's daily new-card cap rises to that, up to ``MAX_NEW_CARDS_PER_DAY``.

The last days: from ``FINAL_REVIEW_DAYS`` days before the date to its end, every card of the
scope not reviewed since that window opened counts as due, wherever FSRS put its due date. We
chose this over raising FSRS's desired retention: a higher retention shortens every interval
from then on and still leaves a card reviewed a week before the date untouched until after it,
while one review inside the window puts each card's recall on the day near its peak, costs one
review per card, and changes no stored schedule — after the date the ordinary due dates apply
again by themselves. The window is the two days the plan keeps free of new items.

Readiness per topic: the mean of FSRS's predicted recall of the topic's items at noon of the
interview day, an item never rated counting 0.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.schema import Difficulty, Kind
from bot.platform.db.models import ExamPlan, Item, ReviewCard, Topic
from bot.platform.db.upsert import insert_for
from bot.platform.recurrence import occurrence_at
from bot.study.catalog import topic_title_column
from bot.study.learners import MAX_NEW_CARDS_PER_DAY, Learner, day_start
from bot.study.srs import CardState, retrievability

ALL_SEEN_DAYS_BEFORE = 2
FINAL_REVIEW_DAYS = 2
INTERVIEW_TIME = time(12, 0)  # when on the day recall is predicted
LEVELS = tuple(Difficulty)  # easiest first
EXAM_KINDS = (Kind.QUIZ.value, Kind.QUESTION.value, Kind.TASK.value)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\.(\d{1,2})\.(\d{4})")


class ExamOutcome(StrEnum):
    """How the learner says the interview went."""

    GOOD = "good"
    SO_SO = "so-so"
    BAD = "bad"


@dataclass(frozen=True)
class Exam:
    exam_on: date
    level: Difficulty | None
    topic_ids: frozenset[str]  # empty: the learner's /topics choice
    asked_at: datetime | None


@dataclass(frozen=True)
class ExamRequest:
    """``/exam 2026-12-20 middle metrics ab-testing`` parsed (topics not checked yet)."""

    exam_on: date
    level: Difficulty | None
    topic_ids: frozenset[str]


# ------------------------------------------------------------------------------ pure rules


def parse_exam_request(text: str) -> ExamRequest | None:
    """A date (2026-12-20 or 20.12.2026), then optionally a level and topic ids, separated by
    spaces or commas; None when the date is missing or invalid, or a level repeats."""
    words = [word for word in re.split(r"[\s,]+", text.strip().lower()) if word]
    if not words or (match := _DATE.fullmatch(words[0])) is None:
        return None
    year, month, day = (match.group(1, 2, 3) if match.group(1)
                        else (match.group(6), match.group(5), match.group(4)))
    try:
        exam_on = date(int(year), int(month), int(day))
    except ValueError:
        return None
    levels = [Difficulty(word) for word in words[1:] if word in set(LEVELS)]
    if len(levels) > 1:
        return None
    topics = frozenset(word for word in words[1:] if word not in set(LEVELS))
    return ExamRequest(exam_on, levels[0] if levels else None, topics)


def daily_new_plan(unseen: int, today: date, exam_on: date) -> int:
    """New items a day so that the ``unseen`` ones (at the start of today) are all seen
    ``ALL_SEEN_DAYS_BEFORE`` days before the date, spread evenly over the days left, today
    included; all of them today when that day has come."""
    if unseen <= 0:
        return 0
    days_left = (exam_on - timedelta(days=ALL_SEEN_DAYS_BEFORE) - today).days + 1
    return math.ceil(unseen / max(1, days_left))


def raised_cap(own_cap: int, plan: int) -> int:
    """The daily new-card cap with an interview ahead: the plan when it asks for more than the
    learner's own cap, never above ``MAX_NEW_CARDS_PER_DAY``."""
    return max(own_cap, min(plan, MAX_NEW_CARDS_PER_DAY))


def readiness(recalls: Iterable[float], items: int) -> float:
    """The mean predicted recall over ``items``, those without a recall (unseen) counting 0."""
    return sum(recalls) / items if items else 0.0


def final_review_start(exam_on: date, learner: Learner) -> datetime:
    return day_start(exam_on - timedelta(days=FINAL_REVIEW_DAYS), learner.zone)


def exam_end(exam_on: date, learner: Learner) -> datetime:
    return day_start(exam_on + timedelta(days=1), learner.zone)


def effective_due(due: datetime, last_review: datetime | None, window_start: datetime) -> datetime:
    """When the drill serves a rated card of the scope: a card not reviewed since the final
    window opened is due at its start at the latest (see the module docstring)."""
    if last_review is not None and last_review >= window_start:
        return due
    return min(due, window_start)


def interview_moment(exam_on: date, learner: Learner) -> datetime:
    return occurrence_at(exam_on, INTERVIEW_TIME, learner.zone)


# ------------------------------------------------------------------------------ services


async def load_exam(session: AsyncSession, user_id: int) -> Exam | None:
    """The learner's interview, unless they already told how it went."""
    plan = await session.get(ExamPlan, user_id)
    if plan is None or plan.outcome is not None:
        return None
    return Exam(plan.exam_on, Difficulty(plan.level) if plan.level else None,
                frozenset(plan.topic_ids), plan.asked_at)


async def set_exam(
    session: AsyncSession, user_id: int, request: ExamRequest, now: datetime
) -> None:
    values = {"exam_on": request.exam_on, "level": request.level.value if request.level else None,
              "topic_ids": sorted(request.topic_ids), "set_at": now, "asked_at": None,
              "outcome": None}
    statement = insert_for(session, ExamPlan).values(user_id=user_id, **values)
    await session.execute(statement.on_conflict_do_update(
        index_elements=[ExamPlan.user_id], set_=values))


async def clear_exam(session: AsyncSession, user_id: int) -> bool:
    """Forget the interview date; False when there was none."""
    plan = await session.get(ExamPlan, user_id)
    if plan is None:
        return False
    await session.delete(plan)
    await session.flush()
    return True


async def unknown_topics(session: AsyncSession, topic_ids: Iterable[str]) -> list[str]:
    wanted = sorted(set(topic_ids))
    known = set(await session.scalars(select(Topic.id).where(Topic.id.in_(wanted))))
    return [topic_id for topic_id in wanted if topic_id not in known]


def in_scope(exam: Exam, learner: Learner) -> ColumnElement[bool]:
    """The items the interview covers (see the module docstring)."""
    condition = Item.archived_at.is_(None) & Item.kind.in_(EXAM_KINDS)
    topics = exam.topic_ids or learner.topic_ids
    if topics:
        condition &= Item.topic_id.in_(sorted(topics))
    if exam.level is not None:
        levels = LEVELS[:LEVELS.index(exam.level) + 1]
        condition &= Item.difficulty.in_([level.value for level in levels])
    return condition


@dataclass(frozen=True)
class DrillPace:
    """How a drill serves: which rated cards count as due, the daily cap of new cards, and
    which new items come first (None: any)."""

    due: ColumnElement[bool]
    new_cards_per_day: int
    new_items_first: ColumnElement[bool] | None = None
    plan: int | None = None  # new items a day the interview asks for
    exam: Exam | None = None


async def drill_pace(session: AsyncSession, learner: Learner, now: datetime) -> DrillPace:
    """The learner's own pace, or the one their interview ahead sets."""
    return await with_new_cards_plan(session, learner, await review_pace(session, learner, now),
                                     now)


async def review_pace(session: AsyncSession, learner: Learner, now: datetime) -> DrillPace:
    """``drill_pace`` without the interview's plan of new cards (the learner's own cap): what
    serving a due review needs, without counting the scope's unseen items."""
    exam = await load_exam(session, learner.user_id)
    if exam is None or now >= exam_end(exam.exam_on, learner):
        return DrillPace(ReviewCard.due <= now, learner.new_cards_per_day)
    scope = in_scope(exam, learner)
    window = final_review_start(exam.exam_on, learner)
    pulled = (ReviewCard.last_review < window) & scope if now >= window else None
    return DrillPace(
        due=(ReviewCard.due <= now) | pulled if pulled is not None else ReviewCard.due <= now,
        new_cards_per_day=learner.new_cards_per_day, new_items_first=scope, exam=exam,
    )


async def with_new_cards_plan(
    session: AsyncSession, learner: Learner, pace: DrillPace, now: datetime
) -> DrillPace:
    """``pace`` with the interview's plan of new cards for today, and the cap it raises."""
    if pace.exam is None or pace.plan is not None:
        return pace
    plan = await planned_new_today(session, learner, pace.exam, now)
    return replace(pace, new_cards_per_day=raised_cap(learner.new_cards_per_day, plan), plan=plan)


async def planned_new_today(
    session: AsyncSession, learner: Learner, exam: Exam, now: datetime
) -> int:
    """The plan for the learner's today: the scope's items not met before today, spread."""
    scope = in_scope(exam, learner)
    # All the scope's items less those met: the second count walks the learner's own cards; a
    # "not met" test per item of the bank cost milliseconds on every drill card.
    in_bank = select(func.count()).select_from(Item).where(scope).scalar_subquery()
    met = (select(func.count()).select_from(ReviewCard).join(Item, Item.id == ReviewCard.item_id)
           .where((ReviewCard.user_id == learner.user_id)
                  & (ReviewCard.introduced_at < learner.local_day_start(now)) & scope)
           .scalar_subquery())
    unseen = await session.scalar(select(in_bank - met))
    return daily_new_plan(unseen or 0, now.astimezone(learner.zone).date(), exam.exam_on)


@dataclass(frozen=True)
class TopicReadiness:
    topic_id: str
    title: str
    items: int
    readiness: float


@dataclass(frozen=True)
class Readiness:
    topics: list[TopicReadiness]
    overall: float


async def exam_readiness(
    session: AsyncSession, learner: Learner, exam: Exam, language: str
) -> Readiness:
    """Predicted recall on the interview day, per topic of the scope and over all of it."""
    scope = in_scope(exam, learner)
    title = topic_title_column(language)
    counts = (await session.execute(
        select(Topic.id, title, func.count(Item.id))
        .join(Item, Item.topic_id == Topic.id).where(scope)
        .group_by(Topic.id, title).order_by(Topic.id)
    )).all()
    cards = await session.execute(
        select(Item.topic_id.label("scope_topic"), ReviewCard.__table__)
        .join(Item, Item.id == ReviewCard.item_id)
        .where((ReviewCard.user_id == learner.user_id) & (ReviewCard.reps > 0) & scope)
    )
    moment = interview_moment(exam.exam_on, learner)
    recalls: defaultdict[str, list[float]] = defaultdict(list)
    for row in cards:
        columns = row._asdict()
        topic_id = columns.pop("scope_topic")
        recalls[topic_id].append(retrievability(CardState(**columns), moment))
    topics = [TopicReadiness(topic_id, name, int(items), readiness(recalls[topic_id], int(items)))
              for topic_id, name, items in counts]
    total = sum(topic.items for topic in topics)
    overall = readiness((recall for topic in recalls.values() for recall in topic), total)
    return Readiness(topics, overall)


async def exam_to_ask_about(
    session: AsyncSession, learner: Learner, now: datetime
) -> date | None:
    """The date of an interview now over that the learner was not yet asked about; marked as
    asked, so the question comes once."""
    plan = await session.get(ExamPlan, learner.user_id)
    if (plan is None or plan.asked_at is not None or plan.outcome is not None
            or now < exam_end(plan.exam_on, learner)):
        return None
    plan.asked_at = now
    await session.flush()
    return plan.exam_on


async def record_outcome(session: AsyncSession, user_id: int, outcome: ExamOutcome) -> bool:
    """The learner's word on how it went; False when there is no interview to tell about."""
    plan = await session.get(ExamPlan, user_id)
    if plan is None or plan.outcome is not None:
        return False
    plan.outcome = outcome.value
    await session.flush()
    return True

