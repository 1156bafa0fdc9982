"""The real ``python -m bot`` against the fake Bot API, with a small fixed content bank.

The users that talk to it (``Learner``, ``ChatUser``) come from tests/users.py."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.databases import Database
from tests.fakebot import BotProcess, FakeBotAPI
from tests.users import ChatUser, Learner, button_data, buttons, settled, to

__all__ = ["E2E_CONTENT", "PUBLIC_URL", "SECRET", "ChatUser", "Learner", "StartBot",
           "WebhookBot", "button_data", "buttons", "free_port", "settled", "start_webhook_bot",
           "to"]

E2E_CONTENT = Path(__file__).resolve().parent / "content"
PUBLIC_URL = "https://bot.example.test/tg/webhook"
SECRET = "s3cret-Token_for-e2e"

StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
def database(empty_database_url: str) -> Iterator[Database]:
    """The bot's database, empty: the bot migrates it at start-up as in production."""
    database = Database(empty_database_url)
    yield database
    database.close()


@pytest.fixture
def bot_settings(database: Database) -> dict[str, str]:
    return {
        "DATABASE_URL": database.url,
        "CONTENT_DIR": str(E2E_CONTENT),
        "LOG_LEVEL": "DEBUG",
    }


@pytest.fixture
async def running_bot(bot_process: StartBot, bot_settings: dict[str, str]) -> BotProcess:
    """The bot, started on the test's own database and polling the fake Bot API."""
    return await bot_process(bot_settings)


# Every port free_port hands out stays bound here, never listening, for the rest of the run. A
# port probed and released could be given by the kernel to any other socket (an outgoing
# connection, another worker's probe) before the bot binds it; a bound one is given to none,
# while the bot, which binds with SO_REUSEADDR as aiohttp does on POSIX, can still listen on it.
_RESERVED_PORTS: list[socket.socket] = []


def free_port() -> int:
    """A local port no other socket can take, for the bot to listen on."""
    reservation = socket.socket()
    reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reservation.bind(("127.0.0.1", 0))
    _RESERVED_PORTS.append(reservation)
    return int(reservation.getsockname()[1])


@dataclass
class WebhookBot:
    process: BotProcess
    base: str  # http://127.0.0.1:<port>

    @property
    def hook(self) -> str:
        return f"{self.base}/tg/webhook"


async def start_webhook_bot(
    api: FakeBotAPI, bot_process: StartBot, settings: dict[str, str]
) -> WebhookBot:
    """The bot in webhook mode (PUBLIC_URL, SECRET) on a free local port, once it has called
    setWebhook; ``api.route_webhook(bot.hook)`` then delivers the updates to it."""
    port = free_port()
    mark = api.mark()
    process = await bot_process({
        **settings, "WEBHOOK_URL": PUBLIC_URL, "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_HOST": "127.0.0.1", "WEBHOOK_PORT": str(port),
    }, wait=False)
    await api.wait_for_call("setWebhook", after=mark, timeout=30)
    return WebhookBot(process, f"http://127.0.0.1:{port}")
