"""The real ``python -m bot`` against the fake Bot API, with a small fixed content bank."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.databases import Database
from tests.fakebot import BotProcess, Call, FakeBotAPI

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


def to(chat_id: int) -> Callable[[Call], bool]:
    return lambda call: call.params.get("chat_id") == chat_id


def buttons(call: Call) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


class Learner:
    """A user in a private chat with the bot; every step waits for the bot's reply."""

    def __init__(self, api: FakeBotAPI, user: dict[str, Any]) -> None:
        self.api = api
        self.user = user
        self.id = int(user["id"])
        self.last_answer: dict[str, Any] = {}

    async def reply(self, method: str = "sendMessage") -> Call:
        """The bot's next call of ``method`` concerning this chat (or not chat-bound)."""
        return await self.api.wait_for_call(
            method, lambda call: call.params.get("chat_id", self.id) == self.id
        )

    async def says(self, text: str, expect: str = "sendMessage") -> Call:
        self.api.send_text(self.user, text)
        return await self.reply(expect)

    async def presses(self, post: Call, label: str, expect: str = "sendMessage") -> Call:
        """Presses a button; the bot must answer the callback, then do ``expect``."""
        update = self.api.click(self.user, post.result, button_data(post, label))
        query_id = update["callback_query"]["id"]
        ack = await self.api.wait_for_call(
            "answerCallbackQuery", lambda call: call.params["callback_query_id"] == query_id
        )
        return ack if expect == "answerCallbackQuery" else await self.reply(expect)

    async def answers(self, quiz: Call, option_ids: list[int]) -> Call:
        """Votes in a quiz the bot sent; returns the bot's next message to this learner."""
        self.last_answer = self.api.answer_poll(self.user, quiz.result["poll"]["id"], option_ids)
        return await self.reply()


def button_data(call: Call, label: str) -> str:
    for candidate in buttons(call):
        if candidate["text"] == label:
            return str(candidate["callback_data"])
    raise AssertionError(f"no button {label!r} in {buttons(call)}")


@pytest.fixture
async def running_bot(bot_process: StartBot, bot_settings: dict[str, str]) -> BotProcess:
    """The bot, started on the test's own database and polling the fake Bot API."""
    return await bot_process(bot_settings)


class ChatUser(Learner):
    """A user writing in a group (or as its anonymous admin); waits for the bot's reply there."""

    def __init__(
        self, api: FakeBotAPI, user: dict[str, Any], chat_id: int, *,
        anonymous_admin: bool = False,
    ) -> None:
        super().__init__(api, user)
        self.chat_id = chat_id
        self.anonymous_admin = anonymous_admin

    async def reply(self, method: str = "sendMessage") -> Call:
        return await self.api.wait_for_call(method, to(self.chat_id))

    async def says(self, text: str, expect: str = "sendMessage") -> Call:
        self.api.send_text(self.user, text, self.chat_id, anonymous_admin=self.anonymous_admin)
        return await self.reply(expect)

    async def replies(self, post: Call, text: str, expect: str = "sendMessage") -> Call:
        """Answers the bot's ``post`` with a reply (in groups, the way to talk to the bot)."""
        self.api.send_text(self.user, text, self.chat_id, reply_to=post.result)
        return await self.reply(expect)


async def settled(database: Database, sql: str, expected: list[tuple[Any, ...]]) -> None:
    """Wait until the bot has committed what ``sql`` should read (for steps it answers silently:
    an answer in a group, being removed from a chat)."""
    for _ in range(200):
        if database.query(sql) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{sql!r} never read {expected!r}; last {database.query(sql)!r}")


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
