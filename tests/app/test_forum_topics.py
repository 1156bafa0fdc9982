"""A forum supergroup: each topic subscribes on its own; the daily post, its answer and /top stay
in the topic; a closed topic pauses its own subscription, and reopening it offers to resume."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import ChatUser, settled, to

FORUM_ID = -1001555000001
OWNER = make_user(2101, "Ольга")
ADMIN = make_user(2102, "Артём")
MEMBER = make_user(2103, "Мария")
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.fixture
def forum(fake_api: FakeBotAPI) -> dict[str, Any]:
    return fake_api.add_chat(FORUM_ID, "supergroup", "ML Forum", owner=OWNER, admins=[ADMIN],
                             members=[MEMBER], is_forum=True)


def a_minute_ahead(clock: MovableClock) -> datetime:
    return (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)


def in_topic(thread_id: int) -> Any:
    return to(FORUM_ID, thread_id)


def replying_to(thread_id: int, message_id: int) -> Callable[[Call], bool]:
    return lambda call: in_topic(thread_id)(call) and call.params.get(
        "reply_parameters", {}).get("message_id") == message_id


async def the_post(fake_api: FakeBotAPI, thread_id: int, after: int) -> Call:
    """The daily post in the topic: a quiz poll, or a question's or task's message."""
    return await fake_api.wait_for_call(
        None, lambda call: call.method in ("sendPoll", "sendMessage") and in_topic(thread_id)(call),
        after=after)


async def test_each_topic_has_its_own_daily_post_answer_and_pause(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
    forum: dict[str, Any],
) -> None:
    quizzes = fake_api.create_topic(FORUM_ID, "Квизы", by=OWNER)
    tasks = fake_api.create_topic(FORUM_ID, "Задачи", by=OWNER)
    await start_bot()
    slot = a_minute_ahead(clock)
    at = slot.astimezone(MOSCOW).strftime("%H:%M")

    for thread_id in (quizzes, tasks):
        done = await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=thread_id).says(
            f"/subscribe {at}")
        assert done.params["text"].startswith("✅ Готово! «ML Forum» будет получать вопрос дня.")
    await settled(database, "SELECT thread_id, status FROM subscriptions"
                  f" WHERE chat_id = {FORUM_ID} ORDER BY thread_id",
                  [(quizzes, "active"), (tasks, "active")])
    [(quiz_subscription,)] = database.query(
        "SELECT id FROM subscriptions WHERE thread_id = :thread", thread=quizzes)
    settings = await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=quizzes).says("/settings")
    assert settings.params["message_thread_id"] == quizzes
    assert all(button["callback_data"].startswith(f"subs:{quiz_subscription}:")  # the topic's
               for row in settings.params["reply_markup"]["inline_keyboard"] for button in row)

    fake_api.close_topic(FORUM_ID, tasks, by=OWNER)
    mark = fake_api.mark()
    clock.move_to(slot)
    post = await the_post(fake_api, quizzes, mark)
    await settled(database, "SELECT status, pause_reason FROM subscriptions"
                  f" WHERE chat_id = {FORUM_ID} AND thread_id = {tasks}",
                  [("paused", "Bad Request: TOPIC_CLOSED")])
    assert database.query("SELECT status FROM subscriptions WHERE thread_id = :thread",
                          thread=quizzes) == [("active",)]
    await settled(database, "SELECT count(*) FROM deliveries WHERE status = 'sent'", [(1,)])

    one_off = await ChatUser(fake_api, MEMBER, FORUM_ID, thread_id=quizzes).says(
        "/quiz", expect="sendPoll")

    clock.move(timedelta(minutes=240))
    for question in (post, one_off):
        answer = await fake_api.wait_for_call(
            "sendMessage", replying_to(quizzes, question.result["message_id"]), after=mark)
        assert answer.result["is_topic_message"] is True

    top = await ChatUser(fake_api, MEMBER, FORUM_ID, thread_id=quizzes).says("/top")
    assert top.params["message_thread_id"] == quizzes

    mark = fake_api.mark()
    reopened = fake_api.reopen_topic(FORUM_ID, tasks, by=OWNER)
    offer = await fake_api.wait_for_call("sendMessage", in_topic(tasks), after=mark)
    assert offer.params["text"].startswith("Тема снова открыта 👋")
    assert reopened["message"]["message_thread_id"] == tasks
    await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=tasks).presses(
        offer, "▶ Возобновить", expect="answerCallbackQuery")
    await settled(database, "SELECT status FROM subscriptions"
                  f" WHERE chat_id = {FORUM_ID} AND thread_id = {tasks}", [("active",)])

    stopped = await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=quizzes).says("/unsubscribe")
    assert stopped.params["message_thread_id"] == quizzes
    await settled(database, "SELECT thread_id, status FROM subscriptions ORDER BY thread_id",
                  [(quizzes, "stopped"), (tasks, "active")])


async def test_a_deleted_topic_pauses_its_subscription(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
    forum: dict[str, Any],
) -> None:
    topic = fake_api.create_topic(FORUM_ID, "Квизы", by=OWNER)
    await start_bot()
    slot = a_minute_ahead(clock)
    await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=topic).says(
        f"/subscribe {slot.astimezone(MOSCOW):%H:%M}")
    await ChatUser(fake_api, ADMIN, FORUM_ID).says(f"/subscribe {slot.astimezone(MOSCOW):%H:%M}")
    fake_api.delete_topic(FORUM_ID, topic)

    mark = fake_api.mark()
    clock.move_to(slot)
    await settled(database,
                  f"SELECT status, pause_reason FROM subscriptions WHERE thread_id = {topic}",
                  [("paused", "Bad Request: message thread not found")])
    general = await fake_api.wait_for_call(
        None, lambda call: call.method in ("sendPoll", "sendMessage")
        and to(FORUM_ID)(call) and "message_thread_id" not in call.params, after=mark)
    assert general.ok


async def test_added_back_the_bot_offers_to_resume_in_each_topic(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, forum: dict[str, Any],
) -> None:
    topic = fake_api.create_topic(FORUM_ID, "Квизы", by=OWNER)
    await start_bot()
    await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=topic).says("/subscribe")
    fake_api.chat_member_update(FORUM_ID, OWNER, "member", "kicked")
    await settled(database, "SELECT status, pause_reason FROM subscriptions",
                  [("paused", "removed")])

    mark = fake_api.mark()
    fake_api.chat_member_update(FORUM_ID, OWNER, "kicked", "member")
    offer = await fake_api.wait_for_call("sendMessage", to(FORUM_ID), after=mark)
    assert offer.params["message_thread_id"] == topic
    assert offer.params["text"].startswith("Я снова здесь 👋")
    await ChatUser(fake_api, ADMIN, FORUM_ID, thread_id=topic).presses(
        offer, "▶ Возобновить", expect="answerCallbackQuery")
    await settled(database, "SELECT status FROM subscriptions", [("active",)])
