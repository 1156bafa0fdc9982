"""The webhook's POST handler at a stop: every request gets its answer, 503 for what it did not
handle (Telegram then delivers the update again, to a replica that runs)."""

from __future__ import annotations

import asyncio
import json

from aiogram import Bot, Dispatcher
from aiogram.types import Message
from aiohttp import web

from bot.platform.shutdown import Shutdown
from bot.platform.telegram.webhook import SECRET_HEADER, WebhookUpdates
from tests.fakebot import FakeBotAPI, make_user

SECRET = "s3cret"


async def test_a_request_whose_body_comes_after_the_stop_began_gets_503_and_is_not_handled(
    fake_api: FakeBotAPI, aiogram_bot: Bot,
) -> None:
    handled: list[int] = []
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def record(message: Message) -> None:
        handled.append(message.message_id)

    shutdown = Shutdown(grace_seconds=2)
    updates = WebhookUpdates(dispatcher, aiogram_bot, SECRET, shutdown)
    reading = asyncio.Event()

    async def handle(request: web.Request) -> web.StreamResponse:
        reading.set()  # aiohttp calls the handler once the headers are in
        return await updates.handle(request)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    body = json.dumps(fake_api.send_text(make_user(5005, "Ира"), "/start")).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"POST /hook HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n{SECRET_HEADER}: {SECRET}\r\n\r\n".encode()
            + body[:10]
        )
        await reading.wait()
        shutdown.begin()  # SIGTERM while the body is on its way
        await updates.finish()  # nothing in hand yet
        writer.write(body[10:])

        status = await reader.readline()
    finally:
        writer.close()
        await runner.cleanup()

    assert status.startswith(b"HTTP/1.1 503")
    assert handled == []
