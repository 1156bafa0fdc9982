"""The answers in private carry "Поделиться" (the item's id typed after @bot) where inline mode
is on, through every step of their keyboard; without inline mode no such button is sent (it
would type a query nobody answers)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import Learner, button_data, buttons

ALICE = make_user(1001, "Алиса")


def share_buttons(call: Call) -> list[dict[str, Any]]:
    return [button for button in buttons(call) if "switch_inline_query" in button]


def share_of(database: Database, slug: str) -> list[dict[str, Any]]:
    [(item_id,)] = database.query("SELECT id FROM items WHERE slug = :slug", slug=slug)
    return [{"text": "Поделиться", "switch_inline_query": str(item_id)}]


async def redrawn(learner: Learner, post: Call, label: str) -> Call:
    """Presses a button that redraws the post's keyboard; the redrawn keyboard."""
    learner.api.click(learner.user, post.result, button_data(post, label))
    return await learner.api.wait_for_call("editMessageReplyMarkup",
                                           lambda call: "reply_markup" in call.params)


@pytest.fixture
def inline_mode(fake_api: FakeBotAPI) -> None:
    fake_api.inline_mode = True  # /setinline in @BotFather


async def test_with_inline_mode_the_private_answers_can_be_shared(
    fake_api: FakeBotAPI, inline_mode: None, running_bot: InProcessBot, database: Database,
) -> None:
    alice = Learner(fake_api, ALICE)
    quiz = await alice.says("/quiz", expect="sendPoll")
    explanation = await alice.answers(quiz, quiz.params["correct_option_ids"])
    [(quiz_slug,)] = database.query(
        "SELECT slug FROM items WHERE id = (SELECT item_id FROM sent_polls)")
    assert [button["text"] for button in buttons(explanation)] == ["Дальше ▶", "Поделиться"]
    assert share_buttons(explanation) == share_of(database, quiz_slug)

    question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ")
    assert share_buttons(answer) == share_of(database, "e2e-roc")
    graded = await redrawn(alice, answer, "Хорошо")
    assert "↩ Отменить" in [button["text"] for button in buttons(graded)]
    assert share_buttons(graded) == share_of(database, "e2e-roc")  # it stays

    task = await alice.says("/task")
    answer = await alice.presses(task, "Показать ответ")
    assert share_buttons(answer) == share_of(database, "e2e-f1-task")


async def test_without_inline_mode_no_answer_has_a_share_button(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
) -> None:
    alice = Learner(fake_api, ALICE)
    quiz = await alice.says("/quiz", expect="sendPoll")
    explanation = await alice.answers(quiz, quiz.params["correct_option_ids"])
    assert [button["text"] for button in buttons(explanation)] == ["Дальше ▶"]
    question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ")
    assert buttons(answer)  # the grades
    assert share_buttons(answer) == []
