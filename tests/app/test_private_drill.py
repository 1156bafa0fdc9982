"""A learner's private drill, played against the bot like Telegram would."""

from __future__ import annotations

from tests.app.conftest import ALICE_ID, StartBot
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, delay, forbidden, make_user, too_many_requests
from tests.fakebot.fixtures import TEST_TOKEN
from tests.users import Learner, button_data, labels


def bold_texts(call: Call) -> list[str]:
    units = call.params["text"].encode("utf-16-le")
    return [
        units[2 * e["offset"]: 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in call.params.get("entities") or [] if e["type"] == "bold"
    ]


async def test_start_greets_in_the_channels_voice_and_registers_the_menu(
    fake_api: FakeBotAPI, start_bot: StartBot, alice: Learner
) -> None:
    fake_api.fail_next("sendMessage", too_many_requests(retry_after=1))
    bot = await start_bot()
    menu = await fake_api.wait_for_call("setMyCommands")
    assert {"start", "drill", "quiz", "question", "task", "topics", "newcards", "language",
            "help"} <= {
        c["command"] for c in menu.params["commands"]
    }
    polling = await fake_api.wait_for_call("getUpdates")
    assert {"message", "callback_query", "poll_answer", "my_chat_member"} <= set(
        polling.params["allowed_updates"]
    )

    throttled = await alice.says("/start")
    assert throttled.status == 429
    greeting = await alice.reply()  # retried after retry_after
    assert greeting.ok
    assert greeting.at - throttled.at >= 1.0
    assert greeting.params["text"].startswith("Привет, Алиса! 👋")
    assert greeting.params["text"].endswith("Шаг 1 из 3. Ваш уровень?")  # onboarding

    await bot.stop()
    assert TEST_TOKEN.partition(":")[2] not in bot.log


async def test_english_speakers_get_the_english_interface(
    fake_api: FakeBotAPI, running_bot: InProcessBot
) -> None:
    bob = Learner(fake_api, make_user(1002, "Bob", language_code="en"))
    greeting = await bob.says("/start")
    assert greeting.params["text"].startswith("Hi, Bob! 👋")


async def test_quiz_answer_is_recorded_once_and_explained(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
    database: Database, alice: Learner,
) -> None:
    quiz = await alice.says("/quiz", expect="sendPoll")
    assert quiz.params["type"] == "quiz"
    assert quiz.params["is_anonymous"] is False
    correct = quiz.params["correct_option_ids"]
    wrong = next(i for i in range(len(quiz.params["options"])) if i not in correct)

    explanation = await alice.answers(quiz, [wrong])
    text = explanation.params["text"]
    assert text.startswith("❌ Неверно. Правильный ответ: ")
    assert quiz.params["question"] in bold_texts(explanation)
    assert "#регуляризация #тест" in text
    assert text.endswith(f"@{fake_api.bot_user['username']}")
    assert labels(explanation) == ["Дальше ▶"]

    # Telegram delivers the same answer again: it must count once and explain once.
    fake_api.push_update("poll_answer", alice.last_answer["poll_answer"])
    second = await alice.presses(explanation, "Дальше ▶", expect="sendPoll")
    assert second.params["question"] != quiz.params["question"]  # unseen items first

    praise = await alice.answers(second, second.params["correct_option_ids"])
    assert praise.params["text"].startswith("✅ Верно!")

    await running_bot.stop()
    attempts = database.query(
        "SELECT user_id, is_correct FROM attempts ORDER BY answered_at")
    assert attempts == [(ALICE_ID, 0), (ALICE_ID, 1)]
    explanations = [t for t in alice.received() if t.startswith(("❌", "✅"))]
    assert len(explanations) == 2


async def test_an_answer_to_an_unknown_poll_is_ignored_with_a_log_line(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
    database: Database, alice: Learner,
) -> None:
    quiz = await alice.says("/quiz", expect="sendPoll")
    await alice.answers(quiz, [0])
    stranger = {**alice.last_answer["poll_answer"], "poll_id": "999999999999"}
    await fake_api.wait_delivered(fake_api.push_update("poll_answer", stranger))
    await running_bot.stop()
    assert "ignored an answer to poll 999999999999" in running_bot.log
    assert database.query("SELECT count(*) FROM attempts") == [(1,)]


async def test_open_question_reveal_and_self_grade(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
    database: Database, alice: Learner,
) -> None:
    question = await alice.says("/question")
    assert question.params["text"] == "🧠 Как работает ROC-кривая?"
    assert labels(question) == ["Показать ответ"]

    answer = await alice.presses(question, "Показать ответ")
    assert "ROC-кривая — это зависимость TPR от FPR" in answer.params["text"]
    assert {"TPR", "FPR"} <= set(bold_texts(answer))
    # Each grade says when the card comes back: FSRS's first steps for a new card.
    assert labels(answer) == ["Не вспомнил · 1 мин", "Трудно · 6 мин", "Хорошо · 10 мин",
                              "Легко · 8 д"]

    # A double tap: two grades pressed before the keyboard is replaced count as one.
    fake_api.click(alice.user, answer.result, button_data(answer, "Хорошо"))
    fake_api.click(alice.user, answer.result, button_data(answer, "Легко"))
    with_text = lambda call: "text" in call.params  # noqa: E731
    acks = {(await fake_api.wait_for_call("answerCallbackQuery", with_text)).params["text"]
            for _ in range(2)}
    assert "Этот ответ уже оценён." in acks
    (saved,) = acks - {"Этот ответ уже оценён."}
    assert saved in {"Оценка сохранена: Хорошо", "Оценка сохранена: Легко"}
    graded = await fake_api.wait_for_call("editMessageReplyMarkup",
                                          lambda call: "reply_markup" in call.params)
    assert graded.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Дальше ▶"
    # The grade buttons are gone now: pressing one from a stale screen changes nothing.
    stale = await alice.presses(answer, "Трудно", expect="answerCallbackQuery")
    assert stale.params["text"] == "Эта кнопка устарела."
    await running_bot.stop()
    (grade,) = database.query("SELECT user_id, grade FROM self_grades")
    assert grade in {(ALICE_ID, "good"), (ALICE_ID, "easy")}


async def test_task_reveals_answer_and_solution(
    running_bot: InProcessBot, alice: Learner
) -> None:
    task = await alice.says("/task")
    assert task.params["text"].startswith("📌 Задача про метрики\n\nF1 логистической")
    revealed = await alice.presses(task, "Показать ответ")
    assert "Ответ: Нет, не обязательно." in revealed.params["text"]
    assert "Решение\nF1 зависит от порога" in revealed.params["text"]


async def test_forged_and_stale_buttons_change_nothing(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
    database: Database, alice: Learner,
) -> None:
    question = await alice.says("/question")
    presses = []
    for forged in ("grade:1:good", "reveal:999", "garbage", "next:astrology"):
        presses.append(fake_api.click(alice.user, question.result, forged)["update_id"])
        refusal = await alice.api.wait_for_call("answerCallbackQuery")
        assert (refusal.params["text"], refusal.params["show_alert"]) == (
            "Эта кнопка устарела.", True
        )
    await running_bot.stop()
    assert database.query("SELECT count(*) FROM self_grades") == [(0,)]
    # Refused before the update's transaction: not even a handled-update mark is written.
    assert not [mark for (mark,) in database.query("SELECT update_id FROM handled_updates")
                if mark in presses]
    assert labels(question) == ["Показать ответ"]
    assert button_data(question, "Показать ответ").startswith("reveal:")


async def test_a_button_of_a_kind_the_bot_never_made_is_refused_in_the_presser_s_language(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database,
) -> None:
    # No message with it (an inline message's, say): only its data can tell it is stale.
    press = fake_api.push_update("callback_query", {
        "id": fake_api.new_callback_query_id(), "from": make_user(4242, "Ann", "en"),
        "chat_instance": "somewhere", "data": "stale:button"})
    refusal = await fake_api.wait_for_call("answerCallbackQuery")
    assert (refusal.params["text"], refusal.params["show_alert"]) == (
        "This button is outdated.", True)
    await running_bot.stop()
    assert database.query(
        f"SELECT count(*) FROM handled_updates WHERE update_id = {press['update_id']}") == [(0,)]


async def test_restart_on_the_same_database_loses_nothing_and_loads_nothing_twice(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, alice: Learner,
) -> None:
    first = await start_bot()
    quiz = await alice.says("/quiz", expect="sendPoll")
    await alice.answers(quiz, quiz.params["correct_option_ids"])
    await first.stop()
    assert "content loaded: 4 created" in first.log
    snapshot = database.query("SELECT slug, version, content_hash FROM items ORDER BY slug")

    second = await start_bot()
    # Telegram redelivers an update whose offset was not confirmed before the stop.
    redelivered = fake_api.push_update("poll_answer", alice.last_answer["poll_answer"])
    await fake_api.wait_delivered(redelivered)
    await second.stop()
    # The bank's fingerprint matches the last sync's: the restart does not sync it again.
    assert "content unchanged since the last sync" in second.log
    assert "content loaded" not in second.log
    assert database.query(
        "SELECT slug, version, content_hash FROM items ORDER BY slug") == snapshot
    assert database.query("SELECT count(*) FROM item_versions") == [(4,)]
    assert database.query("SELECT count(*) FROM attempts") == [(1,)]
    assert not [t for t in alice.received() if t.startswith("✅")][1:]


async def test_stopping_finishes_the_reply_in_flight(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
    database: Database, alice: Learner,
) -> None:
    quiz = await alice.says("/quiz", expect="sendPoll")
    fake_api.fail_next("sendMessage", delay(2.0))
    answer = fake_api.answer_poll(alice.user, quiz.result["poll"]["id"],
                                  quiz.params["correct_option_ids"])
    in_flight = await fake_api.wait_for_call("sendMessage", finished=False)
    await running_bot.stop()  # as on SIGTERM, while the explanation is still being sent
    assert in_flight.params["text"].startswith("✅ Верно!")
    after_signal = running_bot.log.split("stopping the in-process bot", 1)[1]
    assert f"Update id={answer['update_id']} is handled" in after_signal
    assert database.query("SELECT count(*) FROM attempts") == [(1,)]


async def test_a_refused_reply_does_not_lose_the_answer(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
    database: Database, alice: Learner,
) -> None:
    quiz = await alice.says("/quiz", expect="sendPoll")
    fake_api.fail_next("sendMessage", forbidden("bot was blocked by the user"))
    refused = await alice.answers(quiz, quiz.params["correct_option_ids"])
    assert refused.status == 403
    assert database.query("SELECT is_correct FROM attempts") == [(1,)]
    # The bot carries on: the next command is served as usual.
    assert (await alice.says("/question")).ok
