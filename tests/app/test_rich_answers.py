"""Answer posts as rich messages: three formula-heavy items of the bank reach a learner with
real formula blocks, a task's solution collapsed under "Решение", a quiz's wrong options each
collapsed with its why; a chat that refuses rich messages gets the entity text, at once and from
then on; RICH_MESSAGES=off keeps the entity text; the daily reveal goes rich too."""

from __future__ import annotations

import shutil
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.daily import subscriptions
from bot.platform.db.engine import create_engine, create_session_factory
from tests.app.conftest import ALICE_ID, StartBot
from tests.app.harness import MovableClock
from tests.conftest import REPO_ROOT
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI
from tests.users import Learner, rich_blocks, settled, to

GROUP = -1001000000001
# The bank's items with the most formulas of their kind (content/items/).
FORMULA_QUIZ = ("ml-system-design.yaml", "msd-log-propensity")
FORMULA_QUESTION = ("trees-ensembles.yaml", "trees-ensembles-xgboost-second-order")
FORMULA_TASK = ("causal-interpretability.yaml", "causal-interpretability-task-ipw")
IPS_ESTIMATE = (r"\hat{V}(\pi) = \frac{1}{n} \sum_{i=1}^{n} r_i "
                r"\frac{\pi(a_i \mid x_i)}{\mu(a_i \mid x_i)}")


@pytest.fixture
def formula_bank(tmp_path: Path) -> Path:
    """A content directory of the three items, as the bank has them."""
    root = tmp_path / "content"
    (root / "items").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "content" / "topics.yaml", root / "topics.yaml")
    items = []
    for file, item_id in (FORMULA_QUIZ, FORMULA_QUESTION, FORMULA_TASK):
        bank = yaml.safe_load((REPO_ROOT / "content" / "items" / file).read_text("utf-8"))
        items += [item for item in bank["items"] if item["id"] == item_id]
    (root / "items" / "formulas.yaml").write_text(
        yaml.safe_dump({"items": items}, allow_unicode=True), "utf-8")
    return root


def of_type(call: Call, block_type: str) -> list[dict[str, Any]]:
    return [block for block in rich_blocks(call) if block["type"] == block_type]


def formulas(call: Call) -> list[str]:
    return [block["expression"] for block in of_type(call, "mathematical_expression")]


def inline_formulas(text: Any) -> list[str]:
    if isinstance(text, list):
        return [formula for part in text for formula in inline_formulas(part)]
    if isinstance(text, dict) and text.get("type") == "mathematical_expression":
        return [text["expression"]]
    if isinstance(text, dict):
        return inline_formulas(text.get("text"))
    return []


async def test_a_quiz_explanation_arrives_with_formulas_and_each_wrong_option_collapsed(
    start_bot: StartBot, formula_bank: Path, alice: Learner
) -> None:
    await start_bot(content_dir=formula_bank, rich_messages=True)
    quiz = await alice.says("/quiz", expect="sendPoll")
    explanation = await alice.answers_with(
        quiz, "Чтобы исключить исследовательские показы из обучающей выборки модели",
        expect="sendRichMessage")

    assert explanation.ok
    verdict, heading = explanation.params["rich_message"]["blocks"][:2]
    assert verdict["type"] == "paragraph"
    assert verdict["text"].startswith("❌")
    assert heading["type"] == "heading"
    assert heading["text"].startswith("❓ В ранжирование добавили exploration")
    assert formulas(explanation) == [IPS_ESTIMATE]
    paragraphs = [block["text"] for block in of_type(explanation, "paragraph")]
    assert r"\mu(a \mid x)" in inline_formulas(paragraphs)
    whys = of_type(explanation, "details")
    assert [why["summary"]["text"] for why in whys] == [
        "Исключить из обучения", "Проверка генератора", "Биллинг"]
    assert all(not why.get("is_open") for why in whys)
    footer = of_type(explanation, "footer")[0]["text"]
    assert footer.startswith("#ml_system_design ")
    assert explanation.params["reply_markup"]["inline_keyboard"]  # "Дальше ▶" stays under it
    assert "$$" not in alice.received()[-1]


async def test_an_open_questions_answer_arrives_with_its_formula_blocks(
    start_bot: StartBot, formula_bank: Path, alice: Learner
) -> None:
    await start_bot(content_dir=formula_bank, rich_messages=True)
    question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ", expect="sendRichMessage")

    assert answer.ok
    assert len(formulas(answer)) == 4
    assert all("$" not in formula for formula in formulas(answer))


