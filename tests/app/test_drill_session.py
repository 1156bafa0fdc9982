"""Spaced-repetition drills, topics, the interface language and deep links, end to end."""

from __future__ import annotations

import itertools

from tests.app.conftest import ALICE_ID
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import Call
from tests.users import Learner, button_data, buttons

NEXT = "Дальше ▶"


async def next_card(learner: Learner) -> Call:
    """The bot's next quiz or post in the learner's chat."""
    return await learner.api.wait_for_call(
        None, lambda call: call.method in {"sendPoll", "sendMessage"}
        and call.params.get("chat_id") == learner.id,
    )


async def answer_and_continue(learner: Learner, card: Call) -> Call:
    """Answers the card like a learner who knows it, then presses "Next"."""
    if card.method == "sendPoll":
        explanation = await learner.answers(card, card.params["correct_option_ids"])
        assert explanation.params["text"].startswith("✅ Верно!")
        learner.api.click(learner.user, explanation.result, data_of(explanation, NEXT))
    else:
        revealed = await learner.presses(card, "Показать ответ")
        learner.api.click(learner.user, revealed.result, data_of(revealed, "Хорошо"))
        graded = await learner.api.wait_for_call("editMessageReplyMarkup",
                                                 lambda call: "reply_markup" in call.params)
        learner.api.click(learner.user, graded.result, data_of(graded, NEXT))
    return await next_card(learner)


def data_of(call: Call, label: str) -> str:
    return button_data(call, label)


async def test_a_drill_serves_its_cards_then_sums_up(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    alice.api.send_text(alice.user, "/drill 3")
    card = await next_card(alice)
    seen = []
    for _ in range(3):
        seen.append(card.params.get("question") or card.params["text"])
        card = await answer_and_continue(alice, card)
    summary = card.params["text"]
    assert summary.startswith("🏁 Тренировка окончена.")
    assert "Отвечено: 3\nВерно: 3\n" in summary
    assert len(set(seen)) == 3  # three different cards
    await running_bot.stop()
    assert database.query("SELECT count(*) FROM cards WHERE user_id = :user AND reps = 1",
                          user=ALICE_ID) == [(3,)]
    assert database.query("SELECT count(*) FROM drill_sessions") == [(0,)]


async def test_chosen_topics_change_what_quiz_serves(
    running_bot: InProcessBot, alice: Learner,
) -> None:
    menu = await alice.says("/topics")
    assert "✅ Все темы" in [b["text"] for b in buttons(menu)]
    # Only topics with something to drill: the bank has quizzes, questions and tasks in two.
    assert sorted(b["text"] for b in buttons(menu)) == [
        "Метрики и пороги", "Регуляризация", "✅ Все темы"]
    alice.api.click(alice.user, menu.result, data_of(menu, "Метрики и пороги"))
    ticked = await alice.reply("editMessageReplyMarkup")
    labels = [b["text"] for b in buttons(ticked)]
    assert "✅ Метрики и пороги" in labels
    assert "Все темы" in labels

    # Both quizzes of the bank are about regularization: none left in the chosen topic.
    nothing = await alice.says("/quiz")
    assert nothing.params["text"] == "В базе пока нет таких вопросов. Загляните позже!"
    question = await alice.says("/question")
    assert question.params["text"] == "🧠 Как работает ROC-кривая?"

    alice.api.click(alice.user, ticked.result, data_of(ticked, "Все темы"))
    everything = await alice.reply("editMessageReplyMarkup")
    assert "✅ Все темы" in [b["text"] for b in buttons(everything)]
    quiz = await alice.says("/quiz", expect="sendPoll")
    assert quiz.params["question"] in {"Какой эффект даёт L2-регуляризация?",
                                       "Какой эффект характерен именно для L1-регуляризации?"}


async def test_language_command_switches_the_interface(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    chooser = await alice.says("/language")
    alice.api.click(alice.user, chooser.result, data_of(chooser, "English"))
    done = await alice.reply("editMessageText")
    # Said once: the items keep their language.
    assert done.params["text"] == ("Done: the interface is in English.\n\n"
                                   "Note: the questions themselves are in Russian.")
    greeting = await alice.says("/start")
    assert greeting.params["text"].startswith("Hi, Алиса! 👋")
    question = await alice.says("/question")
    assert [b["text"] for b in buttons(question)] == ["Show answer"]
    assert question.params["text"] == "🧠 Как работает ROC-кривая?"  # content keeps its language
    await running_bot.stop()
    assert database.query("SELECT language FROM learner_settings WHERE user_id = :user",
                          user=ALICE_ID) == [("en",)]


async def test_deep_links_open_an_item_or_a_topic_drill(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    ((roc_id,),) = database.query("SELECT id FROM items WHERE slug = 'e2e-roc'")
    opened = await alice.says(f"/start q_{roc_id}")
    assert opened.params["text"] == "🧠 Как работает ROC-кривая?"
    assert [b["text"] for b in buttons(opened)] == ["Показать ответ"]

    missing = await alice.says("/start q_999999")
    assert missing.params["text"].startswith("Этого вопроса нет в базе")
    forged = await alice.says("/start q_1;drop")
    assert forged.params["text"].startswith("Ссылка не распознана.")

    alice.api.send_text(alice.user, "/start topic_regularization")
    drilled = await next_card(alice)
    assert drilled.method == "sendPoll"  # the topic has quizzes only
    await running_bot.stop()
    assert database.query("SELECT topic_id FROM drill_sessions WHERE user_id = :user",
                          user=ALICE_ID) == [("regularization",)]


async def test_asking_for_more_never_brings_back_the_card_just_answered(
    running_bot: InProcessBot, alice: Learner,
) -> None:
    alice.api.send_text(alice.user, "/drill 10")
    card = await next_card(alice)
    for _ in range(4):  # the whole bank: two quizzes, a question, a task
        card = await answer_and_continue(alice, card)
    summary = card.params["text"]
    assert summary.startswith("🏁 Тренировка окончена.")
    assert "Тренировка вышла короче: 4 из 10." in summary
    assert "Вы уже видели все вопросы выбранных тем" in summary

    quiz = await alice.says("/quiz", expect="sendPoll")
    asked = [quiz.params["question"]]
    for _ in range(3):  # "Next" after each answer, every quiz rated "right" minutes ago
        quiz = await answer_and_continue(alice, quiz)
        asked.append(quiz.params["question"])
    assert all(a != b for a, b in itertools.pairwise(asked)), asked
    assert len(set(asked)) == 2
