"""The learner's own time zone: /settings in private, /timezone, /remind with a zone, a private
/subscribe's zone; reminders and days follow it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.app.conftest import ALICE_ID
from tests.app.harness import InProcessBot, MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI
from tests.users import Learner, labels, settled

BERLIN = ZoneInfo("Europe/Berlin")
ALMATY = ZoneInfo("Asia/Almaty")


async def a_card_due_by_tonight(alice: Learner) -> None:
    """A quiz answered wrong: its card is due again within minutes."""
    quiz = await alice.says("/quiz", expect="sendPoll")
    wrong = next(i for i in range(len(quiz.params["options"]))
                 if i not in quiz.params["correct_option_ids"])
    await alice.answers(quiz, [wrong])


def next_local(clock: MovableClock, zone: ZoneInfo, hour: int) -> timedelta:
    """How far the clock is from the next ``hour``:00 in ``zone``, at least an hour away."""
    now = clock().astimezone(zone)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    while at - now < timedelta(hours=1):
        at += timedelta(days=1)
    return at - now


async def test_what_a_reply_confirms_is_committed_when_the_script_reads_the_reply(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    """The bot replies inside the update's transaction and commits after it: a script step
    returns once the bot is done with its update, so the next step — moving the clock for the
    reminder loop, reading the database — never races the commit (this raced once in CI)."""
    for zone in ("Asia/Almaty", "Europe/Berlin", "Asia/Tokyo"):
        await alice.says(f"/timezone {zone}")
        assert database.query("SELECT timezone FROM learner_settings") == [(zone,)]


async def test_a_reminder_with_a_zone_comes_at_that_zones_time_and_follows_a_zone_change(
    running_bot: InProcessBot, clock: MovableClock, alice: Learner,
) -> None:
    confirmed = await alice.says("/remind 19:00 europe/berlin")
    assert confirmed.params["text"] == (
        "Готово: напомню в 19:00 (Europe/Berlin), если будет что повторить или выучить.")
    await a_card_due_by_tonight(alice)

    clock.move(next_local(clock, BERLIN, 19))
    reminder = await alice.reply()
    assert reminder.params["text"].startswith("🔔 Карточек к повторению: 1.")
    assert clock.at(reminder.at).astimezone(BERLIN).strftime("%H:%M") == "19:00"

    # Another zone moves the next reminder at once: 19:00 in Almaty, not in Berlin.
    changed = await alice.says("/timezone Asia/Almaty")
    assert changed.params["text"].startswith("Готово: ваш часовой пояс — Asia/Almaty.")
    clock.move(next_local(clock, ALMATY, 19))
    reminder = await alice.reply()
    assert clock.at(reminder.at).astimezone(ALMATY).strftime("%H:%M") == "19:00"


async def test_remind_refuses_an_offset_for_a_zone(
    running_bot: InProcessBot, alice: Learner,
) -> None:
    refused = await alice.says("/remind 19:00 UTC+3")
    assert refused.params["text"].startswith("«UTC+3» — это смещение от UTC")
    status = await alice.says("/remind")
    # Nobody chose a time: the reminder comes after practice.
    assert status.params["text"].startswith("Напоминание: раз, примерно через сутки")
    assert "(Europe/Moscow)" in status.params["text"]


async def test_private_settings_show_the_learner_and_change_the_zone_by_button_or_typing(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    screen = await alice.says("/settings")
    text = screen.params["text"]
    assert text.startswith("⚙️ Ваши настройки\n\nЯзык: русский — /language\n"
                           "Часовой пояс: Europe/Moscow (у вас сейчас ")
    assert "Уровень: Любой; темы: все темы — /topics" in text
    assert labels(screen) == ["🌍 Часовой пояс", "🗣 Язык"]

    zones = await alice.presses(screen, "🌍 Часовой пояс", expect="editMessageReplyMarkup")
    assert {"✓ Europe/Moscow", "Europe/Berlin", "✏️ Другой пояс", "◀ Назад"} <= set(
        labels(zones))
    changed = await alice.presses(zones, "Europe/Berlin", expect="editMessageText")
    assert "Часовой пояс: Europe/Berlin" in changed.params["text"]

    zones = await alice.presses(changed, "🌍 Часовой пояс", expect="editMessageReplyMarkup")
    asked = await alice.presses(zones, "✏️ Другой пояс")
    assert asked.params["text"] == "Напишите часовой пояс, например Europe/Berlin или Asia/Almaty."
    assert (await alice.says("GMT+5")).params["text"].startswith("«GMT+5» — это смещение")
    saved = await alice.says("asia/almaty")
    assert saved.params["text"].startswith("Готово: ваш часовой пояс — Asia/Almaty.")
    await settled(database, "SELECT timezone FROM learner_settings", [("Asia/Almaty",)])
    # The typed zone was the last one asked for: chatter is chatter again.
    assert (await alice.says("привет")).params["text"].startswith("Я понимаю команды.")


async def test_a_private_subscription_with_a_zone_sets_the_learners_zone(
    running_bot: InProcessBot, database: Database, alice: Learner,
) -> None:
    subscribed = await alice.says("/subscribe 09:00 Europe/Berlin")
    assert "Europe/Berlin" in subscribed.params["text"]
    await settled(database, "SELECT timezone FROM learner_settings", [("Europe/Berlin",)])
    screen = await alice.says("/settings")
    assert labels(screen) == ["🌍 Часовой пояс", "🗣 Язык", "📅 Вопрос дня"]
    daily = await alice.presses(screen, "📅 Вопрос дня")
    assert "09:00 (Europe/Berlin)" in daily.params["text"]


async def test_english_reaches_the_learners_command_menu_and_settings(
    running_bot: InProcessBot, fake_api: FakeBotAPI, alice: Learner,
) -> None:
    chooser = await alice.says("/language")
    await alice.presses(chooser, "English", expect="editMessageText")
    menus = [call for call in fake_api.calls_of("setMyCommands")
             if call.params.get("scope") == {"type": "chat", "chat_id": ALICE_ID}]
    # Whatever language the app speaks, the chat's menu is English.
    assert {call.params.get("language_code") for call in menus} == {None, "en"}
    for menu in menus:
        descriptions = {c["command"]: c["description"] for c in menu.params["commands"]}
        assert descriptions["timezone"] == "your time zone"
        assert descriptions["settings"] == "settings"
    screen = await alice.says("/settings")
    assert screen.params["text"].startswith("⚙️ Your settings\n\nLanguage: English — /language")
    assert labels(screen) == ["🌍 Time zone", "🗣 Language"]
    back = await alice.says("/start")
    assert back.params["text"].endswith("Step 1 of 3. Your level?")  # told once, at /language