async def test_a_tasks_solution_is_collapsed_under_its_label(
    start_bot: StartBot, formula_bank: Path, alice: Learner
) -> None:
    await start_bot(content_dir=formula_bank, rich_messages=True)
    task = await alice.says("/task")
    answer = await alice.presses(task, "Показать ответ", expect="sendRichMessage")

    assert answer.ok
    blocks = answer.params["rich_message"]["blocks"]
    assert blocks[0] == {"type": "heading", "text": "📌 Задача про веса IPW", "size": 2}
    answer_label, answer_steps = blocks[1:3]  # "Ответ" is a numbered list: the label above it
    assert answer_label == {"type": "paragraph", "text": {"type": "bold", "text": "Ответ: "}}
    assert [item["value"] for item in answer_steps["items"]] == [1, 2, 3, 4, 5]
    solution = next(block for block in blocks if block["type"] == "details")
    assert solution["summary"] == {"type": "bold", "text": "Решение"}
    inside = [block["type"] for block in solution["blocks"]]
    assert {"table", "pre", "list"} <= set(inside)
    assert "0.75/0.25 = 3" in inline_formulas([block.get("text") for block in solution["blocks"]])


async def test_a_chat_refusing_rich_messages_gets_the_entity_text_at_once_and_from_then_on(
    fake_api: FakeBotAPI, start_bot: StartBot, formula_bank: Path, alice: Learner
) -> None:
    bot = await start_bot(content_dir=formula_bank, rich_messages=True)
    fake_api.refuse_rich_messages(ALICE_ID)
    question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ", expect="sendMessage")

    refused = fake_api.calls_of("sendRichMessage", chat_id=ALICE_ID)
    assert [call.status for call in refused] == [400]
    assert answer.ok
    assert answer.index > refused[0].index
    assert "$" not in answer.params["text"]  # formulas as Unicode text
    assert answer.params["reply_markup"]["inline_keyboard"]

    task = await alice.says("/task")
    await alice.presses(task, "Показать ответ", expect="sendMessage")
    assert len(fake_api.calls_of("sendRichMessage", chat_id=ALICE_ID)) == 1  # not tried again
    assert "chat 1001 refused a rich message" in bot.log
    assert ": chat_refuses" in bot.log


async def test_rich_messages_off_keep_the_entity_text(
    fake_api: FakeBotAPI, start_bot: StartBot, formula_bank: Path, alice: Learner
) -> None:
    await start_bot(content_dir=formula_bank, rich_messages=False)
    quiz = await alice.says("/quiz", expect="sendPoll")
    explanation = await alice.answers(quiz, [0])

    assert explanation.ok
    assert "\\frac" not in explanation.params["text"]  # formulas as Unicode text
    assert "∑" in explanation.params["text"]
    assert fake_api.calls_of("sendRichMessage") == []


async def test_the_daily_reveal_in_a_group_is_a_rich_reply_to_its_quiz(
    fake_api: FakeBotAPI, start_bot: StartBot, formula_bank: Path, database: Database,
    clock: MovableClock,
) -> None:
    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    engine = create_engine(database.url)
    async with create_session_factory(engine)() as session, session.begin():
        await subscriptions.subscribe(session, chat_id=GROUP, chat_type="supergroup", by_user=1,
                                      now=clock(), timezone="UTC",
                                      times=[time(slot.hour, slot.minute)])
        await subscriptions.set_kinds(session, GROUP, ("quiz",), clock())
        await subscriptions.set_reveal_after(session, GROUP, 1, clock())
    await engine.dispose()
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    await start_bot(content_dir=formula_bank, rich_messages=True)

    clock.move_to(slot)
    quiz = await fake_api.wait_for_call("sendPoll", to(GROUP))
    await settled(database, "SELECT count(*) FROM deliveries WHERE reveal_due_at IS NOT NULL",
                  [(1,)])  # the reveal is booked before its time comes
    clock.move(timedelta(minutes=1))
    reveal = await fake_api.wait_for_call("sendRichMessage", to(GROUP))

    assert reveal.ok
    assert reveal.params["reply_parameters"]["message_id"] == quiz.result["message_id"]
    result_line = reveal.params["rich_message"]["blocks"][0]
    assert result_line["type"] == "paragraph"
    assert result_line["text"].startswith("📊")
    assert formulas(reveal) == [IPS_ESTIMATE]
    [[drill_link]] = reveal.params["reply_markup"]["inline_keyboard"]
    assert drill_link["url"].startswith(f"https://t.me/{fake_api.username}?start=topic_")
