"""Progress a learner sees in a drill: "3/10" on each card, the summary's buttons, the grade
buttons' intervals and "Undo"."""

from __future__ import annotations

from tests.app.conftest import ALICE_ID
from tests.app.harness import InProcessBot
from tests.app.test_drill_session import answer_and_continue, next_card
from tests.databases import Database
from tests.fakebot import Call
from tests.users import Learner, button_data, labels, settled

CARD_COLUMNS = "state, step, stability, difficulty, due, last_review, last_rating, reps, lapses"


async def regraded(learner: Learner, post: Call, label: str) -> Call:
    """Presses a button that redraws the message's keyboard; the redrawn keyboard."""
    learner.api.click(learner.user, post.result, button_data(post, label))
    return await learner.api.wait_for_call("editMessageReplyMarkup",
                                           lambda call: "reply_markup" in call.params)


def counter(card: Call) -> str:
    """The "3/10" of a drill card: before the poll's question, or on the post's first line."""
    if card.method == "sendPoll":
        return str(card.params["question"]).split(" · ")[0]
    return str(card.params["text"]).split("\n")[0]


async def test_each_card_says_where_the_drill_is_and_the_summary_offers_what_next(
    running_bot: InProcessBot, alice: Learner,
) -> None:
    alice.api.send_text(alice.user, "/drill 3")
    card = await next_card(alice)
    positions = []
    for _ in range(3):
        positions.append(counter(card))
        card = await answer_and_continue(alice, card)
    assert positions == ["1/3", "2/3", "3/3"]
    assert card.params["text"].startswith("🏁 Тренировка окончена.")
    assert labels(card) == ["Ещё 10", "Статистика", "Темы"]

    topics = await alice.presses(card, "Темы")
    assert topics.params["text"].startswith("Выберите темы для тренировок")
    stats = await alice.presses(card, "Статистика")
    assert stats.params["text"].startswith("📊 Ваш прогресс")
    alice.api.click(alice.user, card.result, button_data(card, "Ещё 10"))
    first = await next_card(alice)
    while first.params.get("text", "").startswith("📊"):  # the stats' chart may come first
        first = await next_card(alice)
    assert counter(first) == "1/10"


async def test_undo_takes_the_grade_back_and_restores_the_card_exactly(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    question = await alice.says("/question")
    answer = await alice.presses(question, "Показать ответ")
    # A first grade of the card, so that the card has a schedule worth restoring.
    graded = await regraded(alice, answer, "Хорошо")
    assert labels(graded) == ["Дальше ▶", "↩ Отменить"]
    question = await alice.presses(graded, "Дальше ▶")
    while question.params["text"] != "🧠 Как работает ROC-кривая?":  # the task comes between
        revealed = await alice.presses(question, "Показать ответ")
        graded = await regraded(alice, revealed, "Легко")
        question = await alice.presses(graded, "Дальше ▶")
    answer = await alice.presses(question, "Показать ответ")
    assert [label.split(" · ")[0] for label in labels(answer)] == [
        "Не вспомнил", "Трудно", "Хорошо", "Легко"]
    card_sql = (f"SELECT {CARD_COLUMNS} FROM cards WHERE user_id = {ALICE_ID} AND item_id = "
                "(SELECT id FROM items WHERE slug = 'e2e-roc')")
    before = database.query(card_sql)
    grades_sql = f"SELECT grade FROM self_grades WHERE user_id = {ALICE_ID} ORDER BY id"
    assert database.query(grades_sql) == [("good",)]

    graded = await regraded(alice, answer, "Легко")
    await settled(database, grades_sql, [("good",), ("easy",)])
    assert database.query(card_sql) != before
    undo = alice.api.click(alice.user, graded.result, button_data(graded, "↩ Отменить"))
    ack = await alice.api.wait_for_call(
        "answerCallbackQuery",
        lambda call: call.params["callback_query_id"] == undo["callback_query"]["id"])
    assert ack.params["text"] == "Оценка отменена: оцените ответ заново."
    regrade = await alice.api.wait_for_call("editMessageReplyMarkup",
                                            lambda call: "reply_markup" in call.params)
    assert labels(regrade) == labels(answer)  # the same intervals: the same card again
    await settled(database, grades_sql, [("good",)])
    assert database.query(card_sql) == before

    await regraded(alice, regrade, "Трудно")
    await settled(database, grades_sql, [("good",), ("hard",)])
