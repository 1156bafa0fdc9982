"""Quizzes with several right options: sent as one Telegram quiz where several options may be
ticked, scored right only for exactly the right set, in private and in a group's reveal."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.app.conftest import ADMIN_ID, StartBot
from tests.app.harness import MovableClock
from tests.app.test_admin_add import DONE, marks, start_quiz
from tests.app.test_fair_quizzes import GROUP, first_daily_quiz
from tests.databases import Database
from tests.e2e.conftest import E2E_CONTENT
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import Learner, settled, to

RIGHT = ["Precision", "Recall"]
ITEM = """items:
  - id: multi-metrics
    kind: quiz
    topic: metrics
    question: Какие метрики зависят от порога классификации?
    details: "Модель — логистическая регрессия, порог `0.5`."
    options: [Precision, Accuracy, Recall, Число деревьев]
    correct_option_ids: [0, 2]
    poll_explanation: Precision и recall меняются вместе с порогом.
    explanation: Порог меняет предсказанные классы, а с ними precision и recall.
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A bank of one quiz with two right options."""
    (tmp_path / "items").mkdir()
    shutil.copy(E2E_CONTENT / "topics.yaml", tmp_path / "topics.yaml")
    (tmp_path / "items" / "multi.yaml").write_text(ITEM, encoding="utf-8")
    return tmp_path


def positions(quiz: Call, texts: list[str]) -> list[int]:
    shown = [str(option["text"]) for option in quiz.params["options"]]
    return sorted(shown.index(text) for text in texts)


async def test_a_multi_answer_quiz_is_right_only_for_exactly_its_right_options(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, content: Path,
) -> None:
    await start_bot(content_dir=content)
    alice = Learner(fake_api, make_user(1001, "Алиса"))
    quiz = await alice.says("/quiz", expect="sendPoll")
    assert quiz.params["allows_multiple_answers"] is True
    assert quiz.params["correct_option_ids"] == positions(quiz, RIGHT)
    assert quiz.params["description"] == (
        "☑️ Верных ответов: 2 — отметьте все\n\nМодель — логистическая регрессия, порог 0.5.")
    assert (await alice.answers(quiz, positions(quiz, RIGHT))).params["text"].startswith("✅")

    bob = Learner(fake_api, make_user(1002, "Боря"))
    quiz = await bob.says("/quiz", expect="sendPoll")
    verdict = await bob.answers(quiz, positions(quiz, ["Precision"]))  # half of it
    assert verdict.params["text"].startswith(
        "❌ Неверно: засчитываются только все верные варианты вместе. "
        "Правильные ответы: Precision; Recall")
    assert database.query("SELECT user_id, chosen_option_ids, is_correct FROM attempts "
                          "ORDER BY user_id") == [(1001, "[0, 2]", True), (1002, "[0]", False)]
    (alice_rating,), (bob_rating,) = database.query(
        "SELECT last_rating FROM cards ORDER BY user_id")
    assert alice_rating > 1
    assert bob_rating == 1  # FSRS: Bob's half answer was "Again"


async def test_a_groups_reveal_counts_only_those_who_ticked_exactly_the_right_set(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
    content: Path,
) -> None:
    quiz, _ = await first_daily_quiz(start_bot, fake_api, database, clock, content_dir=content)
    poll_id = quiz.result["poll"]["id"]
    fake_api.answer_poll(make_user(11, "Аня"), poll_id, positions(quiz, RIGHT))
    fake_api.answer_poll(make_user(12, "Боря"), poll_id, positions(quiz, ["Recall"]))
    fake_api.answer_poll(make_user(13, "Вера"), poll_id, positions(quiz, [*RIGHT, "Accuracy"]))
    await settled(database, "SELECT count(*) FROM attempts", [(3,)])

    clock.move(timedelta(minutes=1))
    reveal = await fake_api.wait_for_call("sendMessage", to(GROUP))
    # Telegram's counts would say two chose Precision and three Recall: only Аня got the set.
    assert reveal.params["text"].startswith("📊 Правильно ответили 33% (1 из 3)")


async def test_an_admin_ticks_several_right_options_and_the_preview_is_a_multi_answer_quiz(
    start_bot: StartBot, fake_api: FakeBotAPI,
) -> None:
    await start_bot(admin_ids={ADMIN_ID})
    admin = Learner(fake_api, make_user(ADMIN_ID, "Админ"))
    ask_correct = await start_quiz(admin, "Какие метрики зависят от порога?",
                                   "Precision\nAccuracy при фиксированных метках\nRecall")
    await marks(admin, ask_correct, "⬜ Precision")
    await marks(admin, ask_correct, "⬜ Recall")
    ask_poll_explanation = await admin.presses(ask_correct, DONE)
    assert ask_poll_explanation.params["text"].startswith("Короткое пояснение")
    await admin.says("Порог меняет предсказанные классы.")
    await admin.reply()  # the detailed explanation's prompt
    explained = await admin.says("Precision и recall считаются по предсказанным классам.")
    ask_topic = await admin.presses(explained, DONE)
    ask_tags = await admin.presses(ask_topic, "Метрики и пороги")
    assert ask_tags.params["text"].startswith("Теги")
    ask_difficulty = await admin.says("метрики")
    await admin.presses(ask_difficulty, "Junior")
    preview = await admin.reply("sendPoll")
    assert preview.params["options"] == [
        {"text": "Precision"}, {"text": "Accuracy при фиксированных метках"}, {"text": "Recall"}]
    assert (preview.params["correct_option_ids"], preview.params["allows_multiple_answers"]) == (
        [0, 2], True)
    assert preview.params["description"] == "☑️ Верных ответов: 2 — отметьте все"
