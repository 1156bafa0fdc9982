"""An admin writes items in the bot: /add, a quiz from Telegram's poll editor, /edit, /cancel."""

from __future__ import annotations

from tests.app.conftest import ADMIN_ID, StartBot
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import Learner, button_data, labels

STRANGER_ID = 2002
DONE = "Готово ✔"


def text(call: Call) -> str:
    return str(call.params["text"])


def items(database: Database) -> list[tuple[object, ...]]:
    return database.query("SELECT slug, version, source FROM items ORDER BY id")


def on_screen(api: FakeBotAPI, call: Call) -> list[str]:
    """The labels of a message's buttons as the admin sees them now (after edits)."""
    message = api.message(call.result["chat"]["id"], call.result["message_id"]) or {}
    markup = message.get("reply_markup") or {}
    return [str(button["text"]) for row in markup.get("inline_keyboard", []) for button in row]


async def marks(admin: Learner, step: Call, label: str) -> None:
    """Toggles a correct-option button; the bot redraws the keyboard in place."""
    await admin.presses(step, label, expect="answerCallbackQuery")
    await admin.api.wait_for_call("editMessageReplyMarkup",
                                  lambda call: "reply_markup" in call.params)


async def start_quiz(admin: Learner, question: str, options: str) -> Call:
    """/add → Квиз → question → options; returns the "which are correct" step."""
    kinds = await admin.says("/add")
    assert labels(kinds) == ["Квиз", "Вопрос", "Задача"]
    await admin.presses(kinds, "Квиз")
    await admin.says(question)
    return await admin.says(options)


async def test_add_a_quiz_step_by_step_then_quiz_serves_it(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, admin: Learner
) -> None:
    kinds = await admin.says("/add")
    ask_question = await admin.presses(kinds, "Квиз")
    assert text(ask_question).startswith("Вопрос квиза")
    assert text(await admin.says("?" * 301)) == "Слишком длинно: 301/300 символов."
    ask_options = await admin.says("Что делает dropout?")
    assert text(ask_options).startswith("Варианты ответа")
    too_few = await admin.says("Только один вариант")
    assert text(too_few) == "Слишком мало вариантов: 1, нужно хотя бы 2."
    too_long = await admin.says("Отключает нейроны\n" + "x" * 101)
    assert text(too_long) == "Вариант 2: Слишком длинно: 101/100 символов."

    ask_correct = await admin.says(
        "Случайно отключает нейроны на обучении\nУскоряет инференс\nУдаляет слои")
    assert labels(ask_correct) == ["⬜ Случайно отключает нейроны на обучении",
                                   "⬜ Ускоряет инференс", "⬜ Удаляет слои", DONE]
    nothing_marked = await admin.presses(ask_correct, DONE, expect="answerCallbackQuery")
    assert nothing_marked.params["text"] == "Не отмечен ни один правильный вариант."
    await marks(admin, ask_correct, "⬜ Случайно отключает нейроны на обучении")
    assert on_screen(fake_api, ask_correct)[0] == "✅ Случайно отключает нейроны на обучении"

    ask_poll_explanation = await admin.presses(ask_correct, DONE)
    assert text(ask_poll_explanation).startswith("Короткое пояснение")
    assert text(await admin.says("x" * 201)) == "Слишком длинно: 201/200 символов."
    short = "Dropout обнуляет случайные активации, и сеть не полагается на отдельные нейроны."
    counted = await admin.says(short)
    assert text(counted) == f"Принято: {len(short)}/200 символов."

    ask_explanation = await admin.reply()
    assert text(ask_explanation).startswith("Подробный разбор в Markdown")
    first_part = await admin.says("Dropout **случайно** отключает нейроны на обучении.")
    assert text(first_part).startswith("Принято сообщений: 1.")
    second_part = await admin.says("На инференсе он выключен, а веса масштабируются.")
    assert labels(second_part) == [DONE]

    ask_topic = await admin.presses(second_part, DONE)
    assert "Основы глубокого обучения" in labels(ask_topic)
    ask_tags = await admin.presses(ask_topic, "Основы глубокого обучения")
    assert text(ask_tags).startswith("Теги через пробел или запятую")
    assert text(await admin.says("drop-out")) == (
        "«drop-out» не годится в теги: только буквы, цифры и _.")
    ask_difficulty = await admin.says("Dropout, #Регуляризация")  # taken lowercased
    assert labels(ask_difficulty) == ["Junior", "Middle", "Senior"]

    header = await admin.presses(ask_difficulty, "Middle")
    assert text(header) == "Так это увидят читатели:"
    poll = await admin.reply("sendPoll")
    assert poll.params["question"] == "Что делает dropout?"
    assert poll.params["correct_option_ids"] == [0]
    assert poll.params["explanation"] == short
    post = await admin.reply()
    assert ("Dropout случайно отключает нейроны на обучении.\n\n"
            "На инференсе он выключен, а веса масштабируются.") in text(post)
    assert "#deep_learning #тест #dropout #регуляризация" in text(post)
    assert labels(post) == ["Сохранить", "Изменить поле", "Отменить черновик",
                            "➕ Детали, ключевые пункты, эмодзи, язык"]
    assert items(database)[4:] == []  # a preview writes nothing

    saved = await admin.presses(post, "Сохранить")
    assert text(saved).startswith("Сохранено: chto-delaet-dropout (версия 1).")

    served = {}
    for _ in range(3):  # unseen quizzes first: the two of the bank and the new one
        quiz = await admin.says("/quiz", expect="sendPoll")
        served[quiz.params["question"]] = quiz
    assert "Что делает dropout?" in served
    verdict = await admin.answers_with(served["Что делает dropout?"],
                                       "Случайно отключает нейроны на обучении")
    assert verdict.params["text"].startswith("✅ Верно!")
    await admin_bot.stop()
    assert items(database)[-1] == ("chto-delaet-dropout", 1, "admin")
    assert database.query("SELECT i.difficulty, v.changed_by FROM items i JOIN item_versions v "
                          "ON v.item_id = i.id WHERE i.slug = 'chto-delaet-dropout'") == [
        ("middle", ADMIN_ID)]
    assert database.query("SELECT count(*) FROM dialog_states") == [(0,)]


