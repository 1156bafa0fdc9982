"""Mock interviews: N mixed items across the learner's topics, each under a time limit.

An interview is a fixed list of items made when it starts. Items are asked one at a time: the
next is sent when the previous one is settled. A quiz is settled by its answer, or as missed
when its poll closes unanswered (Telegram closes it after ``open_period``); an open question or
task is settled by the learner's self-grade after the reveal, or as missed when the reveal comes
after the deadline. Deadlines live in the database, so a restart loses nothing: a poll that
closed while the bot was down arrives as an update when it is back.

Every settled item feeds spaced repetition: quiz answers and self-grades through their usual
recording (``record_answers``, ``record_self_grade``), a miss as an Again rating.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from fsrs import Rating
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.schema import Difficulty, Kind
from bot.platform.db.models import (
    Attempt,
    Interview,
    InterviewItem,
    InterviewOutcome,
    InterviewStatus,
    Item,
    Topic,
)
from bot.study.catalog import Card, load_card, topic_title_column
from bot.study.grades import Grade, record_self_grade
from bot.study.srs import review

DEFAULT_SIZE = 10
MAX_SIZE = 30
INTERVIEW_KINDS = (Kind.QUIZ, Kind.QUESTION, Kind.TASK)
OPEN_KINDS = frozenset({Kind.QUESTION.value, Kind.TASK.value})
WEAKEST_TOPICS = 3


@dataclass(frozen=True)
class TimeLimits:
    quiz: timedelta
    open_question: timedelta

    def for_kind(self, kind: Kind) -> timedelta:
        return self.quiz if kind is Kind.QUIZ else self.open_question


@dataclass(frozen=True)
class Question:
    """The next item to ask, already marked sent with its deadline."""

    entry_id: int
    interview_id: int
    position: int  # 0-based
    total: int
    card: Card
    time_limit: timedelta


@dataclass(frozen=True)
class TopicResult:
    topic_id: str
    title: str
    asked: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.asked if self.asked else 0.0


@dataclass(frozen=True)
class Scorecard:
    interview_id: int
    asked: int
    correct: int
    missed: int
    topics: list[TopicResult]  # in the order first asked
    weakest: list[TopicResult]  # topics with a mistake, the worst first

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.asked) if self.asked else 0


@dataclass(frozen=True)
class Reveal:
    card: Card
    in_time: bool


# ------------------------------------------------------------------------------ pure rules


def plan_picks(pool_sizes: Mapping[str, int], size: int, rng: Random) -> list[tuple[str, int]]:
    """Which items to ask, as (topic, index among that topic's candidates).

    Topics take turns in a random order, each giving a random item it has not given yet, so the
    interview covers as many topics as it has items, and no item is asked twice.
    """
    topics = sorted(topic for topic, count in pool_sizes.items() if count > 0)
    rng.shuffle(topics)
    unused = {topic: rng.sample(range(pool_sizes[topic]), min(pool_sizes[topic], size))
              for topic in topics}
    picks: list[tuple[str, int]] = []
    while len(picks) < size and any(unused.values()):
        for topic in topics:
            if unused[topic] and len(picks) < size:
                picks.append((topic, unused[topic].pop()))
    return picks


def score(interview_id: int, results: Sequence[tuple[str, str, InterviewOutcome]]) -> Scorecard:
    """The scorecard of (topic id, topic title, outcome) results, in the order asked."""
    asked: dict[str, int] = {}
    correct: dict[str, int] = {}
    titles: dict[str, str] = {}
    for topic_id, title, outcome in results:
        titles.setdefault(topic_id, title)
        asked[topic_id] = asked.get(topic_id, 0) + 1
        correct[topic_id] = correct.get(topic_id, 0) + (outcome is InterviewOutcome.CORRECT)
    topics = [TopicResult(topic, titles[topic], asked[topic], correct[topic]) for topic in asked]
    weakest = sorted(
        (topic for topic in topics if topic.correct < topic.asked),
        key=lambda topic: (topic.accuracy, topic.correct - topic.asked, topic.topic_id),
    )[:WEAKEST_TOPICS]
    return Scorecard(
        interview_id=interview_id,
        asked=len(results),
        correct=sum(outcome is InterviewOutcome.CORRECT for *_, outcome in results),
        missed=sum(outcome is InterviewOutcome.MISSED for *_, outcome in results),
        topics=topics,
        weakest=weakest,
    )


def grade_outcome(grade: Grade) -> InterviewOutcome:
    """As in the statistics: any self-grade but Again means the learner knew it."""
    return InterviewOutcome.WRONG if grade is Grade.AGAIN else InterviewOutcome.CORRECT


# ------------------------------------------------------------------------------ starting


async def start_interview(
    session: AsyncSession,
    *,
    user_id: int,
    chat_id: int,
    size: int,
    difficulty: Difficulty | None,
    topic_ids: Collection[str],
    rng: Random,
    now: datetime,
) -> int | None:
    """Make a new interview (abandoning one still running); None when no item fits."""
    candidates = Item.archived_at.is_(None) & Item.kind.in_([k.value for k in INTERVIEW_KINDS])
    if difficulty is not None:
        candidates &= Item.difficulty == difficulty.value
    if topic_ids:
        candidates &= Item.topic_id.in_(sorted(topic_ids))
    pool_sizes = {
        topic: int(count)
        for topic, count in await session.execute(
            select(Item.topic_id, func.count()).where(candidates).group_by(Item.topic_id)
        )
    }
    picks = plan_picks(pool_sizes, size, rng)
    if not picks:
        return None
    await session.execute(
        update(Interview)
        .where((Interview.user_id == user_id) & (Interview.status == InterviewStatus.RUNNING))
        .values(status=InterviewStatus.ABANDONED, finished_at=now)
    )
    interview = Interview(user_id=user_id, chat_id=chat_id, status=InterviewStatus.RUNNING,
                          started_at=now, difficulty=difficulty.value if difficulty else None)
    session.add(interview)
    await session.flush()
    for position, (topic_id, index) in enumerate(picks):
        # One indexed row per pick (items by kind, topic): the bank is never loaded.
        item_id, kind = (
            await session.execute(
                select(Item.id, Item.kind).where(candidates & (Item.topic_id == topic_id))
                .order_by(Item.id).offset(index).limit(1)
            )
        ).one()
        session.add(InterviewItem(interview_id=interview.id, position=position, item_id=item_id,
                                  topic_id=topic_id, kind=kind))
    await session.flush()
    return interview.id


# ------------------------------------------------------------------------------ asking


async def next_step(
    session: AsyncSession, interview_id: int, limits: TimeLimits, now: datetime,
    language: str,
) -> Question | Scorecard | None:
    """What comes next: the next question (marked sent), the scorecard once every item is
    settled (the interview is then finished), or None while an item awaits its answer."""
    entries = list(await session.scalars(
        select(InterviewItem).where(InterviewItem.interview_id == interview_id)
        .order_by(InterviewItem.position)
    ))
    if any(entry.sent_at is not None and entry.outcome is None for entry in entries):
        return None
    waiting = next((entry for entry in entries if entry.sent_at is None), None)
    if waiting is None:
        return await _finish(session, interview_id, now, language)
    card = await load_card(session, waiting.item_id)
    if card is None:  # cannot happen while items are archived, never deleted
        raise LookupError(f"item {waiting.item_id} of interview {interview_id} is gone")
    limit = limits.for_kind(card.content.kind)
    waiting.sent_at = now
    waiting.deadline_at = now + limit
    await session.flush()
    return Question(waiting.id, interview_id, waiting.position, len(entries), card, limit)


async def attach_poll(session: AsyncSession, entry_id: int, poll_id: str) -> None:
    """The quiz of ``entry_id`` went out as ``poll_id`` (already recorded in sent_polls)."""
    await session.execute(
        update(InterviewItem).where(InterviewItem.id == entry_id).values(poll_id=poll_id)
    )


async def _finish(
    session: AsyncSession, interview_id: int, now: datetime, language: str
) -> Scorecard | None:
    finished: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(Interview)
        .where((Interview.id == interview_id) & (Interview.status == InterviewStatus.RUNNING))
        .values(status=InterviewStatus.FINISHED, finished_at=now)
    )
    if finished.rowcount != 1:
        return None  # finished by an earlier update, or abandoned
    return await scorecard(session, interview_id, language)


async def scorecard(session: AsyncSession, interview_id: int, language: str) -> Scorecard:
    title = topic_title_column(language)
    rows = await session.execute(
        select(InterviewItem.topic_id, title, InterviewItem.outcome)
        .join(Topic, Topic.id == InterviewItem.topic_id)
        .where(InterviewItem.interview_id == interview_id)
        .order_by(InterviewItem.position)
    )
    return score(interview_id, [(topic, name, outcome or InterviewOutcome.MISSED)
                                for topic, name, outcome in rows])


# ------------------------------------------------------------------------------ settling


async def _settle(
    session: AsyncSession, entry: InterviewItem, user_id: int, outcome: InterviewOutcome,
    now: datetime,
) -> bool:
    """Set the outcome once; False when it was already set (a redelivered update, a race)."""
    result: CursorResult[tuple[()]] = await session.execute(  # type: ignore[assignment]
        update(InterviewItem)
        .where((InterviewItem.id == entry.id) & InterviewItem.outcome.is_(None))
        .values(outcome=outcome, settled_at=now)
    )
    if result.rowcount != 1:
        return False
    if outcome is InterviewOutcome.MISSED:
        await review(session, user_id, entry.item_id, Rating.Again, now)
    return True


@dataclass(frozen=True)
class Continuation:
    """An interview to carry on after an update that carried no chat (a closed poll)."""

    interview_id: int
    user_id: int
    chat_id: int


async def quiz_answered(session: AsyncSession, poll_id: str, now: datetime) -> Continuation | None:
    """Settle an interview quiz by the learner's recorded attempt. None when there is nothing
    to do: not an interview's poll, settled already (a redelivered update), interview stopped."""
    return await _settle_quiz(session, poll_id, now, unanswered_is_miss=False)


async def quiz_closed(
    session: AsyncSession, poll_id: str, voters: int, now: datetime
) -> Continuation | None:
    """Telegram closed an interview quiz (its open period ran out). Without a vote it is missed;
    a vote whose answer is not recorded yet is left to that answer's own update."""
    return await _settle_quiz(session, poll_id, now, unanswered_is_miss=voters == 0)


async def _settle_quiz(
    session: AsyncSession, poll_id: str, now: datetime, *, unanswered_is_miss: bool
) -> Continuation | None:
    row = (
        await session.execute(
            select(InterviewItem, Interview.user_id, Interview.chat_id)
            .join(Interview, Interview.id == InterviewItem.interview_id)
            .where((InterviewItem.poll_id == poll_id)
                   & (Interview.status == InterviewStatus.RUNNING))
        )
    ).first()
    if row is None:
        return None
    entry, user_id, chat_id = row
    is_correct = await session.scalar(
        select(Attempt.is_correct).where((Attempt.poll_id == poll_id)
                                         & (Attempt.user_id == user_id))
    )
    if is_correct is None and not unanswered_is_miss:
        return None
    outcome = (InterviewOutcome.MISSED if is_correct is None
               else InterviewOutcome.CORRECT if is_correct else InterviewOutcome.WRONG)
    if not await _settle(session, entry, user_id, outcome, now):
        return None
    return Continuation(entry.interview_id, user_id, chat_id)


async def _open_entry(
    session: AsyncSession, user_id: int, interview_id: int, position: int
) -> InterviewItem | None:
    """The learner's own open question at ``position``, sent and not settled yet."""
    return await session.scalar(
        select(InterviewItem)
        .join(Interview, Interview.id == InterviewItem.interview_id)
        .where(
            (Interview.id == interview_id) & (Interview.user_id == user_id)
            & (Interview.status == InterviewStatus.RUNNING) & (InterviewItem.position == position)
            & InterviewItem.kind.in_(sorted(OPEN_KINDS)) & InterviewItem.sent_at.is_not(None)
            & InterviewItem.outcome.is_(None)
        )
    )


async def reveal(
    session: AsyncSession, *, user_id: int, interview_id: int, position: int, now: datetime
) -> Reveal | None:
    """The answer of an open question; past the deadline it is shown but counts as missed.
    None for a button that no longer applies (settled, another learner's, forged)."""
    entry = await _open_entry(session, user_id, interview_id, position)
    if entry is None or entry.revealed_at is not None:
        return None
    card = await load_card(session, entry.item_id)
    if card is None:
        return None
    if entry.deadline_at is not None and now > entry.deadline_at:
        await _settle(session, entry, user_id, InterviewOutcome.MISSED, now)
        return Reveal(card, in_time=False)
    entry.revealed_at = now
    await session.flush()
    return Reveal(card, in_time=True)


async def grade(
    session: AsyncSession,
    *,
    user_id: int,
    interview_id: int,
    position: int,
    grade: Grade,
    chat_id: int,
    message_id: int,
    now: datetime,
) -> bool:
    """The learner's self-grade of a revealed open question; False when it no longer applies."""
    entry = await _open_entry(session, user_id, interview_id, position)
    if entry is None or entry.revealed_at is None:
        return False
    if not await record_self_grade(session, user_id=user_id, item_id=entry.item_id,
                                   chat_id=chat_id, message_id=message_id, grade=grade, now=now):
        return False
    return await _settle(session, entry, user_id, grade_outcome(grade), now)
