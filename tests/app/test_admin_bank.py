"""Admins manage the bank from Telegram: the bot against the fake Bot API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.platform.telegram.commands import PRIVATE_COMMANDS
from tests.app.conftest import StartBot
from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.unit.factories import alias_bomb, quiz_data, yaml_file
from tests.users import Learner, button_data, buttons

OWNER_ID, EDITOR_ID, STRANGER_ID = 501, 502, 503
IMPORT_MAX_BYTES = 20_000
SHIPPED_CONTENT = Path(__file__).resolve().parents[2] / "content"
ITEMS_AND_VERSIONS = ("SELECT i.slug, i.version, i.content_hash, i.source, i.archived_at, "
                      "count(v.id) FROM items i JOIN item_versions v ON v.item_id = i.id "
                      "GROUP BY i.id ORDER BY i.slug")
REFUSAL = "⛔ Эта команда только для администраторов бота."
# The learner's menu, then the admin commands.
ADMIN_MENU = [*PRIVATE_COMMANDS, "add", "edit", "import", "export", "find", "show", "archive",
              "restore", "bank", "chats"]


@pytest.fixture
def owner(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(OWNER_ID, "Ольга"))


@pytest.fixture
def editor(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(EDITOR_ID, "Егор"))


@pytest.fixture
def stranger(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(STRANGER_ID, "Степан"))


@pytest.fixture
async def admin_bot(start_bot: StartBot) -> InProcessBot:
    return await start_bot(admin_ids={OWNER_ID}, import_max_bytes=IMPORT_MAX_BYTES)


async def uploads(person: Learner, name: str, content: bytes, caption: str | None = None
                  ) -> Call:
    """Sends a document; returns the bot's next message to this person."""
    file_id = person.api.add_file(content, name, "application/x-yaml")
    person.api.send_document(person.user, file_id, caption)
    return await person.reply()


def bank_state(database: Database) -> list[tuple[Any, ...]]:
    return [
        *database.query("SELECT slug, version, content_hash, source, archived_at "
                        "FROM items ORDER BY slug"),
        *database.query("SELECT count(*) FROM item_versions"),
        *database.query("SELECT * FROM admin_roles"),
        *database.query("SELECT count(*) FROM admin_actions"),
    ]


def chat_menu(api: FakeBotAPI, user_id: int, language: str = "") -> list[str] | None:
    commands = api.commands({"type": "chat", "chat_id": user_id}, language)
    return None if commands is None else [command["command"] for command in commands]