async def test_a_dialog_survives_a_restart_and_cancel_discards_it(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, admin: Learner,
) -> None:
    before = await start_bot(admin_ids={ADMIN_ID})
    ask_correct = await start_quiz(admin, "Что такое early stopping?",
                                   "Остановка по валидации\nУвеличение эпох")
    await before.stop()

    await start_bot(admin_ids={ADMIN_ID})  # the same database, a new run
    await marks(admin, ask_correct, "⬜ Остановка по валидации")
    ask_poll_explanation = await admin.presses(ask_correct, DONE)
    assert text(ask_poll_explanation).startswith("Короткое пояснение")

    cancelled = await admin.says("/cancel")
    assert text(cancelled) == ("Диалог прерван, ничего не сохранено. "
                               "Удалён черновик: Квиз «Что такое early stopping?».")
    stale = await admin.presses(ask_correct, DONE, expect="answerCallbackQuery")
    assert stale.params["text"] == "Эта кнопка устарела."
    assert text(await admin.says("/cancel")) == "Отменять нечего: диалог не начат."
    assert len(items(database)) == 4
    assert database.query("SELECT count(*) FROM dialog_states") == [(0,)]


async def test_a_button_from_an_earlier_dialog_is_refused(
    admin_bot: InProcessBot, admin: Learner
) -> None:
    first = await admin.says("/add")
    second = await admin.says("/add")
    stale = await admin.presses(first, "Вопрос", expect="answerCallbackQuery")
    assert stale.params["text"] == "Эта кнопка устарела."
    ask_question = await admin.presses(second, "Вопрос")
    assert text(ask_question).startswith("Вопрос с собеседования")
    assert text(await admin.says("Нажму кнопку потом")).startswith("Ответ в Markdown")


