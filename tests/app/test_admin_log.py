"""/log: the owners read who did what, when, in their own zone, a page at a time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.users import Learner, labels

OWNER = make_user(501, "Ольга")
EDITOR = make_user(502, "Егор")


async def test_the_log_lists_the_latest_actions_ten_a_page_in_the_owner_s_zone(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
) -> None:
    database.execute("INSERT INTO learner_settings (user_id, timezone, new_cards_per_day, "
                     "reminder_enabled) VALUES (:owner, 'Asia/Tokyo', 10, false)",
                     owner=OWNER["id"])
    await start_bot(admin_ids={OWNER["id"]})
    owner = Learner(fake_api, OWNER)
    assert (await owner.says("/log")).params["text"] == (
        "Журнал пуст: администраторы ещё ничего не меняли.")
    await owner.says(f"/admins add {EDITOR['id']}")
    editor = Learner(fake_api, EDITOR)
    for _ in range(6):
        await editor.says("/archive e2e-l2")
        await editor.says("/restore e2e-l2")

    first = await owner.says("/log")
    lines = first.params["text"].splitlines()
    assert lines[0] == "Последние действия администраторов (время: Asia/Tokyo):"
    assert len(lines) == 11
    tokyo = clock().astimezone(ZoneInfo("Asia/Tokyo")).strftime("%d.%m")
    assert lines[1].startswith(tokyo)
    # Named: the bot remembers an admin's name when they act (the editor never answered a quiz).
    assert lines[1].endswith(f"— Егор ({EDITOR['id']}): вернул из архива e2e-l2")
    assert lines[2].endswith(f"— Егор ({EDITOR['id']}): убрал в архив e2e-l2")
    assert labels(first) == ["Старее →"]
    older = await owner.presses(first, "Старее →", expect="editMessageText")
    lines = older.params["text"].splitlines()
    assert len(lines) == 4
    assert lines[-1].endswith(f"— Ольга ({OWNER['id']}): назначил редактора {EDITOR['id']}")
    assert labels(older) == ["← Новее"]

    assert (await editor.says("/log")).params["text"].startswith("⛔")


async def test_an_item_s_history_lists_its_versions_and_who_made_them(
    fake_api: FakeBotAPI, start_bot: StartBot, clock: MovableClock,
) -> None:
    await start_bot(admin_ids={OWNER["id"]})
    owner = Learner(fake_api, OWNER)
    fields = await owner.says("/edit e2e-roc")
    await owner.presses(fields, "Ответ")
    part = await owner.says("Перебором порогов.")
    await owner.presses(part, "Готово ✔")
    await owner.reply()  # the question post
    preview = await owner.reply()
    await owner.presses(preview, "Сохранить")

    await owner.says("/show e2e-roc")
    await owner.reply()  # the answer post
    status = await owner.reply()
    history = await owner.presses(status, "📜 История")
    today = clock().astimezone(ZoneInfo("Europe/Moscow")).strftime("%d.%m.%Y")
    lines = history.params["text"].splitlines()
    assert lines[0] == "Версии (время: Europe/Moscow), новые сверху:"
    assert lines[1].startswith(f"версия 2 — {today} ")
    assert lines[1].endswith(f" — Ольга ({OWNER['id']})")  # the admin who edited, by name
    assert lines[2].startswith("версия 1 — ")
    assert lines[2].endswith(" — из файлов content/")
    log = await owner.says("/log")
    assert log.params["text"].splitlines()[1].endswith(
        f"— Ольга ({OWNER['id']}): изменил e2e-roc")
