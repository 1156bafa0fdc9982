"""Fair quizzes: options in a new order at every send, answers mapped back to the item's own."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from random import Random

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.schema import QuizItem
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Attempt, Item
from bot.study.answers import PollAnswer, record_answers
from bot.study.polls import record_sent_poll
from bot.study.posts import quiz_description, quiz_poll, shuffled_quiz_poll
from bot.study.shuffling import item_options_of, positions_of, shuffled_order
from bot.study.users import UserProfile
from tests.unit.factories import TOPICS, quiz, quiz_data

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
FOUR = ["первый", "второй", "третий", "оба варианта"]


def four_option_quiz(**overrides: object) -> QuizItem:
    item = quiz("four", **{"options": FOUR, "correct_option_ids": [1], **overrides}).item
    assert isinstance(item, QuizItem)
    return item


def test_an_order_moves_every_option_but_the_fixed_ones() -> None:
    rng = Random(3)
    orders = [shuffled_order(5, {4}, rng) for _ in range(50)]
    assert all(sorted(order) == [0, 1, 2, 3, 4] for order in orders)
    assert all(order[4] == 4 for order in orders)
    assert {order[0] for order in orders} == {0, 1, 2, 3}
    assert shuffled_order(3, {0, 1, 2}, rng) == (0, 1, 2)


def test_positions_and_choices_map_between_the_poll_and_the_item() -> None:
    order = (2, 0, 3, 1)  # the poll shows the item's option 2 first, …
    assert positions_of(order, [0, 1]) == [1, 3]
    assert item_options_of(order, [3, 1]) == (0, 1)
    assert item_options_of(order, [7]) == ()  # no such position
    assert item_options_of(None, [2, 0]) == (0, 2)  # sent before orders: the item's own


def test_over_20_sends_each_position_holds_the_right_answer_at_least_twice() -> None:
    item = four_option_quiz()
    rng = Random(0)  # the in-process bot's first seed
    polls = [shuffled_quiz_poll(item, rng) for _ in range(20)]
    positions = Counter(position for poll in polls for position in poll.correct_option_ids)
    assert all(positions[position] >= 2 for position in range(4)), positions
    for poll in polls:  # every poll shows the item's options, the right one where it says
        assert sorted(poll.options) == sorted(item.options)
        assert [poll.options[i] for i in poll.correct_option_ids] == ["второй"]


def test_the_right_answer_is_uniform_over_the_positions() -> None:
    """Not a schedule a learner could learn: every position as likely, whatever came before."""
    rng = Random(7)
    positions = Counter(positions_of(shuffled_order(4, (), rng), [1])[0] for _ in range(4000))
    assert all(abs(positions[position] - 1000) < 120 for position in range(4)), positions


def test_fixed_options_stay_where_the_author_wrote_them() -> None:
    item = four_option_quiz(fixed_options=[3])
    rng = Random(1)
    assert {shuffled_quiz_poll(item, rng).options[3] for _ in range(20)} == {"оба варианта"}
    assert quiz_poll(item).options == FOUR  # the admin's preview keeps the written order


@pytest.mark.parametrize("fixed", [[4], [-1], [2, 1], [1, 1]])
def test_fixed_options_must_name_options_in_order(fixed: list[int]) -> None:
    with pytest.raises(ValidationError, match="fixed_options"):
        QuizItem.model_validate(quiz_data(options=FOUR, fixed_options=fixed))


async def test_the_shuffled_correct_option_is_scored_right_and_stored_as_the_items(
    session: AsyncSession,
) -> None:
    await sync_content(session, TOPICS, [quiz("four", options=FOUR, correct_option_ids=[1])], NOW)
    item_id = await session.scalar(select(Item.id))
    assert item_id is not None
    poll = quiz_poll(four_option_quiz(), order=(3, 1, 0, 2))
    assert poll.correct_option_ids == [1]
    poll = quiz_poll(four_option_quiz(), order=(2, 0, 3, 1))
    assert poll.correct_option_ids == [3]
    await record_sent_poll(session, poll_id="p", item_id=item_id, chat_id=-100, message_id=5,
                           correct_option_ids=[1], option_order=poll.option_order, now=NOW)

    def answer(user_id: int, positions: tuple[int, ...]) -> PollAnswer:
        return PollAnswer("p", UserProfile(user_id, "U"), positions, NOW)

    right, wrong = await record_answers(session, [answer(1, (3,)), answer(2, (1,))])
    assert right is not None
    assert wrong is not None
    assert (right.is_correct, right.chosen_option_ids) == (True, (1,))
    assert (wrong.is_correct, wrong.chosen_option_ids) == (False, (0,))
    stored = {row.user_id: row.chosen_option_ids for row in await session.scalars(select(Attempt))}
    assert stored == {1: [1], 2: [0]}


def test_a_multi_answer_quiz_says_how_many_are_right_above_its_details() -> None:
    item = four_option_quiz(correct_option_ids=[0, 3], details="Код: `x = 1`")
    poll = quiz_poll(item)
    described = quiz_description(poll, "Верных ответов: 2")
    assert described is not None
    assert described.text == "Верных ответов: 2\n\nКод: x = 1"
    assert [(e.type, e.offset) for e in described.entities] == [("code", 24)]
    assert quiz_description(quiz_poll(four_option_quiz()), "—") is None  # one right: nothing
    long_details = four_option_quiz(correct_option_ids=[0, 3], details="д" * 1020)
    assert quiz_description(quiz_poll(long_details), "Верных ответов: 2") == (
        quiz_poll(long_details).description)  # the details win the room
