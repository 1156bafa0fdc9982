"""A bare aiogram bot for benchmarks: polls like the real one, its handlers do nothing.

    TELEGRAM_API_URL=http://127.0.0.1:PORT BOT_TOKEN=... python -m bench.bare_bot
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, PollAnswer


async def ignore(_: PollAnswer | CallbackQuery) -> None:
    """Nothing: what the dispatcher alone costs."""


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dispatcher = Dispatcher()
    dispatcher.poll_answer.register(ignore)
    dispatcher.callback_query.register(ignore)
    await dispatcher.start_polling(bot)


if __name__ == "__main__":
    import uvloop  # the real bot's event loop too

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
