"""Webhook mode: Telegram POSTs updates, checked by a secret; /healthz and /metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import Database
from tests.e2e.conftest import (
    PUBLIC_URL,
    SECRET,
    Learner,
    StartBot,
    WebhookBot,
    free_port,
    start_webhook_bot,
)
from tests.fakebot import FakeBotAPI, delay, make_user, too_many_requests

ALICE_ID = 3003


@pytest.fixture
async def webhook_bot(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str]
) -> WebhookBot:
    return await start_webhook_bot(fake_api, bot_process, bot_settings)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def alice(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(ALICE_ID, "Алиса"))


async def metric(http: aiohttp.ClientSession, base: str, sample: str, **labels: str) -> float:
    """The value of one sample on /metrics (0 when absent: no such event yet)."""
    async with http.get(f"{base}/metrics") as response:
        assert response.status == 200
        body = await response.text()
    for family in text_string_to_metric_families(body):
        for found in family.samples:
            if found.name == sample and found.labels == labels:
                return float(found.value)
    return 0.0


async def reaches(
    http: aiohttp.ClientSession, base: str, expected: float, sample: str, **labels: str
) -> None:
    """Wait until the sample reads ``expected``: an update is counted when its handler ends,
    a moment after the reply it sent."""
    for _ in range(100):
        value = await metric(http, base, sample, **labels)
        if value == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sample}{labels} stayed at {value}, expected {expected}")


async def test_updates_come_by_webhook_and_a_stopping_replica_keeps_it(
    fake_api: FakeBotAPI, webhook_bot: WebhookBot, alice: Learner
) -> None:
    registered = fake_api.calls_of("setWebhook")[0].params
    assert registered["url"] == PUBLIC_URL
    assert registered["secret_token"] == SECRET
    assert {"message", "callback_query", "poll_answer"} <= set(registered["allowed_updates"])
    assert not registered.get("drop_pending_updates")

    fake_api.route_webhook(webhook_bot.hook)
    greeting = await alice.says("/start")
    assert greeting.params["text"].startswith("Привет, Алиса! 👋")
    assert fake_api.calls_of("getUpdates") == []

    assert await webhook_bot.process.stop() == 0
    assert fake_api.calls_of("deleteWebhook") == []  # the other replicas still serve it
    assert fake_api.webhook is not None
    assert SECRET not in webhook_bot.process.log


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_handled(
    fake_api: FakeBotAPI, webhook_bot: WebhookBot, database: Database,
) -> None:
    update = fake_api.send_text(make_user(ALICE_ID, "Алиса"), "/quiz")
    for secret in ("wrong-secret", None):
        status, _ = await fake_api.post_to_webhook(webhook_bot.hook, update, secret)
        assert status == 401
    await asyncio.sleep(0.5)  # time the bot would have needed to answer
    assert fake_api.calls_of("sendPoll") == []
    assert database.query("SELECT count(*) FROM sent_polls") == [(0,)]

    status, _ = await fake_api.post_to_webhook(webhook_bot.hook, update, SECRET)
    assert status == 200  # answered once handled: the quiz is out and remembered
    assert fake_api.calls_of("sendPoll", chat_id=ALICE_ID)
    assert database.query("SELECT count(*) FROM sent_polls") == [(1,)]


async def test_sigterm_lets_the_update_in_flight_finish_and_acknowledges_it(
    fake_api: FakeBotAPI, webhook_bot: WebhookBot, database: Database,
) -> None:
    fake_api.fail_next("sendPoll", delay(2.0))
    fake_api.route_webhook(webhook_bot.hook)
    update = fake_api.send_text(make_user(ALICE_ID, "Алиса"), "/quiz")
    await fake_api.wait_for_call("sendPoll", finished=False)

    assert await webhook_bot.process.stop() == 0
    assert database.query("SELECT count(*) FROM sent_polls") == [(1,)]
    await fake_api.wait_delivered(update)  # answered 200 once handled: Telegram won't resend
    assert fake_api.webhook_deliveries == [(update["update_id"], 200)]


async def test_a_slow_update_is_answered_only_once_it_ran_and_a_stop_is_still_bounded(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    http: aiohttp.ClientSession, database: Database,
) -> None:
    port = free_port()
    bot = await bot_process({
        **bot_settings, "WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port), "SHUTDOWN_GRACE_SECONDS": "4",
    }, wait=False)
    await fake_api.wait_for_call("setWebhook", timeout=30)
    hook = f"http://127.0.0.1:{port}/tg/webhook"
    fake_api.fail_next("sendPoll", delay(3.0))
    quiz = fake_api.send_text(make_user(ALICE_ID, "Алиса"), "/quiz")
    started = time.monotonic()
    status, _ = await fake_api.post_to_webhook(hook, quiz, SECRET)
    assert status == 200
    assert time.monotonic() - started >= 3.0  # not before the update ran
    assert database.query("SELECT count(*) FROM sent_polls") == [(1,)]

    fake_api.fail_next("sendPoll", delay(60.0))  # longer than any grace period
    stuck = fake_api.send_text(make_user(ALICE_ID, "Алиса"), "/quiz")
    mark = fake_api.mark()  # the first quiz's sendPoll is no sign that this update is in hand
    answer = asyncio.create_task(fake_api.post_to_webhook(hook, stuck, SECRET))
    await fake_api.wait_for_call("sendPoll", after=mark, finished=False)
    started = time.monotonic()
    assert await bot.stop(timeout=10) == 0
    assert time.monotonic() - started <= 4
    status, _ = await answer
    assert status == 503  # not handled: Telegram delivers it again, to a replica that runs


NOT_UPDATES = (
    b"{not json", b"", b"[1, 2]", b"{}", b'{"update_id": "7", "message": {}}', b"\xff\xfe{}",
    b"[" * 100_000,
)


async def test_a_body_that_is_not_an_update_is_dropped_with_200_never_500(
    fake_api: FakeBotAPI, webhook_bot: WebhookBot, http: aiohttp.ClientSession,
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    for body in NOT_UPDATES:
        async with http.post(webhook_bot.hook, data=body, headers=headers) as response:
            assert response.status == 200, body[:20]  # Telegram retries anything else for hours
    fake_api.route_webhook(webhook_bot.hook)
    greeting = await Learner(fake_api, make_user(ALICE_ID, "Алиса")).says("/start")
    assert greeting.ok  # and the bot goes on
    assert await webhook_bot.process.stop() == 0
    dropped = webhook_bot.process.log.count("dropped a webhook body that is not an update")
    assert dropped == len(NOT_UPDATES)


async def test_the_same_update_delivered_a_hundred_times_is_handled_once(
    fake_api: FakeBotAPI, webhook_bot: WebhookBot, database: Database,
) -> None:
    start = fake_api.send_text(make_user(ALICE_ID, "Алиса"), "/start")
    for _ in range(10):  # Telegram retrying, ten requests at a time
        answers = await asyncio.gather(*(
            fake_api.post_to_webhook(webhook_bot.hook, start, SECRET) for _ in range(10)
        ))
        assert {status for status, _ in answers} == {200}
    assert len(fake_api.calls_of("sendMessage", chat_id=ALICE_ID)) == 1
    assert database.query("SELECT count(*) FROM handled_updates WHERE update_id = :id",
                          id=start["update_id"]) == [(1,)]


async def test_healthz_answers_when_the_database_does(
    webhook_bot: WebhookBot, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{webhook_bot.base}/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok", "database": "up"}


async def test_metrics_count_updates_sends_and_flood_waits(
    fake_api: FakeBotAPI, webhook_bot: WebhookBot, http: aiohttp.ClientSession, alice: Learner,
) -> None:
    base = webhook_bot.base
    handled = {"update_type": "message", "outcome": "handled"}
    assert await metric(http, base, "bot_updates_total", **handled) == 0
    fake_api.route_webhook(webhook_bot.hook)

    fake_api.fail_next("sendMessage", too_many_requests(retry_after=1))
    throttled = await alice.says("/start")
    assert throttled.status == 429
    assert (await alice.reply()).ok  # retried after retry_after

    await reaches(http, base, 1, "bot_updates_total", **handled)
    assert await metric(http, base, "bot_update_handling_seconds_count",
                        update_type="message") == 1
    assert await metric(http, base, "bot_api_calls_total", method="sendMessage") == 2
    assert await metric(http, base, "bot_api_flood_waits_total", method="sendMessage") == 1

    await alice.says("/help")
    await reaches(http, base, 2, "bot_updates_total", **handled)
    assert await metric(http, base, "bot_api_flood_waits_total", method="sendMessage") == 1


async def test_polling_mode_serves_metrics_on_metrics_port(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    http: aiohttp.ClientSession, alice: Learner,
) -> None:
    port = free_port()
    await bot_process({**bot_settings, "METRICS_PORT": str(port), "WEBHOOK_HOST": "127.0.0.1"})
    await alice.says("/start")
    base = f"http://127.0.0.1:{port}"
    await reaches(http, base, 1, "bot_updates_total", update_type="message", outcome="handled")
    async with http.get(f"{base}/healthz") as response:
        assert response.status == 200
