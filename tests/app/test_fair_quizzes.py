"""Fair quizzes: each send shows the options in a new order, and whatever the order, the item's
right option is scored right, in private and in a group's daily quiz with its reveal."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.daily import subscriptions
from bot.platform.db.engine import create_engine, create_session_factory
from tests.app.conftest import StartBot
from tests.app.harness import InProcessBot, MovableClock
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI, make_user
from tests.users import ChatUser, Learner, labels, settled, to

GROUP = -1001000000077
ZONE = "Europe/Moscow"
# The bank's quizzes (tests/e2e/content): question → its options as written, the right ones.
BANK = {
    "Какой эффект даёт L2-регуляризация?": (
        ["Отбор признаков", "Увеличение весов модели", "Уменьшение разброса модели"], [2]),
    "Какой эффект характерен именно для L1-регуляризации?": (
        ["Отбор признаков", "Увеличение весов модели"], [0]),
}


def texts(quiz: Call) -> list[str]:
    return [str(option["text"]) for option in quiz.params["options"]]


def right_and_wrong(quiz: Call) -> tuple[list[int], list[int]]:
    """Positions of the item's right options in this poll, and of the others."""
    written, correct = BANK[quiz.params["question"]]
    right = [texts(quiz).index(written[index]) for index in correct]
    return right, [position for position in range(len(written)) if position not in right]


async def test_the_items_right_option_is_right_wherever_the_poll_shows_it(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database,
) -> None:
    alice = Learner(fake_api, make_user(1001, "Алиса"))
    orders = []
    for _ in range(4):
        quiz = await alice.says("/quiz", expect="sendPoll")
        written, correct = BANK[quiz.params["question"]]
        right, _ = right_and_wrong(quiz)
        assert quiz.params["correct_option_ids"] == right
        verdict = await alice.answers(quiz, right)
        assert verdict.params["text"].startswith("✅")
        [(chosen, order)] = database.query(
            "SELECT a.chosen_option_ids, p.option_order FROM attempts a "
            "JOIN sent_polls p ON p.poll_id = a.poll_id WHERE a.poll_id = :poll",
            poll=quiz.result["poll"]["id"])
        assert json.loads(chosen) == correct  # the item's own option, not the position
        assert [written[index] for index in json.loads(order)] == texts(quiz)
        orders.append(json.loads(order))
    assert any(order != sorted(order) for order in orders)  # some were shuffled


async def subscribe_group(database: Database, slot: datetime, now: datetime) -> None:
    """An admin subscribed the group earlier: quizzes at ``slot``, revealed a minute later."""
    engine = create_engine(database.url)
    at = slot.astimezone(ZoneInfo(ZONE))
    async with create_session_factory(engine)() as session, session.begin():
        await subscriptions.subscribe(session, chat_id=GROUP, chat_type="supergroup", by_user=1,
                                      now=now, timezone=ZONE, times=[time(at.hour, at.minute)])
        await subscriptions.set_kinds(session, GROUP, ("quiz",), now)
        await subscriptions.set_reveal_after(session, GROUP, 1, now)
    await engine.dispose()


async def first_daily_quiz(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock, *,
    setting: str = "", members: Iterable[dict[str, Any]] = (), **bot_settings: Any,
) -> tuple[Call, InProcessBot]:
    """The group subscribed earlier (``setting``: an SQL SET clause on its subscription), a bot
    started with ``bot_settings``: the group's first daily quiz, and the bot that sent it."""
    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    await subscribe_group(database, slot, clock())
    if setting:
        database.execute(f"UPDATE subscriptions SET {setting}")
    fake_api.add_chat(GROUP, "supergroup", "ML club", members=members)
    bot = await start_bot(**bot_settings)
    clock.move_to(slot)
    return await fake_api.wait_for_call("sendPoll", to(GROUP)), bot


