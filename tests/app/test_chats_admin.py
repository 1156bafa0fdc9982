"""/chats: the bot's admins browse the subscribed chats and act on one from its card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from bot.platform.db.models import Chat, Delivery, Subscription
from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import ChatUser, Learner, buttons, settled, to

OWNER = make_user(2001, "Ольга")
EDITOR = make_user(2003, "Егор")
GROUP_ADMIN = make_user(2002, "Артём")
GROUP_ID = -1001234567890
MANY = 10_000
FIRST_CHAT_ID = -1_000_000_000_000


def labels(call: Call) -> list[str]:
    return [str(button["text"]) for button in buttons(call)]


def many_subscriptions(database: Database, clock: MovableClock) -> None:
    """10 000 subscribed groups, written behind the bot's back in two statements."""
    now = clock()
    later = now + timedelta(days=1)
    chats = [{"id": FIRST_CHAT_ID - n, "type": "supergroup", "title": f"Группа {n:05d}"}
             for n in range(MANY)]
    subscriptions = [
        {"chat_id": FIRST_CHAT_ID - n, "status": "paused" if n % 7 == 0 else "active",
         "pause_reason": "removed" if n % 7 == 0 else None, "times": ["10:00"],
         "timezone": "Europe/Moscow", "weekdays": list(range(7)), "topics": [],
         "kinds": ["quiz"], "anonymous_polls": False, "reveal_after_minutes": 240, "cycle": 1,
         "next_run_at": None if n % 7 == 0 else later, "created_at": now, "updated_at": now}
        for n in range(MANY)
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(Chat), chats)
        connection.execute(insert(Subscription), subscriptions)


def listed_titles(page: Call) -> list[str]:
    return [label for label in labels(page) if label.startswith("Группа")]


async def test_ten_thousand_chats_are_paged_ten_at_a_time_forward_and_back(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
) -> None:
    many_subscriptions(database, clock)
    await start_bot(admin_ids={OWNER["id"]})
    owner = Learner(fake_api, OWNER)

    first = await owner.says("/chats")
    assert listed_titles(first) == [f"Группа {n:05d}" for n in range(10)]
    assert labels(first)[-1] == "Дальше →"
    text = first.params["text"]
    assert text.startswith("Чаты с вопросом дня")
    assert f"«Группа 00000» ({FIRST_CHAT_ID}) — группа, ⏸ на паузе: меня удалили из чата\n" \
           "пояс Europe/Moscow, время 10:00; следующий пост: —" in text
    assert f"«Группа 00001» ({FIRST_CHAT_ID - 1}) — группа, ✅ активен\n" \
           "пояс Europe/Moscow, время 10:00; следующий пост: " in text

    page = first
    for _ in range(3):
        page = await owner.presses(page, "Дальше →", expect="editMessageText")
    assert listed_titles(page) == [f"Группа {n:05d}" for n in range(30, 40)]
    assert labels(page)[-2:] == ["← Назад", "Дальше →"]
    back = await owner.presses(page, "← Назад", expect="editMessageText")
    assert listed_titles(back) == [f"Группа {n:05d}" for n in range(20, 30)]
    back = await owner.presses(back, "← Назад", expect="editMessageText")
    back = await owner.presses(back, "← Назад", expect="editMessageText")
    assert listed_titles(back) == [f"Группа {n:05d}" for n in range(10)]
    assert "← Назад" not in labels(back)

    # The last page: nothing further (unsubscribed chats are not listed).
    database.execute("UPDATE subscriptions SET status = 'stopped' WHERE chat_id < :last",
                     last=FIRST_CHAT_ID - 14)
    last = await owner.presses(back, "Дальше →", expect="editMessageText")
    assert listed_titles(last) == [f"Группа {n:05d}" for n in range(10, 15)]
    assert labels(last)[-1] == "← Назад"


@pytest.fixture
def group(fake_api: FakeBotAPI) -> dict[str, Any]:
    return fake_api.add_chat(GROUP_ID, "supergroup", "ML Club", owner=OWNER,
                             admins=[GROUP_ADMIN])


async def test_a_chat_card_posts_now_says_what_is_next_pauses_and_resumes(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
    group: dict[str, Any],
) -> None:
    await start_bot(admin_ids={OWNER["id"]})
    await ChatUser(fake_api, GROUP_ADMIN, GROUP_ID).says("/subscribe 09:30 Europe/Berlin")
    await settled(database, "SELECT count(*) FROM subscriptions", [(1,)])
    (subscription_id,) = database.query("SELECT id FROM subscriptions")[0]
    # Six earlier posts, an hour apart: the card shows the latest five.
    with database.engine.begin() as connection:
        connection.execute(insert(Delivery), [
            {"subscription_id": subscription_id, "slot_at": clock() - timedelta(hours=hours),
             "chat_id": GROUP_ID, "item_id": None, "cycle": 1, "status": "failed",
             "claimed_at": clock(), "error": f"refused {hours}"}
            for hours in range(10, 16)
        ])
    owner = Learner(fake_api, OWNER)
    listing = await owner.says("/chats")
    assert labels(listing) == ["ML Club"]
    card = await owner.presses(listing, "ML Club", expect="editMessageText")
    lines = card.params["text"].splitlines()
    assert lines[0] == f"«ML Club» ({GROUP_ID}) — группа, ✅ активен"
    assert lines[1].startswith("пояс Europe/Berlin, время 09:30; следующий пост: ")
    assert lines[3] == "Последние публикации:"
    assert [line.rsplit("(", 1)[1] for line in lines[4:]] == [
        f"refused {hours})" for hours in range(10, 15)]
    assert labels(card) == ["Опубликовать сейчас", "Что дальше", "⏸ Пауза", "← К списку чатов"]

    upcoming = await owner.presses(card, "Что дальше")
    assert upcoming.params["text"].startswith(f"Следующий пост в {GROUP_ID}: ")
    posting = await owner.presses(card, "Опубликовать сейчас")
    assert posting.params["text"].startswith(f"Публикую в {GROUP_ID}: e2e-")
    post = await fake_api.wait_for_call(None, lambda call: call.method in (
        "sendMessage", "sendPoll") and to(GROUP_ID)(call))
    assert post.ok

    paused = await owner.presses(card, "⏸ Пауза", expect="editMessageText")
    assert paused.params["text"].splitlines()[0] == (
        f"«ML Club» ({GROUP_ID}) — группа, ⏸ на паузе: поставил администратор бота")
    assert "следующий пост: —" in paused.params["text"]
    assert ": опубликован" in paused.params["text"].splitlines()[4]  # the post just sent
    await settled(database, "SELECT status, next_run_at FROM subscriptions", [("paused", None)])
    resumed = await owner.presses(paused, "▶️ Возобновить", expect="editMessageText")
    assert resumed.params["text"].splitlines()[0].endswith("— группа, ✅ активен")
    assert "⏸ Пауза" in labels(resumed)
    back = await owner.presses(resumed, "← К списку чатов", expect="editMessageText")
    assert labels(back) == ["ML Club"]
    await settled(database, "SELECT actor_id, action, target FROM admin_actions ORDER BY id", [
        (OWNER["id"], action, str(GROUP_ID)) for action in ("post-now", "pause-chat",
                                                            "resume-chat")])


