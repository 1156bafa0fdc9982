"""The daily post: it arrives at the scheduled minute, its answer follows as a reply, and chats
that refuse it change state. The bot's clock is moved to the minute, then on to the reveal."""

from __future__ import annotations

import asyncio
import time as wall
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.daily import subscriptions
from bot.platform.db.engine import create_engine, create_session_factory
from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI, bad_request, forbidden, make_user, migrated
from tests.users import settled, to

ZONE = ZoneInfo("Asia/Kathmandu")  # +05:45: a local minute is not a UTC-aligned hour offset
GROUP = -1001000000001
CHANNEL = -1001000000002
LEARNER = 7001
BLOCKED_LEARNER = 7002
VANISHED_GROUP = -1001000000003
OLD_GROUP, ITS_SUPERGROUP = -5001, -1001000000004  # the error reports the migration
MIGRATING_GROUP, NEW_SUPERGROUP = -5002, -1001000000005  # the service message reports it


def a_minute_ahead(clock: MovableClock) -> datetime:
    """A whole minute well ahead of the bot's clock: nothing is due until the test moves it."""
    return (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)


async def subscribe_all(database: Database, slot: datetime, now: datetime) -> None:
    """Admins subscribed these chats earlier: the rows are there before the bot starts."""
    engine = create_engine(database.url)
    local = slot.astimezone(ZONE).time().replace(tzinfo=None)
    plans: list[tuple[int, str, tuple[str, ...]]] = [
        (GROUP, "supergroup", ("quiz",)),
        (CHANNEL, "channel", ("quiz",)),
        (LEARNER, "private", ("question",)),
        (BLOCKED_LEARNER, "private", ("quiz", "question", "task")),
        (VANISHED_GROUP, "supergroup", ("quiz", "question", "task")),
        (OLD_GROUP, "group", ("task",)),
        (MIGRATING_GROUP, "group", ("task",)),
    ]
    async with create_session_factory(engine)() as session, session.begin():
        for chat_id, chat_type, kinds in plans:
            await subscriptions.subscribe(session, chat_id=chat_id, chat_type=chat_type,
                                          by_user=1, now=now, timezone=ZONE.key,
                                          times=[time(local.hour, local.minute)])
            await subscriptions.set_kinds(session, chat_id, kinds, now)
            await subscriptions.set_reveal_after(session, chat_id, 1, now)
    await engine.dispose()


async def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:  # noqa: ASYNC109
    deadline = wall.monotonic() + timeout
    while not (result := check()):
        if wall.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout}s")
        await asyncio.sleep(0.1)
    return result


def subscription(database: Database, chat_id: int) -> tuple[str, str] | None:
    """(status, pause reason) of the chat's subscription; None if it has none."""
    rows = database.query(
        "SELECT status, coalesce(pause_reason, '') FROM subscriptions WHERE chat_id = :chat",
        chat=chat_id)
    return (str(rows[0][0]), str(rows[0][1])) if rows else None


def paused(database: Database, chat_id: int) -> str | None:
    """The pause reason, once the chat's subscription is paused."""
    state = subscription(database, chat_id)
    return state[1] if state is not None and state[0] == "paused" else None


