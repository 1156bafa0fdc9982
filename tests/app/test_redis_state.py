"""With REDIS_URL the dialog state lives in Redis: shared by replicas, kept over a restart."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.app.conftest import StartBot
from tests.app.test_admin_add import DONE, marks, start_quiz, text
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.users import Learner

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    """A reachable Redis; skipped without one, except in CI (env CI set), where it fails."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisConnectionError, OSError) as error:
        await client.aclose()
        reason = f"no Redis at {REDIS_URL} ({error}); set TEST_REDIS_URL to run this test"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def admin(fake_api: FakeBotAPI, redis: Redis) -> AsyncIterator[Learner]:
    """An admin with an id of its own, so the test's Redis keys meet no one else's."""
    admin_id = random.randint(10**9, 2 * 10**9)
    yield Learner(fake_api, make_user(admin_id, "Админ"))
    stale = [key async for key in redis.scan_iter(f"fsm:*:{admin_id}:{admin_id}:*")]
    if stale:
        await redis.delete(*stale)


async def test_a_dialog_in_redis_survives_a_restart(
    start_bot: StartBot, database: Database,
    admin: Learner, redis: Redis,
) -> None:
    settings = {"admin_ids": {admin.id}, "redis_url": REDIS_URL}
    before = await start_bot(**settings)
    ask_correct = await start_quiz(admin, "Что такое early stopping?",
                                   "Остановка по валидации\nУвеличение эпох")
    assert database.query("SELECT count(*) FROM dialog_states") == [(0,)]
    assert [key async for key in redis.scan_iter(f"fsm:*:{admin.id}:{admin.id}:state")]
    await before.stop()

    await start_bot(**settings)  # a new run: the state comes back from Redis
    await marks(admin, ask_correct, "⬜ Остановка по валидации")
    ask_poll_explanation = await admin.presses(ask_correct, DONE)
    assert text(ask_poll_explanation).startswith("Короткое пояснение")

    cancelled = await admin.says("/cancel")
    assert text(cancelled).startswith("Диалог прерван, ничего не сохранено.")
    assert [key async for key in redis.scan_iter(f"fsm:*:{admin.id}:{admin.id}:state")] == []
