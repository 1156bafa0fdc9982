"""A learner's private drill, played against the real bot process like Telegram would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import StartBot, query
from tests.fakebot import Call, FakeBotAPI, make_user, too_many_requests
from tests.fakebot.fixtures import TEST_TOKEN

ALICE_ID = 1001
ALICE = make_user(ALICE_ID, "Алиса")


def to(chat_id: int) -> Any:
    return lambda call: call.params.get("chat_id") == chat_id


def buttons(call: Call) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button(call: Call, text: str) -> str:
    for candidate in buttons(call):
        if candidate["text"] == text:
            return str(candidate["callback_data"])
    raise AssertionError(f"no button {text!r} in {buttons(call)}")


def bold_texts(call: Call) -> list[str]:
    units = call.params["text"].encode("utf-16-le")
    return [
        units[2 * e["offset"]: 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in call.params.get("entities") or [] if e["type"] == "bold"
    ]


async def test_start_greets_in_the_channels_voice_and_registers_the_menu(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str]
) -> None:
    fake_api.fail_next("sendMessage", too_many_requests(retry_after=1))
    bot = await bot_process(bot_settings)
    menu = await fake_api.wait_for_call("setMyCommands")
    assert [c["command"] for c in menu.params["commands"]] == [
        "start", "quiz", "question", "task", "help"
    ]
    polling = await fake_api.wait_for_call("getUpdates")
    assert {"message", "callback_query", "poll_answer", "my_chat_member"} <= set(
        polling.params["allowed_updates"]
    )

    fake_api.send_text(ALICE, "/start")
    throttled = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert throttled.status == 429
    greeting = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))  # retried after 1 s
    assert greeting.ok
    assert greeting.at - throttled.at >= 1.0
    assert greeting.params["text"].startswith("Привет, Алиса! 👋")
    assert "/quiz" in greeting.params["text"]

    assert await bot.stop() == 0
    assert TEST_TOKEN.partition(":")[2] not in bot.log


async def test_quiz_answer_is_recorded_once_and_explained(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database_file: Path,
) -> None:
    bot = await bot_process(bot_settings)
    fake_api.send_text(ALICE, "/quiz")
    sent = await fake_api.wait_for_call("sendPoll", to(ALICE_ID))
    assert sent.params["type"] == "quiz"
    assert sent.params["is_anonymous"] is False
    correct = sent.params["correct_option_ids"]
    wrong = next(i for i in range(len(sent.params["options"])) if i not in correct)

    answer = fake_api.answer_poll(ALICE, sent.result["poll"]["id"], [wrong])
    explanation = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    text = explanation.params["text"]
    assert text.startswith("❌ Неверно. Правильный ответ: ")
    assert sent.params["question"] in bold_texts(explanation)
    assert "#регуляризация #тест" in text
    assert text.endswith(f"@{fake_api.bot_user['username']}")
    assert [b["text"] for b in buttons(explanation)] == ["Дальше ▶"]

    # Telegram delivers the same answer again: it must count once and explain once.
    fake_api.push_update("poll_answer", answer["poll_answer"])
    fake_api.click(ALICE, explanation.result, button(explanation, "Дальше ▶"))
    second = await fake_api.wait_for_call("sendPoll", to(ALICE_ID))
    assert second.params["question"] != sent.params["question"]  # unseen items first

    fake_api.answer_poll(ALICE, second.result["poll"]["id"], second.params["correct_option_ids"])
    praise = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert praise.params["text"].startswith("✅ Верно!")

    assert await bot.stop() == 0
    attempts = query(database_file,
                     "SELECT user_id, is_correct FROM attempts ORDER BY answered_at")
    assert attempts == [(ALICE_ID, 0), (ALICE_ID, 1)]
    explanations = [t for t in fake_api.sent_texts(ALICE_ID) if t.startswith(("❌", "✅"))]
    assert len(explanations) == 2


async def test_an_answer_to_an_unknown_poll_is_ignored_with_a_log_line(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database_file: Path,
) -> None:
    bot = await bot_process(bot_settings)
    fake_api.send_text(ALICE, "/quiz")
    sent = await fake_api.wait_for_call("sendPoll", to(ALICE_ID))
    stranger = dict(fake_api.answer_poll(ALICE, sent.result["poll"]["id"], [0])["poll_answer"])
    fake_api.calls.clear()
    stranger["poll_id"] = "999999999999"
    update = fake_api.push_update("poll_answer", stranger)
    await fake_api.wait_delivered(update)
    assert await bot.stop() == 0
    assert "ignored an answer to poll 999999999999" in bot.log
    assert query(database_file, "SELECT count(*) FROM attempts") == [(1,)]


async def test_open_question_reveal_and_self_grade(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database_file: Path,
) -> None:
    bot = await bot_process(bot_settings)
    fake_api.send_text(ALICE, "/question")
    shown = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert shown.params["text"] == "🧠 Как работает ROC-кривая?"
    assert [b["text"] for b in buttons(shown)] == ["Показать ответ"]

    fake_api.click(ALICE, shown.result, button(shown, "Показать ответ"))
    revealed = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert "ROC-кривая — это зависимость TPR от FPR" in revealed.params["text"]
    assert {"TPR", "FPR"} <= set(bold_texts(revealed))
    assert [b["text"] for b in buttons(revealed)] == ["Не вспомнил", "Трудно", "Хорошо", "Легко"]

    fake_api.click(ALICE, revealed.result, button(revealed, "Хорошо"))
    ack = await fake_api.wait_for_call("answerCallbackQuery",
                                       lambda c: "Оценка сохранена" in c.params.get("text", ""))
    assert ack.params["text"] == "Оценка сохранена: Хорошо"
    # A second press of the same keyboard (a double tap) is not a second grade.
    fake_api.click(ALICE, revealed.result, button(revealed, "Легко"))
    await fake_api.wait_for_call("answerCallbackQuery",
                                 lambda c: c.params.get("text") == "Этот ответ уже оценён.")
    assert await bot.stop() == 0
    assert query(database_file, "SELECT user_id, grade FROM self_grades") == [(ALICE_ID, "good")]


async def test_task_reveals_answer_and_solution(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str]
) -> None:
    await bot_process(bot_settings)
    fake_api.send_text(ALICE, "/task")
    shown = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert shown.params["text"].startswith("📌 Задача про метрики\n\nF1 логистической")
    fake_api.click(ALICE, shown.result, button(shown, "Показать ответ"))
    revealed = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert "Ответ: Нет, не обязательно." in revealed.params["text"]
    assert "Решение\nF1 зависит от порога" in revealed.params["text"]


async def test_forged_and_stale_buttons_change_nothing(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database_file: Path,
) -> None:
    bot = await bot_process(bot_settings)
    fake_api.send_text(ALICE, "/question")
    shown = await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    for forged in ("grade:1:good", "reveal:999", "garbage", "next:astrology"):
        fake_api.click(ALICE, shown.result, forged)
        refusal = await fake_api.wait_for_call("answerCallbackQuery")
        assert refusal.params == {
            "callback_query_id": refusal.params["callback_query_id"],
            "text": "Эта кнопка устарела.", "show_alert": True,
        }
    assert await bot.stop() == 0
    assert query(database_file, "SELECT count(*) FROM self_grades") == [(0,)]


async def test_restart_on_the_same_database_loses_nothing_and_loads_nothing_twice(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database_file: Path,
) -> None:
    first = await bot_process(bot_settings)
    fake_api.send_text(ALICE, "/quiz")
    sent = await fake_api.wait_for_call("sendPoll", to(ALICE_ID))
    answer = fake_api.answer_poll(ALICE, sent.result["poll"]["id"],
                                  sent.params["correct_option_ids"])
    await fake_api.wait_for_call("sendMessage", to(ALICE_ID))
    assert await first.stop() == 0
    assert "content loaded: 4 created" in first.log
    snapshot = query(database_file, "SELECT slug, version, content_hash FROM items ORDER BY slug")

    second = await bot_process(bot_settings)
    # Telegram redelivers an update whose offset was not confirmed before the stop.
    redelivered = fake_api.push_update("poll_answer", answer["poll_answer"])
    await fake_api.wait_delivered(redelivered)
    assert await second.stop() == 0
    assert "content loaded: 0 created, 0 updated, 4 unchanged" in second.log
    assert query(database_file,
                 "SELECT slug, version, content_hash FROM items ORDER BY slug") == snapshot
    assert query(database_file, "SELECT count(*) FROM item_versions") == [(4,)]
    assert query(database_file, "SELECT count(*) FROM attempts") == [(1,)]