async def test_a_group_reveal_counts_the_shuffled_right_option(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    quiz, _ = await first_daily_quiz(start_bot, fake_api, database, clock)
    right, wrong = right_and_wrong(quiz)
    poll_id = quiz.result["poll"]["id"]
    fake_api.answer_poll(make_user(11, "Аня"), poll_id, right)
    fake_api.answer_poll(make_user(12, "Боря"), poll_id, wrong[:1])
    fake_api.answer_poll(make_user(13, "Вера"), poll_id, right)
    await settled(database, "SELECT count(*) FROM attempts WHERE is_correct", [(2,)])
    written, correct = BANK[quiz.params["question"]]
    [(order,)] = database.query("SELECT option_order FROM sent_polls")
    assert [written[index] for index in json.loads(order)] == texts(quiz)
    assert {chosen for (chosen,) in database.query(
        "SELECT chosen_option_ids FROM attempts WHERE is_correct")} == {json.dumps(correct)}

    clock.move(timedelta(minutes=1))
    reveal = await fake_api.wait_for_call("sendMessage", to(GROUP))
    assert reveal.params["text"].startswith("📊 Правильно ответили 67% (2 из 3)")


async def test_a_fair_group_quiz_hides_its_results_until_the_reveal_closes_it(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    quiz, _ = await first_daily_quiz(start_bot, fake_api, database, clock)
    assert quiz.params["hide_results_until_closes"] is True
    assert quiz.params["allows_revoting"] is False
    closes_at = datetime.fromtimestamp(quiz.params["close_date"], UTC)
    assert abs(closes_at - clock.at(quiz.at) - timedelta(minutes=1)) < timedelta(seconds=2)
    await settled(database, "SELECT count(*) FROM deliveries WHERE status = 'sent'", [(1,)])
    [(reveal_due,)] = database.query("SELECT reveal_due_at FROM deliveries")
    assert datetime.fromisoformat(str(reveal_due)).replace(tzinfo=UTC) == closes_at  # one moment
    right, wrong = right_and_wrong(quiz)
    poll_id = quiz.result["poll"]["id"]
    fake_api.answer_poll(make_user(11, "Аня"), poll_id, right)
    fake_api.answer_poll(make_user(12, "Боря"), poll_id, wrong[:1])
    with pytest.raises(ValueError, match="doesn't allow changing"):
        fake_api.answer_poll(make_user(12, "Боря"), poll_id, right)
    await settled(database, "SELECT count(*) FROM attempts", [(2,)])

    clock.move_to(closes_at + timedelta(seconds=1))  # Telegram closed it: the reveal counts
    reveal = await fake_api.wait_for_call("sendMessage", to(GROUP))
    assert reveal.params["text"].startswith("📊 Правильно ответили 50% (1 из 2)")
    [stop] = fake_api.calls_of("stopPoll")
    assert stop.error == "Bad Request: poll has already been closed"


async def test_a_group_can_turn_fair_play_off(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    quiz, _ = await first_daily_quiz(start_bot, fake_api, database, clock,
                                     setting="fair_play = false")
    assert "hide_results_until_closes" not in quiz.params
    assert "close_date" not in quiz.params


async def test_a_groups_admin_turns_fair_play_and_private_notes_off_and_on(
    fake_api: FakeBotAPI, running_bot: InProcessBot, database: Database,
) -> None:
    admin_user = make_user(2002, "Артём")
    fake_api.add_chat(GROUP, "supergroup", "ML club", admins=[admin_user])
    admin = ChatUser(fake_api, admin_user, GROUP)
    await admin.says("/subscribe 09:30 Europe/Berlin")
    settings = "SELECT fair_play, private_feedback FROM subscriptions"
    await settled(database, settings, [(True, True)])  # on for a new subscription too

    screen = await admin.says("/settings")
    screen = await admin.presses(screen, "✓ Честная игра", expect="editMessageText")
    screen = await admin.presses(screen, "✓ Личные подсказки", expect="editMessageText")
    await settled(database, settings, [(False, False)])
    assert {"Честная игра", "Личные подсказки"} <= set(labels(screen))
    await admin.presses(screen, "Честная игра", expect="editMessageText")
    await settled(database, settings, [(True, False)])


async def test_an_anonymous_group_quiz_hides_its_results_until_the_reveal_stops_it(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    quiz, _ = await first_daily_quiz(start_bot, fake_api, database, clock,
                                     setting="anonymous_polls = true")
    assert (quiz.params["is_anonymous"], quiz.params["hide_results_until_closes"]) == (True, True)
    # Only the reveal's stopPoll brings an anonymous quiz's counts: Telegram must not close it.
    assert "close_date" not in quiz.params
    right, wrong = right_and_wrong(quiz)
    fake_api.answer_poll(make_user(11, "Аня"), quiz.result["poll"]["id"], right)
    fake_api.answer_poll(make_user(12, "Боря"), quiz.result["poll"]["id"], wrong[:1])
    await settled(database, "SELECT count(*) FROM deliveries WHERE status = 'sent'", [(1,)])

    clock.move(timedelta(minutes=1))
    reveal = await fake_api.wait_for_call("sendMessage", to(GROUP))
    assert reveal.params["text"].startswith("📊 Правильно ответили 50% (1 из 2)")
    [stop] = fake_api.calls_of("stopPoll")
    assert stop.ok
