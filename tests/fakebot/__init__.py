"""A fake Telegram Bot API server for end-to-end tests of the bot.

    async with FakeBotAPI() as api:
        proc = BotProcess(bot_env(api), cwd=project_root)
        await proc.start(wait_for_polling=api)
        api.send_text(make_user(42), "/start")
        call = await api.wait_for_call("sendMessage")

See server.py (the server, faults, recording), updates.py (update builders), process.py (the
bot process), fixtures.py (pytest fixtures).
"""

from .process import BotProcess, BotProcessError, bot_env
from .server import (
    DEFAULT_TOKEN,
    ApiError,
    Call,
    DroppedUpdate,
    FakeBotAPI,
    Fault,
    api_error,
    bad_request,
    delay,
    forbidden,
    migrated,
    server_error,
    too_many_requests,
)
from .updates import GROUP_ANONYMOUS_BOT, make_chat_member, make_user

__all__ = [
    "DEFAULT_TOKEN",
    "GROUP_ANONYMOUS_BOT",
    "ApiError",
    "BotProcess",
    "BotProcessError",
    "Call",
    "DroppedUpdate",
    "FakeBotAPI",
    "Fault",
    "api_error",
    "bad_request",
    "bot_env",
    "delay",
    "forbidden",
    "make_chat_member",
    "make_user",
    "migrated",
    "server_error",
    "too_many_requests",
]