async def test_a_valid_file_sent_with_the_caption_import_is_written_and_reported(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    changed_roc = {"id": "e2e-roc", "kind": "question", "topic": "metrics",
                   "question": "Как строится ROC-кривая?", "answer": "Перебором порогов."}
    report = await uploads(owner, "new.yaml", yaml_file(quiz_data("precision"), changed_roc),
                           caption="/import")
    assert report.params["text"] == (
        "✅ new.yaml загружен.\nсоздано: 1, обновлено: 1, без изменений: 0\n"
        "новые: precision\nизменённые: e2e-roc"
    )
    shown = await owner.says("/show precision", expect="sendPoll")
    assert shown.params["question"] == "Что такое precision?"
    await admin_bot.stop()
    assert database.query("SELECT i.slug, i.source, v.version, v.changed_by "
                          "FROM items i JOIN item_versions v ON v.item_id = i.id "
                          "WHERE v.changed_by IS NOT NULL ORDER BY i.slug") == [
        ("e2e-roc", "import", 2, OWNER_ID), ("precision", "import", 1, OWNER_ID)]


async def test_a_broken_file_is_reported_whole_in_the_admins_language_and_changes_nothing(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    before = bank_state(database)
    broken = yaml_file(quiz_data("fine"), quiz_data("bad", options=["одна"], topic="astrology",
                                                    difficulty="expert"))
    report = await uploads(owner, "bad.yaml", broken, caption="/import")
    assert report.params["text"] == (
        "❌ bad.yaml: ничего не записано — 3 проблемы.\n"
        "• bad.yaml:15, вопрос «bad», поле «topic»: нет темы «astrology»\n"
        "• bad.yaml:17, вопрос «bad», поле «options»: нужно хотя бы 2 элемента, а здесь 1\n"
        "• bad.yaml:23, вопрос «bad», поле «difficulty»: «expert» не подходит; можно: junior, "
        "middle, senior"
    )
    not_yaml = await uploads(owner, "picture.yaml", b"\xff\xd8\xff\xe0 JFIF", "/import")
    assert not_yaml.params["text"] == (
        "❌ picture.yaml: ничего не записано — 1 проблема.\n"
        "• picture.yaml: это не текст в кодировке UTF-8")
    syntax = await uploads(owner, "q.yaml", b"items:\n  - id: a\n    question: What: this\n",
                           "/import")
    assert syntax.params["text"].endswith(
        "• q.yaml:3:19: двоеточие с пробелом внутри значения: возьмите значение в кавычки")

    in_english = Learner(fake_api, make_user(OWNER_ID, "Olga", "en"))
    english = await uploads(in_english, "bad.yaml", broken, caption="/import")
    assert english.params["text"].splitlines() == [
        "❌ bad.yaml: nothing was written — 3 problems.",
        "• bad.yaml:15, item 'bad', field 'topic': unknown topic “astrology”",
        "• bad.yaml:17, item 'bad', field 'options': needs at least 2 entries; has 1",
        "• bad.yaml:23, item 'bad', field 'difficulty': “expert” is not allowed; one of: junior, "
        "middle, senior",
    ]
    await admin_bot.stop()
    assert bank_state(database) == before


async def test_a_file_with_many_problems_lists_the_first_ones_and_counts_the_rest(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, owner: Learner,
) -> None:
    many = yaml_file(*(quiz_data(f"q{n}", options=["одна"]) for n in range(25)))
    report = await uploads(owner, "many.yaml", many, caption="/import")
    lines = report.params["text"].splitlines()
    assert lines[0] == "❌ many.yaml: ничего не записано — 25 проблем."
    assert lines[1] == "• many.yaml:6, вопрос «q0», поле «options»: нужно хотя бы 2 элемента, " \
                       "а здесь 1"
    assert [line.split(",")[1] for line in lines[1:-1]] == [
        f" вопрос «q{n}»" for n in range(20)]
    assert lines[-1] == "…и ещё 5."


async def test_import_first_then_the_file_and_a_dry_run_that_writes_nothing(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    before = bank_state(database)
    prompt = await owner.says("/import dry")
    assert prompt.params["text"].startswith("Жду файл .yaml, .json или .zip")
    dry = await uploads(owner, "new.yaml", yaml_file(quiz_data("precision")))
    assert dry.params["text"] == (
        "🔎 Проверка new.yaml: файл в порядке, ничего не записано.\n"
        "создано: 1, обновлено: 0, без изменений: 0\nновые: precision"
    )
    dry_state = bank_state(database)

    await owner.says("/import")
    done = await uploads(owner, "new.yaml", yaml_file(quiz_data("precision")))
    assert done.params["text"].startswith("✅ new.yaml загружен.")
    # The wait is over: a file sent now is not taken for an import.
    file_id = fake_api.add_file(yaml_file(quiz_data("recall")), "more.yaml")
    fake_api.send_document(owner.user, file_id)
    assert (await owner.reply()).params["text"].startswith("Я понимаю команды.")
    await admin_bot.stop()
    assert dry_state == before
    assert database.query("SELECT slug FROM items WHERE source = 'import'") == [
        ("precision",)]


async def test_a_file_over_the_cap_is_refused_before_it_is_downloaded(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    before = bank_state(database)
    huge = b"# padding\n" * (IMPORT_MAX_BYTES // 10) + yaml_file(quiz_data("precision"))
    report = await uploads(owner, "huge.yaml", huge, caption="/import")
    assert report.params["text"] == (
        "❌ huge.yaml: ничего не записано — 1 проблема.\n"
        f"• huge.yaml: размер файла — {len(huge)}, а можно не больше {IMPORT_MAX_BYTES} байт"
    )
    assert fake_api.calls_of("getFile") == []
    await admin_bot.stop()
    assert bank_state(database) == before


async def test_export_then_import_of_the_same_file_changes_nothing(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    before = bank_state(database)
    export = await owner.says("/export", expect="sendDocument")
    assert export.params["caption"].startswith("Вопросов: 4.")
    document = export.result["document"]
    assert document["file_name"].startswith("bank-all-")
    stored = fake_api.file(document["file_id"])
    assert stored is not None
    exported = yaml.safe_load(stored.content)
    assert [item["id"] for item in exported["items"]] == [
        "e2e-f1-task", "e2e-l1", "e2e-l2", "e2e-roc"]

    fake_api.send_document(owner.user, document["file_id"], "/import")
    report = await owner.reply()
    assert report.params["text"].splitlines()[1] == (
        "создано: 0, обновлено: 0, без изменений: 4")
    assert fake_api.calls_of("getFile")  # downloaded from the (fake) Bot API, like any upload

    quizzes = await owner.says("/export quiz", expect="sendDocument")
    assert quizzes.params["caption"].startswith("Вопросов: 2.")
    unknown = await owner.says("/export astrology")
    assert unknown.params["text"].startswith("Не знаю такого фильтра.")
    await admin_bot.stop()
    assert bank_state(database)[:5] == before[:5]  # the items and their versions as they were


async def test_find_show_archive_restore_and_the_bank_counts(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, owner: Learner,
) -> None:
    found = await owner.says("/find roc")
    assert found.params["text"] == (
        "Нашлось: 1, сначала лучшие совпадения. Нажмите — откроется как в /show.")
    assert [button["text"] for button in buttons(found)] == ["e2e-roc — Как работает ROC-кривая?"]
    poll = await owner.says("/show e2e-l2", expect="sendPoll")
    assert (poll.params["question"], poll.params["is_anonymous"]) == (
        "Какой эффект даёт L2-регуляризация?", True)
    explanation = await owner.reply()
    assert "#регуляризация #тест" in explanation.params["text"]
    status = await owner.reply()
    assert status.params["text"].endswith("✅ активен")
    assert [button["text"] for button in buttons(status)] == ["🗄 В архив", "📜 История"]

    pressed = await owner.presses(status, "🗄 В архив", expect="answerCallbackQuery")
    assert pressed.params["text"].startswith("🗄 e2e-l2 в архиве")
    restored = await owner.says("/restore e2e-l2")
    assert restored.params["text"] == "♻️ e2e-l2 снова в выдаче."
    archived = await owner.says("/archive e2e-roc")
    assert archived.params["text"].startswith("🗄 e2e-roc в архиве")
    missing = await owner.says("/archive nope")
    assert missing.params["text"] == "Вопроса с id «nope» нет."

    counts = await owner.says("/bank")
    assert counts.params["text"].splitlines() == [
        "Банк вопросов: активных 3, в архиве 1.",
        "По темам (вид и число; 🗄 — в архиве):",
        "• Метрики и пороги: Вопросы 0 (+1 🗄), Задачи 1",
        "• Регуляризация: Квизы 2",
    ]
    await admin_bot.stop()
    assert database.query("SELECT slug, archived_by FROM items WHERE archived_at IS NOT "
                          "NULL") == [("e2e-roc", OWNER_ID)]
    assert database.query("SELECT action, target, actor_id FROM admin_actions "
                          "ORDER BY id") == [
        ("archive", "e2e-l2", OWNER_ID), ("restore", "e2e-l2", OWNER_ID),
        ("archive", "e2e-roc", OWNER_ID)]


async def test_an_owner_grants_an_editor_who_gets_the_menu_and_loses_it_on_revoke(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database,
    owner: Learner, editor: Learner,
) -> None:
    await fake_api.wait_for_call("setMyCommands", lambda call: call.params.get(
        "scope", {}).get("chat_id") == OWNER_ID and call.params.get("language_code") == "en")
    assert chat_menu(fake_api, OWNER_ID) == [*ADMIN_MENU, "admins", "log"]
    assert chat_menu(fake_api, OWNER_ID, "en") == [*ADMIN_MENU, "admins", "log"]
    assert (await editor.says("/bank")).params["text"] == REFUSAL

    granted = await owner.says(f"/admins add {EDITOR_ID}")
    assert granted.params["text"] == (
        f"✅ {EDITOR_ID} теперь редактор: ему доступны команды администратора.")
    assert chat_menu(fake_api, EDITOR_ID) == ADMIN_MENU
    assert chat_menu(fake_api, EDITOR_ID, "en") == ADMIN_MENU
    assert (await editor.says("/bank")).params["text"].startswith("Банк вопросов: активных 4")
    assert (await editor.says("/admins")).params["text"] == (
        "⛔ Назначать и снимать редакторов могут только владельцы бота.")
    listing = await owner.says("/admins")
    assert f"{EDITOR_ID} (назначил {OWNER_ID}," in listing.params["text"]

    revoked = await owner.says(f"/admins remove {EDITOR_ID}")
    assert revoked.params["text"] == f"✅ {EDITOR_ID} больше не редактор."
    assert chat_menu(fake_api, EDITOR_ID) is None
    assert chat_menu(fake_api, EDITOR_ID, "en") is None
    assert (await editor.says("/bank")).params["text"] == REFUSAL
    await admin_bot.stop()
    assert database.query("SELECT * FROM admin_roles") == []
    assert database.query("SELECT action, target, actor_id FROM admin_actions "
                          "ORDER BY id") == [
        ("grant-editor", str(EDITOR_ID), OWNER_ID), ("revoke-editor", str(EDITOR_ID), OWNER_ID)]


async def test_an_owner_grants_by_replying_to_a_persons_message_in_a_group(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database,
    owner: Learner, editor: Learner,
) -> None:
    group = fake_api.add_chat(-100_777, "supergroup", "ML chat")
    said = fake_api.send_text(editor.user, "Хочу помогать с вопросами", group)
    fake_api.send_text(owner.user, "/admins add", group, reply_to=said.get("message", said))
    granted = await fake_api.wait_for_call("sendMessage",
                                           lambda call: call.params["chat_id"] == group["id"])
    assert granted.params["text"].startswith(f"✅ {EDITOR_ID} теперь редактор")
    await admin_bot.stop()
    assert database.query("SELECT user_id, granted_by FROM admin_roles") == [
        (EDITOR_ID, OWNER_ID)]


ADMIN_COMMANDS = ["/add", "/edit", "/import", "/import dry", "/export", "/export quiz",
                  "/find roc", "/show e2e-l2", "/archive e2e-l2", "/restore e2e-l2", "/bank",
                  "/admins", f"/admins add {STRANGER_ID}"]


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_a_non_admin_is_refused_every_admin_command(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, stranger: Learner,
    command: str,
) -> None:
    before = bank_state(database)
    assert (await stranger.says(command)).params["text"] == REFUSAL
    assert fake_api.calls_of("sendDocument") == fake_api.calls_of("sendPoll") == []
    await admin_bot.stop()
    assert bank_state(database) == before


async def test_a_non_admins_file_with_the_caption_import_is_refused_undownloaded(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database, stranger: Learner,
) -> None:
    before = bank_state(database)
    refusal = await uploads(stranger, "new.yaml", yaml_file(quiz_data("precision")), "/import")
    assert refusal.params["text"] == REFUSAL
    assert fake_api.calls_of("getFile") == []
    await admin_bot.stop()
    assert bank_state(database) == before


async def test_a_non_admin_replaying_an_admins_button_changes_nothing(
    fake_api: FakeBotAPI, admin_bot: InProcessBot, database: Database,
    owner: Learner, stranger: Learner,
) -> None:
    await owner.says("/show e2e-roc")  # the question, then the answer, then the status
    await owner.reply()
    status = await owner.reply()
    before = bank_state(database)
    replayed = fake_api.click(stranger.user, status.result, button_data(status, "🗄 В архив"))
    refusal = await fake_api.wait_for_call(
        "answerCallbackQuery",
        lambda call: call.params["callback_query_id"] == replayed["callback_query"]["id"])
    assert (refusal.params["text"], refusal.params["show_alert"]) == (REFUSAL, True)
    await admin_bot.stop()
    assert bank_state(database) == before


async def test_help_lists_the_admin_commands_to_admins_only(
    admin_bot: InProcessBot, owner: Learner, stranger: Learner
) -> None:
    assert "/import" in (await owner.says("/help")).params["text"]
    stranger_help = (await stranger.says("/help")).params["text"]
    assert "/subscribe" in stranger_help
    assert "/import" not in stranger_help


async def test_the_whole_shipped_bank_exported_and_imported_back_changes_nothing(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, owner: Learner,
) -> None:
    """The export's caption says the file can go back through /import: with the default limit
    (the Bot API's 20 MB), the whole shipped bank does, and changes nothing."""
    bot = await start_bot(content_dir=SHIPPED_CONTENT, admin_ids={OWNER_ID})
    items_before = database.query(ITEMS_AND_VERSIONS)
    export = await owner.says("/export", expect="sendDocument")
    count = len(items_before)
    assert export.params["caption"].startswith(f"Вопросов: {count}.")
    document = export.result["document"]
    assert document["file_size"] > 1_000_000  # past the old limit

    for caption, header in (("/import dry", f"🔎 Проверка {document['file_name']}: файл в "
                                            "порядке, ничего не записано."),
                            ("/import", f"✅ {document['file_name']} загружен.")):
        fake_api.send_document(owner.user, document["file_id"], caption)
        report = await owner.reply()
        assert report.params["text"].splitlines() == [
            header, f"создано: 0, обновлено: 0, без изменений: {count}"]
    await bot.stop()
    assert database.query(ITEMS_AND_VERSIONS) == items_before


async def test_hostile_files_are_refused_with_a_clear_reply_and_the_bot_keeps_serving(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, owner: Learner,
) -> None:
    bot = await start_bot(admin_ids={OWNER_ID})
    before = bank_state(database)
    too_deep = "вложенность глубже 20 уровней — в контенте такой не бывает"
    hostile = {
        "bomb.yaml": (alias_bomb(), "bomb.yaml:1:5: якоря (&) и ссылки (*) YAML не принимаются: "
                                    "напишите значение полностью"),
        "lists.yaml": (b"items: " + b"[" * 100_000 + b"]" * 100_000,
                       f"lists.yaml:1:1007: {too_deep}"),
        "maps.yaml": (b"items: " + b"{a: " * 20_000 + b"}" * 20_000, f"maps.yaml:1:81: {too_deep}"),
        "deep.json": (b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                      f"deep.json: {too_deep}"),
    }
    for name, (content, problem) in hostile.items():
        report = await uploads(owner, name, content, caption="/import")
        assert report.params["text"] == f"❌ {name}: ничего не записано — 1 проблема.\n• {problem}"
    assert (await owner.says("/bank")).params["text"].startswith("Банк вопросов: активных 4")
    await bot.stop()
    assert bank_state(database) == before