async def test_a_quiz_from_the_poll_editor_becomes_an_item(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, admin: Learner
) -> None:
    fake_api.send_user_poll(admin.user, "Что делает BatchNorm?",
                            ["Нормирует активации по батчу", "Удаляет нейроны"],
                            correct_option_ids=[0], explanation="Нормирует по статистикам батча.")
    taken = await admin.reply()
    assert text(taken).startswith("Взял из квиза вопрос, варианты")
    ask_explanation = await admin.reply()  # only what the poll lacks is asked
    assert text(ask_explanation).startswith("Подробный разбор")
    part = await admin.says("BatchNorm **нормирует** активации.")
    ask_topic = await admin.presses(part, DONE)
    await admin.presses(ask_topic, "Основы глубокого обучения")
    ask_difficulty = await admin.says("-")
    await admin.presses(ask_difficulty, "Senior")
    poll = await admin.reply("sendPoll")
    assert poll.params["options"] == [{"text": "Нормирует активации по батчу"},
                                      {"text": "Удаляет нейроны"}]
    post = await admin.reply()
    saved = await admin.presses(post, "Сохранить")
    assert text(saved).startswith("Сохранено: chto-delaet-batchnorm (версия 1).")
    await admin_bot.stop()
    (document,) = database.query("SELECT document ->> 'correct_option_ids', "
                                 "document ->> 'poll_explanation' FROM items "
                                 "WHERE slug = 'chto-delaet-batchnorm'")
    assert document == ("[0]", "Нормирует по статистикам батча.")


async def test_a_forwarded_quiz_or_a_regular_poll_is_refused(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, admin: Learner
) -> None:
    fake_api.forward_poll(admin.user, "Чей-то квиз?", ["да", "нет"],
                          forward_from=make_user(3003, "Автор"), correct_option_ids=[0])
    refused = await admin.reply()
    assert text(refused).startswith("Это пересланный квиз: Telegram не показывает мне")
    assert "не пересылая" in text(refused)
    fake_api.send_user_poll(admin.user, "Куда пойдём?", ["в кино", "в парк"], type="regular")
    assert text(await admin.reply()).startswith("Это обычный опрос, а не квиз")
    await admin_bot.stop()
    assert len(items(database)) == 4
    assert database.query("SELECT count(*) FROM dialog_states") == [(0,)]


async def test_edit_changes_one_field_as_a_new_version(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, admin: Learner
) -> None:
    assert text(await admin.says("/edit no-such-item")) == (
        "Нет квиза, вопроса или задачи с id «no-such-item».")
    fields = await admin.says("/edit e2e-roc")
    assert labels(fields) == ["Вопрос", "Ответ", "Тема", "Теги", "Сложность", "К предпросмотру"]
    ask_answer = await admin.presses(fields, "Ответ")
    part = await admin.says("ROC — это **TPR** против **FPR** при всех порогах; AUC — площадь.")
    assert ask_answer.ok
    await admin.presses(part, DONE)
    question = await admin.reply()
    assert text(question) == "🧠 Как работает ROC-кривая?"
    post = await admin.reply()
    assert "AUC — площадь." in text(post)
    saved = await admin.presses(post, "Сохранить")
    assert text(saved).startswith("Сохранено: e2e-roc (версия 2).")
    await admin_bot.stop()
    assert database.query("SELECT v.version, v.changed_by FROM item_versions v JOIN items i "
                          "ON i.id = v.item_id WHERE i.slug = 'e2e-roc' ORDER BY v.version") == [
        (1, None), (2, ADMIN_ID)]


async def test_a_stranger_pressing_an_admins_dialog_button_is_refused(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, admin: Learner
) -> None:
    kinds = await admin.says("/add")
    stranger = make_user(STRANGER_ID, "Чужой")
    fake_api.click(stranger, kinds.result, button_data(kinds, "Квиз"))
    refusal = await fake_api.wait_for_call("answerCallbackQuery")
    assert (refusal.params["text"], refusal.params["show_alert"]) == (
        "⛔ Эта команда только для администраторов бота.", True)
    # The admin's dialog is untouched: the kind is still to be chosen.
    ask_question = await admin.presses(kinds, "Задача")
    assert text(ask_question).startswith("Условие задачи")
    await admin_bot.stop()
    assert database.query("SELECT user_id, state FROM dialog_states") == [
        (ADMIN_ID, "Authoring:question")]
