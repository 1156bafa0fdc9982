"""Quiz answers: the hot path, so it takes a batch and costs a fixed number of statements.

A batch of any size is at most one SELECT of the polls (none when the caller knows them all),
one upsert of the users, one INSERT … ON
CONFLICT DO NOTHING … RETURNING of the attempts, then one SELECT and one upsert of the cards the
new attempts reschedule; the unique (poll, user) key makes a redelivered update count once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import Attempt
from bot.platform.db.upsert import insert_for
from bot.study.polls import PollFacts, load_poll_facts
from bot.study.shuffling import item_options_of
from bot.study.srs import QuizAnswer, Review, review_many
from bot.study.users import UserProfile, remember_users


@dataclass(frozen=True)
class PollAnswer:
    poll_id: str
    user: UserProfile
    option_ids: tuple[int, ...]  # positions in the poll, as Telegram reports them
    answered_at: datetime


@dataclass(frozen=True)
class AnswerOutcome:
    """What happened to one answer. ``is_new`` is False for a redelivered update."""

    poll_id: str
    user_id: int
    item_id: int
    chat_id: int
    is_correct: bool
    is_new: bool
    correct_option_ids: tuple[int, ...]  # the item's own indexes
    chosen_option_ids: tuple[int, ...]  # the item's own indexes

    @property
    def explain_privately(self) -> bool:
        """A first answer in the learner's own chat gets the explanation at once; answers in
        groups wait for the reveal."""
        return self.is_new and self.chat_id == self.user_id


def is_correct_choice(chosen: Sequence[int], correct: Sequence[int]) -> bool:
    return sorted(chosen) == sorted(correct)


async def record_answers(
    session: AsyncSession, answers: Sequence[PollAnswer],
    known_polls: Mapping[str, PollFacts] | None = None,
) -> list[AnswerOutcome | None]:
    """One outcome per answer, in order; ``None`` for an unknown poll or a retracted vote.

    The polls not in ``known_polls`` are read here."""
    known_polls = known_polls or {}
    missing = {answer.poll_id for answer in answers
               if answer.option_ids and answer.poll_id not in known_polls}
    polls = {**known_polls, **await load_poll_facts(session, missing)}
    outcomes = [_judge(answer, polls.get(answer.poll_id)) for answer in answers]
    # The first answer per (poll, user) in the batch is the one that can count.
    firsts: dict[tuple[str, int], tuple[int, PollAnswer, AnswerOutcome]] = {}
    for index, (answer, outcome) in enumerate(zip(answers, outcomes, strict=True)):
        if outcome is not None:
            firsts.setdefault((outcome.poll_id, outcome.user_id), (index, answer, outcome))
    if not firsts:
        return outcomes
    await remember_users(session, (answer.user for _, answer, _ in firsts.values()),
                         answers[-1].answered_at)
    statement = (
        insert_for(session, Attempt)
        .on_conflict_do_nothing(index_elements=[Attempt.poll_id, Attempt.user_id])
        .returning(Attempt.poll_id, Attempt.user_id)
    )
    rows = [
        {
            "user_id": outcome.user_id,
            "item_id": outcome.item_id,
            "poll_id": outcome.poll_id,
            "chosen_option_ids": list(outcome.chosen_option_ids),
            "is_correct": outcome.is_correct,
            "answered_at": answer.answered_at,
        }
        for _, answer, outcome in firsts.values()
    ]
    reviews = []
    for row in await session.execute(statement, rows):
        index, answer, outcome = firsts[(row.poll_id, row.user_id)]
        outcomes[index] = replace(outcome, is_new=True)
        answer_time = answer.answered_at - polls[outcome.poll_id].sent_at
        reviews.append((index, Review(outcome.user_id, outcome.item_id, answer.answered_at,
                                      QuizAnswer(outcome.is_correct, answer_time))))
    # In the order the answers were given, so two polls of one item replay in sequence.
    await review_many(session, [review for _, review in sorted(reviews, key=lambda r: r[0])])
    return outcomes


def _judge(answer: PollAnswer, poll: PollFacts | None) -> AnswerOutcome | None:
    """The verdict on one answer, not yet known to be new."""
    if poll is None or not answer.option_ids:
        return None
    chosen = item_options_of(poll.option_order, answer.option_ids)
    return AnswerOutcome(
        poll_id=answer.poll_id,
        user_id=answer.user.id,
        item_id=poll.item_id,
        chat_id=poll.chat_id,
        is_correct=is_correct_choice(chosen, poll.correct_option_ids),
        is_new=False,
        correct_option_ids=poll.correct_option_ids,
        chosen_option_ids=chosen,
    )