async def test_only_admins_see_the_chats_and_a_revoked_editor_s_buttons_stop_working(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, group: dict[str, Any],
) -> None:
    await start_bot(admin_ids={OWNER["id"]})
    await ChatUser(fake_api, GROUP_ADMIN, GROUP_ID).says("/subscribe")
    stranger = Learner(fake_api, GROUP_ADMIN)
    refused = await stranger.says("/chats")
    assert refused.params["text"] == "⛔ Эта команда только для администраторов бота."

    owner = Learner(fake_api, OWNER)
    await owner.says(f"/admins add {EDITOR['id']}")
    editor = Learner(fake_api, EDITOR)
    listing = await editor.says("/chats")
    assert labels(listing) == ["ML Club"]
    await owner.says(f"/admins remove {EDITOR['id']}")
    alert = await editor.presses(listing, "ML Club", expect="answerCallbackQuery")
    assert alert.params["text"] == "⛔ Эта команда только для администраторов бота."
    assert database.query("SELECT status FROM subscriptions") == [("active",)]


FORUM_ID = -1001555000009


async def test_a_forum_topic_is_listed_on_its_own_and_its_card_acts_on_that_topic_only(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database,
) -> None:
    fake_api.add_chat(FORUM_ID, "supergroup", "ML Forum", owner=OWNER, admins=[GROUP_ADMIN],
                      is_forum=True)
    quizzes = fake_api.create_topic(FORUM_ID, "Квизы", by=OWNER)
    tasks = fake_api.create_topic(FORUM_ID, "Задачи", by=OWNER)
    await start_bot(admin_ids={OWNER["id"]})
    for topic in (quizzes, tasks):
        await ChatUser(fake_api, GROUP_ADMIN, FORUM_ID, thread_id=topic).says("/subscribe")
    await settled(database, "SELECT count(*) FROM subscriptions", [(2,)])

    assert database.query("SELECT topic_name FROM subscriptions ORDER BY thread_id") == [
        ("Квизы",), ("Задачи",)]  # the topic messages named their topics
    # A topic subscribed before names were kept: known by its id.
    database.execute("UPDATE subscriptions SET topic_name = NULL WHERE thread_id = :thread",
                     thread=quizzes)

    owner = Learner(fake_api, OWNER)
    listing = await owner.says("/chats")
    assert labels(listing) == [f"ML Forum · тема {quizzes}", "ML Forum · Задачи"]
    assert f"«ML Forum» ({FORUM_ID}) — тема форума {quizzes}, ✅ активен" in listing.params[
        "text"]
    named = f"«ML Forum» ({FORUM_ID}) — тема форума «Задачи» ({tasks})"
    assert f"{named}, ✅ активен" in listing.params["text"]
    card = await owner.presses(listing, "ML Forum · Задачи", expect="editMessageText")
    assert card.params["text"].splitlines()[0] == f"{named}, ✅ активен"

    paused = await owner.presses(card, "⏸ Пауза", expect="editMessageText")
    assert paused.params["text"].splitlines()[0].startswith(f"{named}, ⏸ на паузе")
    await settled(database, "SELECT thread_id, status FROM subscriptions ORDER BY thread_id",
                  [(quizzes, "active"), (tasks, "paused")])
    upcoming = await owner.presses(paused, "Что дальше")
    assert upcoming.params["text"].startswith(f"Вопрос дня в {FORUM_ID} на паузе")  # the topic
    resumed = await owner.presses(paused, "▶️ Возобновить", expect="editMessageText")
    assert resumed.params["text"].splitlines()[0] == f"{named}, ✅ активен"

    mark = fake_api.mark()
    posting = await owner.presses(resumed, "Опубликовать сейчас")
    assert posting.params["text"].startswith(f"Публикую в {FORUM_ID}: e2e-")
    post = await fake_api.wait_for_call(None, lambda call: call.method in (
        "sendMessage", "sendPoll") and to(FORUM_ID)(call), after=mark)
    assert post.params["message_thread_id"] == tasks
    await settled(database, "SELECT action, target FROM admin_actions ORDER BY id", [
        (action, f"{FORUM_ID}/{tasks}") for action in ("pause-chat", "resume-chat",
                                                       "post-now")])
