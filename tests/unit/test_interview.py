"""Mock interviews: which items, how they are timed and settled, and the scorecard."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from random import Random

from fsrs import Rating
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.interviews import mock as interviews
from bot.interviews.mock import Question, Scorecard, TimeLimits
from bot.platform.content.schema import Difficulty, Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Interview, InterviewItem, InterviewOutcome, ReviewCard
from bot.study.answers import PollAnswer, record_answers
from bot.study.grades import Grade
from bot.study.polls import record_sent_poll
from bot.study.users import UserProfile
from tests.unit.factories import TOPICS, question, quiz

ALICE = UserProfile(1001, "Alice")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
LIMITS = TimeLimits(quiz=timedelta(seconds=60), open_question=timedelta(minutes=3))


async def bank(session: AsyncSession) -> None:
    items = [
        *(quiz(f"m{n}", difficulty="junior") for n in range(4)),
        *(quiz(f"s{n}", topic="sql", difficulty="senior") for n in range(3)),
        question("q1", difficulty="junior"),
    ]
    await sync_content(session, TOPICS, items, NOW)


async def start(
    session: AsyncSession, size: int, *, difficulty: Difficulty | None = None,
    topics: frozenset[str] = frozenset(), seed: int = 0,
) -> int:
    interview_id = await interviews.start_interview(
        session, user_id=ALICE.id, chat_id=ALICE.id, size=size, difficulty=difficulty,
        topic_ids=topics, rng=Random(seed), now=NOW,
    )
    assert interview_id is not None
    return interview_id


async def entries(session: AsyncSession, interview_id: int) -> list[InterviewItem]:
    return list(await session.scalars(
        select(InterviewItem).where(InterviewItem.interview_id == interview_id)
        .order_by(InterviewItem.position)
    ))


async def ask(session: AsyncSession, interview_id: int, now: datetime = NOW) -> Question:
    """The next question, sent as the handler sends it (a quiz gets its poll recorded)."""
    step = await interviews.next_step(session, interview_id, LIMITS, now, "en")
    assert isinstance(step, Question)
    if step.card.content.kind is Kind.QUIZ:
        poll_id = poll_of(step)
        await record_sent_poll(session, poll_id=poll_id, item_id=step.card.id, chat_id=ALICE.id,
                               message_id=step.position, correct_option_ids=[1], now=now)
        await interviews.attach_poll(session, step.entry_id, poll_id)
    return step


def poll_of(step: Question) -> str:
    """The id these tests give the poll a quiz question goes out as."""
    return f"poll-{step.interview_id}-{step.position}"


async def one_senior_quiz_asked(session: AsyncSession) -> Question:
    """An interview of one senior item (a quiz: the bank's senior items are all quizzes)."""
    await bank(session)
    interview_id = await start(session, 1, difficulty=Difficulty.SENIOR)
    return await ask(session, interview_id)


async def answer_quiz(
    session: AsyncSession, step: Question, option: int, now: datetime = NOW
) -> interviews.Continuation | None:
    poll_id = poll_of(step)
    await record_answers(session, [PollAnswer(poll_id, ALICE, (option,), now)])
    return await interviews.quiz_answered(session, poll_id, now)


def test_picks_spread_over_topics_without_repeating_an_item() -> None:
    picks = interviews.plan_picks({"metrics": 5, "sql": 2, "python": 1}, 6, Random(3))
    assert len(picks) == len(set(picks)) == 6
    assert Counter(topic for topic, _ in picks) == {"metrics": 3, "sql": 2, "python": 1}
    assert all(0 <= index < {"metrics": 5, "sql": 2, "python": 1}[topic]
               for topic, index in picks)
    assert interviews.plan_picks({"metrics": 5, "sql": 2, "python": 1}, 6, Random(3)) == picks


def test_a_small_bank_gives_what_it_has() -> None:
    assert sorted(interviews.plan_picks({"sql": 2, "empty": 0}, 10, Random(0))) == [
        ("sql", 0), ("sql", 1),
    ]
    assert interviews.plan_picks({}, 10, Random(0)) == []


def test_the_scorecard_names_the_weakest_topics_worst_first() -> None:
    results = [
        ("sql", "SQL", InterviewOutcome.CORRECT), ("ml", "ML", InterviewOutcome.WRONG),
        ("sql", "SQL", InterviewOutcome.MISSED), ("stats", "Stats", InterviewOutcome.CORRECT),
        ("ml", "ML", InterviewOutcome.MISSED), ("py", "Python", InterviewOutcome.CORRECT),
    ]
    card = interviews.score(7, results)
    assert (card.asked, card.correct, card.missed, card.percent) == (6, 3, 2, 50)
    assert [(t.topic_id, t.asked, t.correct) for t in card.topics] == [
        ("sql", 2, 1), ("ml", 2, 0), ("stats", 1, 1), ("py", 1, 1),
    ]
    assert [t.topic_id for t in card.weakest] == ["ml", "sql"]
    assert interviews.score(1, [("py", "Python", InterviewOutcome.CORRECT)]).weakest == []


async def test_an_interview_mixes_topics_within_the_chosen_difficulty(
    session: AsyncSession,
) -> None:
    await bank(session)
    mixed = await entries(session, await start(session, 6))
    assert len({entry.item_id for entry in mixed}) == 6
    assert {entry.topic_id for entry in mixed} == {"metrics", "sql"}
    assert {entry.kind for entry in await entries(session, await start(session, 8))} == {
        "quiz", "question",
    }

    juniors = await entries(session, await start(session, 10, difficulty=Difficulty.JUNIOR))
    assert len(juniors) == 5  # four junior quizzes and one junior question: all there is
    assert {entry.topic_id for entry in juniors} == {"metrics"}

    sql_only = await entries(session, await start(session, 2, topics=frozenset({"sql"})))
    assert {entry.topic_id for entry in sql_only} == {"sql"}
    assert await interviews.start_interview(
        session, user_id=ALICE.id, chat_id=ALICE.id, size=3, difficulty=Difficulty.MIDDLE,
        topic_ids=frozenset(), rng=Random(0), now=NOW,
    ) is None


async def test_starting_again_abandons_the_running_interview(session: AsyncSession) -> None:
    await bank(session)
    first = await start(session, 3)
    second = await start(session, 3)
    statuses = dict((await session.execute(select(Interview.id, Interview.status))).all())
    assert statuses == {first: "abandoned", second: "running"}


async def test_quizzes_are_asked_one_at_a_time_and_scored(session: AsyncSession) -> None:
    await bank(session)
    interview_id = await start(session, 2, difficulty=Difficulty.SENIOR)
    first = await ask(session, interview_id)
    assert (first.position, first.total, first.time_limit) == (0, 2, LIMITS.quiz)
    # While the quiz waits for its answer there is nothing else to send.
    assert await interviews.next_step(session, interview_id, LIMITS, NOW, "en") is None

    carry_on = await answer_quiz(session, first, option=1)
    assert carry_on == interviews.Continuation(interview_id, ALICE.id, ALICE.id)
    # Telegram delivers the same answer again: it settles nothing twice.
    assert await interviews.quiz_answered(session, f"poll-{interview_id}-0", NOW) is None

    second = await ask(session, interview_id)
    assert await answer_quiz(session, second, option=0) is not None
    card = await interviews.next_step(session, interview_id, LIMITS, NOW, "en")
    assert isinstance(card, Scorecard)
    assert (card.asked, card.correct, card.missed) == (2, 1, 0)
    assert [(t.title, t.asked, t.correct) for t in card.weakest] == [("SQL", 2, 1)]
    # The scorecard comes once: a late update finds the interview finished.
    assert await interviews.next_step(session, interview_id, LIMITS, NOW, "en") is None


async def test_a_quiz_whose_poll_closes_unanswered_is_missed_and_rated_again(
    session: AsyncSession,
) -> None:
    step = await one_senior_quiz_asked(session)
    interview_id = step.interview_id
    closed_at = NOW + LIMITS.quiz
    poll_id = poll_of(step)
    assert await interviews.quiz_closed(session, poll_id, 0, closed_at) is not None
    assert [entry.outcome for entry in await entries(session, interview_id)] == ["missed"]
    card = await session.get(ReviewCard, (ALICE.id, step.card.id))
    assert card is not None
    assert (card.last_rating, card.reps) == (Rating.Again.value, 1)
    assert await interviews.quiz_closed(session, poll_id, 0, closed_at) is None
    scorecard = await interviews.next_step(session, interview_id, LIMITS, closed_at, "en")
    assert isinstance(scorecard, Scorecard)
    assert (scorecard.correct, scorecard.missed) == (0, 1)


async def test_a_poll_closing_after_a_vote_leaves_it_to_the_answer(
    session: AsyncSession,
) -> None:
    step = await one_senior_quiz_asked(session)
    poll_id = poll_of(step)
    # The answer's own update is still on its way: the vote count says it exists.
    assert await interviews.quiz_closed(session, poll_id, 1, NOW + LIMITS.quiz) is None
    assert await answer_quiz(session, step, option=1) is not None
    assert [entry.outcome for entry in await entries(session, step.interview_id)] == ["correct"]


async def test_an_open_question_revealed_in_time_is_self_graded(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [question("q1")], NOW)
    interview_id = await start(session, 1)
    step = await ask(session, interview_id)
    assert step.time_limit == LIMITS.open_question
    revealed = await interviews.reveal(session, user_id=ALICE.id, interview_id=interview_id,
                                       position=0, now=NOW + timedelta(minutes=2))
    assert revealed is not None
    assert revealed.in_time
    # Someone else's press, or a second one, does nothing.
    assert await interviews.reveal(session, user_id=999, interview_id=interview_id,
                                   position=0, now=NOW) is None
    later = NOW + timedelta(minutes=4)
    for grade, counted in ((Grade.HARD, True), (Grade.EASY, False)):  # a double tap counts once
        assert await interviews.grade(
            session, user_id=ALICE.id, interview_id=interview_id, position=0, grade=grade,
            chat_id=ALICE.id, message_id=50, now=later,
        ) is counted
    assert [entry.outcome for entry in await entries(session, interview_id)] == ["correct"]
    card = await session.get(ReviewCard, (ALICE.id, step.card.id))
    assert card is not None
    assert card.last_rating == Rating.Hard.value


async def test_an_open_question_revealed_too_late_is_missed(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [question("q1")], NOW)
    interview_id = await start(session, 1)
    await ask(session, interview_id)
    late = NOW + LIMITS.open_question + timedelta(seconds=1)
    revealed = await interviews.reveal(session, user_id=ALICE.id, interview_id=interview_id,
                                       position=0, now=late)
    assert revealed is not None
    assert not revealed.in_time
    assert not await interviews.grade(session, user_id=ALICE.id, interview_id=interview_id,
                                      position=0, grade=Grade.EASY, chat_id=ALICE.id,
                                      message_id=51, now=late)
    scorecard = await interviews.next_step(session, interview_id, LIMITS, late, "ru")
    assert isinstance(scorecard, Scorecard)
    assert (scorecard.missed, [t.title for t in scorecard.weakest]) == (1, ["Метрики"])
