"""A forum topic's subscription in the real process: /subscribe in the topic, the daily post in
the topic, its answer a reply there, and the topic closed pausing the subscription."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute

from bot.platform.db.models import Delivery, Subscription
from tests.databases import Database
from tests.e2e.conftest import ChatUser, settled, to
from tests.fakebot import BotProcess, Call, FakeBotAPI, make_user

FORUM_ID = -1001555000002
SIDE_GROUP_ID = -1001555000003
OWNER = make_user(2201, "Ольга")
MEMBER = make_user(2202, "Мария")


async def wake_the_scheduler(fake_api: FakeBotAPI) -> None:
    """A one-off /quiz in another group: its reveal, committed, wakes the daily scheduler, as
    any change to the schedule does. The test moves the topic's times in the database, which a
    sleeping scheduler would otherwise notice only at its idle check, a minute later."""
    await ChatUser(fake_api, MEMBER, SIDE_GROUP_ID).says("/quiz", expect="sendPoll")


def due_now(database: Database, moment: InstrumentedAttribute[datetime | None]) -> None:
    """Every row's ``moment`` (when its post or its answer is due) is now."""
    with database.engine.begin() as connection:
        connection.execute(update(moment.class_).values({moment: datetime.now(UTC)}))


async def test_a_topic_subscription_posts_and_answers_in_the_topic_until_the_topic_closes(
    fake_api: FakeBotAPI, running_bot: BotProcess, database: Database,
) -> None:
    fake_api.add_chat(FORUM_ID, "supergroup", "ML Forum", owner=OWNER, members=[MEMBER],
                      is_forum=True)
    fake_api.add_chat(SIDE_GROUP_ID, "supergroup", "Side", owner=OWNER, members=[MEMBER])
    topic = fake_api.create_topic(FORUM_ID, "Квизы", by=OWNER)
    in_topic = to(FORUM_ID, topic)

    done = await ChatUser(fake_api, OWNER, FORUM_ID, thread_id=topic).says("/subscribe")
    assert done.params["text"].startswith("✅ Готово! «ML Forum» будет получать вопрос дня.")
    await settled(database, "SELECT thread_id, status FROM subscriptions",
                  [(topic, "active")])

    mark = fake_api.mark()
    due_now(database, Subscription.next_run_at)
    await wake_the_scheduler(fake_api)

    def is_post(call: Call) -> bool:
        return call.method in ("sendPoll", "sendMessage") and in_topic(call)

    post = await fake_api.wait_for_call(None, is_post, after=mark, timeout=30)
    assert post.result["is_topic_message"] is True
    await settled(database, "SELECT status FROM deliveries", [("sent",)])

    due_now(database, Delivery.reveal_due_at)
    await wake_the_scheduler(fake_api)

    def is_answer(call: Call) -> bool:
        reply: dict[str, Any] = call.params.get("reply_parameters") or {}
        return (call.method == "sendMessage" and in_topic(call)
                and reply.get("message_id") == post.result["message_id"])

    answer = await fake_api.wait_for_call(None, is_answer, after=mark, timeout=30)
    assert answer.result["is_topic_message"] is True
    await settled(database, "SELECT status FROM deliveries", [("revealed",)])

    fake_api.close_topic(FORUM_ID, topic, by=OWNER)
    due_now(database, Subscription.next_run_at)
    await wake_the_scheduler(fake_api)
    await settled(database, "SELECT thread_id, status, pause_reason FROM subscriptions",
                  [(topic, "paused", "Bad Request: TOPIC_CLOSED")])
