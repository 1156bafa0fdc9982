"""Inline mode: ``@bot words`` in any chat offers matching items as articles whose "Answer"
button opens the item in the private chat; an empty query offers today's item first; archived
items never appear."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from tests.app.conftest import StartBot
from tests.app.harness import InProcessBot, MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.users import Learner, settled, to

ALICE = make_user(1001, "Алиса")
BOB = make_user(1002, "Bob")


@pytest.fixture
def inline_mode(fake_api: FakeBotAPI) -> None:
    fake_api.inline_mode = True  # /setinline in @BotFather


async def offered(fake_api: FakeBotAPI, query: str) -> list[dict[str, Any]]:
    """The articles the bot answers ``@bot query`` with."""
    update = fake_api.send_inline_query(ALICE, query)
    query_id = update["inline_query"]["id"]
    answer = await fake_api.wait_for_call(
        "answerInlineQuery", lambda call: call.params["inline_query_id"] == query_id)
    assert answer.ok, answer.error
    assert answer.params["cache_time"] == 60
    results: list[dict[str, Any]] = answer.params["results"]
    return results


def item_id(database: Database, slug: str) -> int:
    [(found,)] = database.query("SELECT id FROM items WHERE slug = :slug", slug=slug)
    return int(found)


async def test_an_inline_query_offers_matching_items_whose_button_opens_them_in_private(
    fake_api: FakeBotAPI, inline_mode: None, running_bot: InProcessBot, database: Database,
) -> None:
    assert "inline mode is off" not in running_bot.log
    assert fake_api.allowed_updates is not None
    assert "inline_query" in fake_api.allowed_updates

    [roc] = await offered(fake_api, "ROC")
    assert roc["id"] == str(item_id(database, "e2e-roc"))
    assert roc["title"] == "Как работает ROC-кривая?"
    assert roc["input_message_content"]["message_text"] == "🧠 Как работает ROC-кривая?"
    [[answer]] = roc["reply_markup"]["inline_keyboard"]
    assert answer["text"] == "Ответить"
    link = urlparse(answer["url"])
    assert (link.netloc, link.path) == ("t.me", f"/{fake_api.username}")

    [payload] = parse_qs(link.query)["start"]
    opened = await Learner(fake_api, BOB).says(f"/start {payload}")
    assert opened.params["text"] == "🧠 Как работает ROC-кривая?"

    quizzes = await offered(fake_api, "регуляризация")  # the topic's hashtag
    assert [quiz["title"] for quiz in quizzes] == [
        "Какой эффект даёт L2-регуляризация?",
        "Какой эффект характерен именно для L1-регуляризации?"]
    assert quizzes[1]["input_message_content"]["message_text"].endswith(
        "\n\n1) Отбор признаков\n2) Увеличение весов модели")
    assert await offered(fake_api, "регуляризация L1 веса отбор") == []  # every word must match
    assert [item["id"] for item in await offered(fake_api, str(item_id(database, "e2e-l1")))
            ] == [str(item_id(database, "e2e-l1"))]  # what the "Share" button types


async def test_without_inline_mode_the_log_says_how_to_switch_it_on(
    running_bot: InProcessBot,
) -> None:
    assert "inline mode is off" in running_bot.log
    assert "@BotFather (/setinline)" in running_bot.log


async def test_archived_items_never_appear_and_an_empty_query_starts_with_todays_item(
    fake_api: FakeBotAPI, inline_mode: None, start_bot: StartBot, database: Database,
    clock: MovableClock,
) -> None:
    await start_bot(admin_ids={ALICE["id"]})
    await Learner(fake_api, ALICE).says("/archive e2e-l1")
    assert len(await offered(fake_api, "регуляризация")) == 1

    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    learner = Learner(fake_api, BOB)
    await learner.says(f"/subscribe {slot.astimezone(ZoneInfo('Europe/Moscow')):%H:%M}")
    clock.move_to(slot)
    await fake_api.wait_for_call(
        None, lambda call: call.method in ("sendPoll", "sendMessage")
        and call.params.get("chat_id") == BOB["id"] and call.index > 0 and "Ответ —" in str(
            call.params.get("text") or call.params.get("description") or ""))
    [(posted,)] = database.query("SELECT item_id FROM deliveries")

    everything = await offered(fake_api, "")
    assert everything[0]["id"] == str(posted)
    assert sorted(int(item["id"]) for item in everything) == sorted(
        item_id(database, slug) for slug in ("e2e-l2", "e2e-roc", "e2e-f1-task"))

    await settled(database, "SELECT status FROM deliveries", [("sent",)])
    mark = fake_api.mark()
    clock.move(timedelta(minutes=240))
    answer = await fake_api.wait_for_call("sendMessage", to(BOB["id"]), after=mark)
    assert {"text": "Поделиться", "switch_inline_query": str(posted)} in [
        button for row in answer.params["reply_markup"]["inline_keyboard"] for button in row]
