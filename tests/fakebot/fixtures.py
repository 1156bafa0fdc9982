"""pytest fixtures for the fake Bot API.

Registered for the whole suite by ``pytest_plugins = ["tests.fakebot.fixtures"]`` in
tests/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from bot.platform.telegram.json_session import JsonBodySession

from .process import BotProcess, bot_env
from .server import FakeBotAPI

__all__ = ["PROJECT_ROOT", "TEST_TOKEN", "aiogram_bot", "bot_process", "fake_api"]

#: digits ':' 35 characters of [A-Za-z0-9_-], like a real token.
TEST_TOKEN = "123456789:AAH-fake-token-for-tests-only-xxxxx"
#: /work/main: where ``python -m bot`` runs.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

StartBot = Callable[..., Awaitable[BotProcess]]


@pytest_asyncio.fixture
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    """A started FakeBotAPI (token TEST_TOKEN); fails the test if the fake itself crashed."""
    api = FakeBotAPI(token=TEST_TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.close()
    if api.internal_errors:
        pytest.fail("the fake Bot API failed internally:\n" + "\n".join(api.internal_errors))


@pytest_asyncio.fixture
async def aiogram_bot(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    """An aiogram Bot talking to ``fake_api`` (for tests of code that takes a Bot), with the
    bot's own session: JSON bodies, and no SSL connections to wait for when closing."""
    session = JsonBodySession(api=TelegramAPIServer.from_base(fake_api.url))
    bot = Bot(fake_api.token, session=session)
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest_asyncio.fixture
async def bot_process(fake_api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[StartBot]:
    """A factory: ``proc = await bot_process(env={...}, wait=True)`` runs ``python -m bot``.

    The environment is ``bot_env(fake_api)`` (TELEGRAM_API_URL, BOT_TOKEN) plus ``env``; the
    working directory is the project root unless ``cwd`` is given. Every process started is
    stopped at teardown.
    """
    started: list[BotProcess] = []

    async def start(
        env: Mapping[str, str] | None = None,
        *,
        wait: bool = True,
        cwd: str | os.PathLike[str] | None = None,
        module: str = "bot",
        timeout: float = 30.0,  # noqa: ASYNC109
    ) -> BotProcess:
        log_path = tmp_path / f"{module}-{len(started) + 1}.log"
        process = BotProcess(
            {**bot_env(fake_api), **(env or {})},
            cwd if cwd is not None else PROJECT_ROOT,
            module=module,
            log_path=log_path,
        )
        started.append(process)
        await process.start(fake_api if wait else None, timeout=timeout)
        return process

    try:
        yield start
    finally:
        for process in started:
            if process.running:
                await process.stop(check=False)
