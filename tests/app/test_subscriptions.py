"""Subscribing groups, private chats and channels to the question of the day, and /settings."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.app.harness import InProcessBot
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.users import ChatUser, Learner, buttons, labels

GROUP_ID = -1001234567890
CHANNEL_ID = -1009876543210
OWNER = make_user(2001, "Ольга")
ADMIN = make_user(2002, "Артём")
MEMBER = make_user(2003, "Мария")
NEXT_POST = r"Следующий пост: (Пн|Вт|Ср|Чт|Пт|Сб|Вс), \d\d\.\d\d в {time}"


@pytest.fixture
def group(fake_api: FakeBotAPI) -> dict[str, Any]:
    return fake_api.add_chat(GROUP_ID, "supergroup", "ML Club", owner=OWNER, admins=[ADMIN],
                             members=[MEMBER])


@pytest.fixture
def channel(fake_api: FakeBotAPI) -> dict[str, Any]:
    return fake_api.add_chat(CHANNEL_ID, "channel", "ML Interview", username="ml_interview",
                             owner=OWNER, admins=[ADMIN], members=[MEMBER])


def subscriptions_of(database: Database, chat_id: int) -> list[tuple[Any, ...]]:
    rows = database.query(
        "SELECT status, times, timezone, weekdays, topics, kinds, anonymous_polls,"
        " reveal_after_minutes FROM subscriptions WHERE chat_id = :chat", chat=chat_id)
    return [tuple(json.loads(v) if isinstance(v, str) and v[:1] == "[" else v for v in row)
            for row in rows]


async def test_a_group_admin_subscribes_and_a_member_is_politely_refused(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    refusal = await ChatUser(fake_api, MEMBER, GROUP_ID).says("/subscribe")
    assert refusal.params["text"] == (
        "Не получится настроить вопрос дня для «ML Club»:\n"
        "• это могут только администраторы чата, а вы не администратор"
    )

    done = await ChatUser(fake_api, ADMIN, GROUP_ID).says(
        "/subscribe@interview_drill_bot 9:30 Europe/Berlin")
    text = done.params["text"]
    assert text.startswith("✅ Готово! «ML Club» будет получать вопрос дня.\n"
                           "🕘 09:30 (Europe/Berlin), каждый день\n")
    assert re.search(NEXT_POST.format(time="09:30"), text)
    assert text.endswith("Время, дни, темы и остальное: /settings")

    await running_bot.stop()
    assert subscriptions_of(database, GROUP_ID) == [
        ("active", ["09:30"], "Europe/Berlin", list(range(7)), [], ["quiz", "question", "task"],
         0, 240)
    ]


async def test_an_anonymous_admin_counts_as_an_admin(
    fake_api: FakeBotAPI, running_bot: InProcessBot, group: dict[str, Any],
) -> None:
    anonymous = ChatUser(fake_api, OWNER, GROUP_ID, anonymous_admin=True)
    done = await anonymous.says("/subscribe 09:30,18:00")
    assert "🕘 09:30, 18:00 (Europe/Moscow), каждый день" in done.params["text"]


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("/subscribe 09:30 UTC+3",
         "«UTC+3» — это смещение от UTC, а не часовой пояс: оно не знает о переходе на летнее "
         "время. Укажите город, например Europe/Moscow."),
        ("/subscribe 25:00", "Не понял время «25:00»: нужно ЧЧ:ММ от 00:00 до 23:59."),
        ("/subscribe 10:00 Europe/Berlinn",
         "Не знаю часового пояса «Europe/Berlinn». Нужно название вроде Europe/Moscow или "
         "Asia/Almaty."),
    ],
)
async def test_a_bad_schedule_is_named_with_an_example(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
    typed: str, answer: str,
) -> None:
    error = await ChatUser(fake_api, ADMIN, GROUP_ID).says(typed)
    assert error.params["text"] == (
        answer + "\nНапример: /subscribe 09:30 Europe/Moscow или /subscribe 09:30,18:00"
    )
    await running_bot.stop()
    assert subscriptions_of(database, GROUP_ID) == []


async def test_a_learner_subscribes_their_private_chat_with_the_defaults(
    fake_api: FakeBotAPI, running_bot: InProcessBot,
) -> None:
    alice = Learner(fake_api, make_user(1001, "Алиса"))
    done = await alice.says("/subscribe")
    assert done.params["text"].startswith(
        "✅ Готово! Вопрос дня будет приходить сюда.\n🕘 10:00 (Europe/Moscow), каждый день\n")
    assert re.search(NEXT_POST.format(time="10:00"), done.params["text"])
    # A private /settings is the learner's own; the question of the day's is a button away.
    mine = await alice.says("/settings")
    screen = await alice.presses(mine, "📅 Вопрос дня")
    assert screen.params["text"].startswith("⚙️ Вопрос дня: личный чат\n")
    assert "👥 Опросы открытые" not in labels(screen)  # a private chat has no audience
    stopped = await alice.says("/unsubscribe")
    assert stopped.params["text"] == "Вопрос дня здесь остановлен. Вернуть: /subscribe"
    again = await alice.says("/unsubscribe")
    assert again.params["text"] == "Вопрос дня сюда не приходит. Подписаться: /subscribe"


async def test_a_channel_subscription_says_exactly_what_is_missing(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, channel: dict[str, Any],
) -> None:
    owner = Learner(fake_api, OWNER)
    refused = "Не получится настроить вопрос дня для «ML Interview»:\n• "

    fake_api.chat_state(CHANNEL_ID).bot_status = "member"
    not_admin = await owner.says("/subscribe @ml_interview")
    assert not_admin.params["text"] == refused + (
        "я не администратор канала — назначьте меня администратором с правом публикации")

    fake_api.chat_state(CHANNEL_ID).bot_status = "administrator"
    fake_api.set_rights(CHANNEL_ID, fake_api.bot_id, can_post_messages=False)
    cannot_post = await owner.says("/subscribe @ml_interview")
    assert cannot_post.params["text"] == refused + (
        "у меня нет права публиковать сообщения — включите его в моих правах")

    fake_api.set_rights(CHANNEL_ID, fake_api.bot_id, can_post_messages=True)
    stranger = await Learner(fake_api, MEMBER).says("/subscribe @ml_interview")
    assert stranger.params["text"] == refused + (
        "это могут только администраторы чата, а вы не администратор")

    unknown = await owner.says("/subscribe @no_such_channel")
    assert unknown.params["text"].startswith("Не нашёл канал @no_such_channel.")

    done = await owner.says("/subscribe @ml_interview 08:00")
    assert done.params["text"].startswith(
        "✅ Готово! «ML Interview» будет получать вопрос дня.\n🕘 08:00 (Europe/Moscow)")
    assert done.params["text"].endswith("/settings @ml_interview")

    screen = await owner.says("/settings @ml_interview")
    assert screen.params["text"].startswith("⚙️ Вопрос дня: ML Interview")
    # Channel polls are always anonymous: nothing to show, nothing to choose.
    assert "Опросы:" not in screen.params["text"]
    assert "👥 Опросы открытые" not in labels(screen)
    await running_bot.stop()
    assert [row[:3] + row[6:7] for row in subscriptions_of(database, CHANNEL_ID)] == [
        ("active", ["08:00"], "Europe/Moscow", 1)
    ]


async def test_a_channel_subscribed_by_forwarding_one_of_its_posts(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, channel: dict[str, Any],
) -> None:
    fake_api.forward_text(MEMBER, "❓ Вопрос дня", forward_from=channel)
    stranger = await Learner(fake_api, MEMBER).reply()
    assert stranger.params["text"].endswith("это могут только администраторы чата, а вы не "
                                            "администратор")
    assert buttons(stranger) == []

    admin = Learner(fake_api, ADMIN)
    fake_api.forward_text(ADMIN, "❓ Вопрос дня", forward_from=channel)
    offer = await admin.reply()
    assert offer.params["text"] == "Подписать канал «ML Interview» на вопрос дня?"
    done = await admin.presses(offer, "✅ Подписать канал")
    assert done.params["text"].startswith(
        "✅ Готово! «ML Interview» будет получать вопрос дня.\n🕘 10:00 (Europe/Moscow)")
    await running_bot.stop()
    assert [row[0] for row in subscriptions_of(database, CHANNEL_ID)] == ["active"]


async def test_settings_buttons_change_the_subscription_for_admins_only(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    admin = ChatUser(fake_api, ADMIN, GROUP_ID)
    member = ChatUser(fake_api, MEMBER, GROUP_ID)
    await admin.says("/subscribe 09:30 Europe/Berlin")
    assert (await member.says("/settings")).params["text"].startswith("Не получится")

    screen = await admin.says("/settings")
    assert screen.params["text"].startswith(
        "⚙️ Вопрос дня: ML Club\n\nСтатус: включён\n🕘 09:30 (Europe/Berlin), каждый день\n")
    assert screen.params["entities"][0]["type"] == "bold"
    assert labels(screen)[:9] == ["🕘 Время", "🌍 Часовой пояс", "✓ Пн", "✓ Вт", "✓ Ср",
                                  "✓ Чт", "✓ Пт", "✓ Сб", "✓ Вс"]

    refusal = await member.presses(screen, "✓ Сб", expect="answerCallbackQuery")
    assert (refusal.params["text"], refusal.params["show_alert"]) == (
        "Настройки меняют только администраторы этого чата.", True)

    screen = await admin.presses(screen, "✓ Сб", expect="editMessageText")
    screen = await admin.presses(screen, "✓ Вс", expect="editMessageText")
    assert "🕘 09:30 (Europe/Berlin), Пн, Вт, Ср, Чт, Пт\n" in screen.params["text"]
    assert "Сб" in labels(screen)

    zones = await admin.presses(screen, "🌍 Часовой пояс", expect="editMessageText")
    assert "✓ Europe/Berlin" in labels(zones)
    screen = await admin.presses(zones, "Asia/Almaty", expect="editMessageText")
    assert "(Asia/Almaty)" in screen.params["text"]

    zones = await admin.presses(screen, "🌍 Часовой пояс", expect="editMessageText")
    prompt = await admin.presses(zones, "✏️ Другой пояс")
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert prompt.params["text"].startswith("Артём, пришлите часовой пояс")
    offset = await admin.replies(prompt, "UTC+5")
    assert offset.params["text"].startswith("«UTC+5» — это смещение от UTC")
    saved = await admin.replies(prompt, "asia/tokyo")
    assert saved.params["text"].startswith(
        "✅ Сохранено.\n🕘 09:30 (Asia/Tokyo), Пн, Вт, Ср, Чт, Пт")
    screen = await admin.reply("editMessageText")
    assert "(Asia/Tokyo)" in screen.params["text"]

    times = await admin.presses(screen, "🕘 Время", expect="editMessageText")
    assert "✓ 09:30" in labels(times)
    times = await admin.presses(times, "18:00", expect="editMessageText")
    last = await admin.presses(times, "✓ 09:30", expect="editMessageText")
    only_one = await admin.presses(last, "✓ 18:00", expect="answerCallbackQuery")
    assert only_one.params["text"] == "Нужно хотя бы одно время в день."

    screen = await admin.presses(last, "◀ Назад", expect="editMessageText")
    screen = await admin.presses(screen, "✓ Задачи", expect="editMessageText")
    screen = await admin.presses(screen, "👥 Опросы открытые", expect="editMessageText")
    reveal = await admin.presses(screen, "⏱ Ответ через 4 ч", expect="editMessageText")
    screen = await admin.presses(reveal, "1 ч", expect="editMessageText")
    topics = await admin.presses(screen, "📚 Темы", expect="editMessageText")
    topics = await admin.presses(topics, "Метрики и пороги", expect="editMessageText")
    assert "✓ Метрики и пороги" in labels(topics)
    screen = await admin.presses(topics, "◀ Назад", expect="editMessageText")
    summary = screen.params["text"].split("\n")[3:]
    assert summary[0] == "🕘 18:00 (Asia/Tokyo), Пн, Вт, Ср, Чт, Пт"
    assert re.fullmatch(NEXT_POST.format(time="18:00"), summary[1])
    assert summary[2:] == ["Темы: Метрики и пороги", "Форматы: Квизы, Вопросы",
                           "Ответ публикуется через 1 ч", "Опросы: анонимные"]

    await running_bot.stop()
    assert subscriptions_of(database, GROUP_ID) == [
        ("active", ["18:00"], "Asia/Tokyo", [0, 1, 2, 3, 4], ["metrics"], ["quiz", "question"],
         1, 60)
    ]


async def test_unsubscribe_stops_the_daily_post_for_admins_only(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database, group: dict[str, Any],
) -> None:
    admin = ChatUser(fake_api, ADMIN, GROUP_ID)
    await admin.says("/subscribe")
    refused = await ChatUser(fake_api, MEMBER, GROUP_ID).says("/unsubscribe")
    assert refused.params["text"].startswith("Не получится настроить вопрос дня для «ML Club»")
    stopped = await admin.says("/unsubscribe")
    assert stopped.params["text"] == "Вопрос дня для «ML Club» остановлен. Вернуть: /subscribe"
    await running_bot.stop()
    assert database.query("SELECT status, next_run_at FROM subscriptions") == [
        ("stopped", None)
    ]
