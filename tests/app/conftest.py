"""User-level tests of the bot run in the test's event loop (see harness.py): the wiring of
``python -m bot`` against the fake Bot API, on a migrated copy of the template database, with
the small e2e content bank, a clock the test moves and fixed randomness."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from bot.platform.config import Settings
from tests.app.harness import InProcessBot, MovableClock
from tests.databases import Database
from tests.e2e.conftest import E2E_CONTENT
from tests.fakebot import FakeBotAPI, make_user
from tests.fakebot.fixtures import TEST_TOKEN
from tests.users import Learner

StartBot = Callable[..., Awaitable[InProcessBot]]
ADMIN_ID = 1001
ALICE_ID = 1001


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """The bot's database, migrated (a copy of the run's template): the bot finds it at head."""
    database = Database(database_url)
    yield database
    database.close()


@pytest.fixture
def clock(fake_api: FakeBotAPI) -> MovableClock:
    """The bot's clock, and the fake Bot API's (message dates, polls closing)."""
    clock = MovableClock()
    fake_api.clock = clock.timestamp
    return clock


@pytest.fixture
def bot_settings(fake_api: FakeBotAPI, database: Database) -> dict[str, Any]:
    """The settings every run starts from (``Settings`` fields). Answer posts go as entity
    text, which the scripts read; a test of rich messages starts the bot with
    ``rich_messages=True``."""
    return {"bot_token": TEST_TOKEN, "telegram_api_url": fake_api.url,
            "database_url": database.url, "content_dir": E2E_CONTENT, "rich_messages": False}


@pytest.fixture
async def start_bot(
    fake_api: FakeBotAPI, bot_settings: dict[str, Any], clock: MovableClock,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[StartBot]:
    """A factory: ``bot = await start_bot(admin_ids={1})`` serves until ``bot.stop()``, with
    ``bot_settings`` changed by the keywords. Runs still going at teardown are stopped."""
    caplog.set_level(logging.INFO)
    started: list[InProcessBot] = []

    async def start(**changes: Any) -> InProcessBot:
        bot = InProcessBot(Settings(**{**bot_settings, **changes}), clock, seed=len(started))
        started.append(bot)
        await bot.start(fake_api)
        return bot

    yield start
    for bot in started:
        if bot.running:
            await bot.stop()


@pytest.fixture
async def running_bot(start_bot: StartBot) -> InProcessBot:
    """The bot, serving with ``bot_settings``."""
    return await start_bot()


@pytest.fixture
async def admin_bot(start_bot: StartBot) -> InProcessBot:
    """The bot, serving with ``ADMIN_ID`` as its one admin."""
    return await start_bot(admin_ids={ADMIN_ID})


@pytest.fixture
def admin(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(ADMIN_ID, "Админ"))


@pytest.fixture
def alice(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(ALICE_ID, "Алиса"))