async def test_daily_posts_arrive_at_the_minute_answers_follow_and_refusals_change_state(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    slot = a_minute_ahead(clock)
    await subscribe_all(database, slot, clock())
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    fake_api.add_chat(CHANNEL, "channel", "ML interview")
    fake_api.add_chat(VANISHED_GROUP, "supergroup", "Deleted")
    fake_api.add_chat(OLD_GROUP, "group", "Old study group")
    fake_api.add_chat(ITS_SUPERGROUP, "supergroup", "Old study group")
    fake_api.add_chat(MIGRATING_GROUP, "group", "Study group")
    fake_api.fail_chat(BLOCKED_LEARNER, forbidden("bot was blocked by the user"))
    fake_api.fail_chat(VANISHED_GROUP, bad_request("chat not found"))
    fake_api.fail_chat(OLD_GROUP, migrated(ITS_SUPERGROUP))
    await start_bot()

    fake_api.migrate_group(MIGRATING_GROUP, NEW_SUPERGROUP)
    await eventually(lambda: subscription(database, NEW_SUPERGROUP))

    clock.move_to(slot)
    quiz = await fake_api.wait_for_call("sendPoll", to(GROUP))
    assert clock.at(quiz.at).replace(second=0, microsecond=0) == slot
    assert quiz.params["is_anonymous"] is False  # public in a group: answers count for /top
    channel_quiz = await fake_api.wait_for_call("sendPoll", to(CHANNEL))
    assert channel_quiz.params["is_anonymous"] is True
    question = await fake_api.wait_for_call("sendMessage", to(LEARNER))
    assert question.params["text"].startswith("🧠")
    for supergroup in (ITS_SUPERGROUP, NEW_SUPERGROUP):
        task = await fake_api.wait_for_call("sendMessage", to(supergroup))
        assert task.params["text"].startswith("📌")
    assert not fake_api.calls_of("sendMessage", chat_id=MIGRATING_GROUP)

    blocked = await eventually(lambda: paused(database, BLOCKED_LEARNER))
    assert "blocked" in blocked
    vanished = await eventually(lambda: paused(database, VANISHED_GROUP))
    assert "chat not found" in vanished
    assert subscription(database, OLD_GROUP) is None
    assert subscription(database, ITS_SUPERGROUP) == ("active", "")

    poll = quiz.result["poll"]
    right = poll["correct_option_ids"][0]
    fake_api.answer_poll(make_user(11, "Аня"), poll["id"], [right])
    fake_api.answer_poll(make_user(12, "Боря"), poll["id"], [(right + 1) % len(poll["options"])])
    answered = f"SELECT count(*) FROM attempts WHERE poll_id = '{poll['id']}'"
    await settled(database, answered, [(2,)])  # in before the answer is revealed

    clock.move(timedelta(minutes=1))
    stop = await fake_api.wait_for_call("stopPoll", to(GROUP))
    assert stop.params["message_id"] == quiz.result["message_id"]
    answer = await fake_api.wait_for_call("sendMessage", to(GROUP))
    assert answer.params["reply_parameters"]["message_id"] == quiz.result["message_id"]
    assert answer.params["text"].startswith("📊 Правильно ответили 50% (1 из 2)")
    [[drill_link]] = answer.params["reply_markup"]["inline_keyboard"]  # inline mode is off
    assert drill_link["url"].startswith(f"https://t.me/{fake_api.username}?start=topic_")
    model_answer = await fake_api.wait_for_call("sendMessage", to(LEARNER))
    assert model_answer.params["reply_parameters"]["message_id"] == question.result["message_id"]
    assert database.query("SELECT count(*) FROM attempts WHERE poll_id = :poll",
                          poll=poll["id"]) == [(2,)]


async def test_with_paid_broadcast_daily_posts_go_out_as_paid_broadcasts(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    slot = a_minute_ahead(clock)
    await subscribe_all(database, slot, clock())
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    await start_bot(paid_broadcast=True)

    clock.move_to(slot)
    quiz = await fake_api.wait_for_call("sendPoll", to(GROUP))
    question = await fake_api.wait_for_call("sendMessage", to(LEARNER))
    assert quiz.params["allow_paid_broadcast"] is True
    assert question.params["allow_paid_broadcast"] is True
    clock.move(timedelta(minutes=1))  # the quiz's answer, a daily post too
    answer = await fake_api.wait_for_call("sendMessage", to(GROUP))
    assert answer.params["allow_paid_broadcast"] is True


async def test_without_paid_broadcast_no_post_is_paid(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    slot = a_minute_ahead(clock)
    await subscribe_all(database, slot, clock())
    await start_bot()

    clock.move_to(slot)
    question = await fake_api.wait_for_call("sendMessage", to(LEARNER))
    assert "allow_paid_broadcast" not in question.params
