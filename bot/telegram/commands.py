"""The command menu, in every interface language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from aiogram.utils.i18n import I18n

PRIVATE_COMMANDS = ("start", "drill", "quiz", "question", "task", "topics", "newcards",
                    "language", "interview", "stats", "remind", "help")


async def set_bot_commands(bot: Bot, i18n: I18n) -> None:
    for locale in i18n.available_locales:
        commands = [
            BotCommand(command=name, description=i18n.gettext(f"command-{name}", locale=locale))
            for name in PRIVATE_COMMANDS
        ]
        language = None if locale == i18n.default_locale else locale
        await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(),
                                  language_code=language)
