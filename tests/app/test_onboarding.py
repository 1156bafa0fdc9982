"""A new learner's three taps before the first card, a returning learner's day at a glance,
and a gentle restart after a break."""

from __future__ import annotations

import json

from tests.app.conftest import ALICE_ID, StartBot
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.users import Learner, labels

LONG_AGO = "2000-01-01 00:00:00.000000"


async def test_three_taps_then_the_first_card_keeps_to_the_chosen_level_and_topics(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    greeting = await alice.says("/start")
    assert greeting.params["text"].startswith("Привет, Алиса! 👋")
    assert labels(greeting) == ["Junior", "Middle", "Senior", "Любой"]

    topics = await alice.presses(greeting, "Junior", expect="editMessageText")
    assert topics.params["text"].startswith("Шаг 2 из 3.")
    assert labels(topics) == ["Метрики и пороги", "Регуляризация", "✅ Все темы", "Готово ▶"]
    topics = await alice.presses(topics, "Регуляризация", expect="editMessageText")
    assert labels(topics)[:3] == ["Метрики и пороги", "✅ Регуляризация", "Все темы"]

    zones = await alice.presses(topics, "Готово ▶", expect="editMessageText")
    assert zones.params["text"].startswith("Шаг 3 из 3.")
    assert {"Europe/Berlin", "✏️ Другой пояс"} <= set(labels(zones))
    ready = await alice.presses(zones, "Europe/Berlin", expect="editMessageText")
    assert ready.params["text"].startswith(
        "Всё готово! Уровень: Junior; темы: Регуляризация; часовой пояс: Europe/Berlin.")

    # Two quizzes on regularization: only the junior one fits.
    first = await alice.presses(ready, "Начать ▶", expect="sendPoll")
    assert first.params["question"] == "1/10 · Какой эффект даёт L2-регуляризация?"
    assert database.query("SELECT level, timezone FROM learner_settings") == [
        ("junior", "Europe/Berlin")]


async def test_another_zone_is_typed_during_the_first_start(
    running_bot: InProcessBot, alice: Learner,
) -> None:
    greeting = await alice.says("/start")
    topics = await alice.presses(greeting, "Любой", expect="editMessageText")
    zones = await alice.presses(topics, "Готово ▶", expect="editMessageText")
    asked = await alice.presses(zones, "✏️ Другой пояс")
    assert asked.params["text"].startswith("Напишите часовой пояс")
    saved = await alice.says("America/Sao_Paulo")
    assert saved.params["text"].startswith("Готово: ваш часовой пояс — America/Sao_Paulo.")
    await alice.presses(saved, "Начать ▶", expect="answerCallbackQuery")
    await alice.api.wait_for_call(None, lambda call: call.method in {"sendPoll", "sendMessage"}
                                  and call.params.get("chat_id") == ALICE_ID)


async def test_a_returning_learner_sees_the_day_and_continues(
    start_bot: StartBot, database: Database, alice: Learner,
) -> None:
    bot = await start_bot()
    quiz = await alice.says("/quiz", expect="sendPoll")
    await alice.answers(quiz, quiz.params["correct_option_ids"])
    await bot.stop()
    database.execute("UPDATE cards SET due = :past", past=LONG_AGO)

    bot = await start_bot()
    welcome = await alice.says("/start")
    # One review due; three new items of the bank's four, at most ten a day.
    assert welcome.params["text"] == (
        "С возвращением, Алиса! На сегодня: 1 повторение, 3 новые.")
    card = await alice.presses(welcome, "Продолжить ▶", expect="sendPoll")
    assert card.params["question"] == "1/10 · " + quiz.params["question"]  # the review first
    await bot.stop()


async def test_after_a_break_a_drill_serves_a_days_worth_of_reviews_and_says_so(
    start_bot: StartBot, database: Database, alice: Learner,
) -> None:
    bot = await start_bot(max_reviews_per_day=1)
    for _ in range(2):
        quiz = await alice.says("/quiz", expect="sendPoll")
        await alice.answers(quiz, quiz.params["correct_option_ids"])
    await bot.stop()
    # A month away: both cards overdue, one a day longer than the other.
    database.execute("UPDATE cards SET due = :past, last_review = :past, introduced_at = :past",
                     past=LONG_AGO)
    database.execute("UPDATE cards SET due = '1999-12-31 00:00:00.000000' WHERE item_id = "
                     "(SELECT max(item_id) FROM cards)")
    ((most_overdue,),) = database.query(
        "SELECT document FROM items WHERE id = (SELECT max(item_id) FROM cards)")

    bot = await start_bot(max_reviews_per_day=1)
    told = await alice.says("/drill")
    assert told.params["text"] == ("Накопилось повторений: сегодня — самые просроченные (1), "
                                   "ещё 1 карточка разнесена на 1 день.")
    card = await alice.reply("sendPoll")
    assert card.params["question"] == "1/10 · " + json.loads(most_overdue)["question"]
    explanation = await alice.answers(card, card.params["correct_option_ids"])
    end = await alice.presses(explanation, "Дальше ▶")
    assert "На сегодня повторений хватит" in end.params["text"]
    await bot.stop()
