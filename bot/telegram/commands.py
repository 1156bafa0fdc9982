"""The command menu, in every interface language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeUnion,
)
from aiogram.utils.i18n import I18n

PRIVATE_COMMANDS = ("start", "quiz", "question", "task", "help")
GROUP_COMMANDS = ("quiz", "top")
# Shown to group admins only: the rest of the group would just be refused.
GROUP_ADMIN_COMMANDS = (*GROUP_COMMANDS, "subscribe", "settings", "unsubscribe")


async def set_bot_commands(bot: Bot, i18n: I18n) -> None:
    menus: list[tuple[BotCommandScopeUnion, tuple[str, ...]]] = [
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_COMMANDS),
    ]
    for locale in i18n.available_locales:
        language = None if locale == i18n.default_locale else locale
        for scope, names in menus:
            commands = [
                BotCommand(command=name,
                           description=i18n.gettext(f"command-{name}", locale=locale))
                for name in names
            ]
            await bot.set_my_commands(commands, scope=scope, language_code=language)
