"""Key points: after "Show answer" the learner ticks what they covered, the bot proposes a
grade, and /stats shows the points most often left out."""

from __future__ import annotations

from pathlib import Path

from tests.app.conftest import StartBot
from tests.app.test_drill_progress import regraded
from tests.databases import Database
from tests.users import Learner, button_data, labels, settled

KEY_POINTS_CONTENT = Path(__file__).resolve().parent / "key_points_content"


async def test_ticked_points_propose_a_grade_the_learner_may_change(
    start_bot: StartBot, database: Database, alice: Learner,
) -> None:
    await start_bot(content_dir=KEY_POINTS_CONTENT)
    question = await alice.says("/question")
    while question.params["text"] != "🧠 Как работает ROC-кривая?":
        question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ")
    assert labels(answer) == ["▫️ TPR по вертикали", "▫️ FPR по горизонтали",
                              "▫️ Все пороги классификатора", "Готово"]
    ticked = await regraded(alice, answer, "▫️ TPR по вертикали")
    ticked = await regraded(alice, ticked, "▫️ Все пороги классификатора")
    assert labels(ticked) == ["✅ TPR по вертикали", "▫️ FPR по горизонтали",
                              "✅ Все пороги классификатора", "Готово"]

    done = alice.api.click(alice.user, ticked.result, button_data(ticked, "Готово"))
    ack = await alice.api.wait_for_call(
        "answerCallbackQuery",
        lambda call: call.params["callback_query_id"] == done["callback_query"]["id"])
    assert ack.params["text"].startswith("Отмечено 2 из 3: предлагаю «Хорошо».")
    grades = await alice.api.wait_for_call("editMessageReplyMarkup",
                                           lambda call: "Готово" not in labels(call)
                                           and bool(labels(call)))
    proposed = [label for label in labels(grades) if label.startswith("👉 ")]
    assert [label.split(" · ")[0] for label in proposed] == ["👉 Хорошо"]
    assert len(labels(grades)) == 4

    await regraded(alice, grades, "Трудно")  # the learner knows better
    await settled(database, "SELECT grade, covered_points FROM self_grades",
                  [("hard", "[0, 2]")])

    stats = await alice.says("/stats")
    text = stats.params["text"]
    assert "Что чаще всего упускаете\nМетрики и пороги:\n" \
           "• FPR по горизонтали — отмечено 0 из 1" in text
    assert "TPR по вертикали —" not in text  # ticked every time: not weak


async def test_items_without_key_points_keep_the_four_grades(
    start_bot: StartBot, database: Database, alice: Learner,
) -> None:
    await start_bot()  # the e2e bank: no key points
    question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ")
    assert [label.split(" · ")[0] for label in labels(answer)] == [
        "Не вспомнил", "Трудно", "Хорошо", "Легко"]
    await regraded(alice, answer, "Хорошо")
    # No ticks stored: SQL NULL, not a JSON "null" /stats would count as nothing ticked.
    await settled(database, "SELECT grade, covered_points IS NULL FROM self_grades",
                  [("good", 1)])
