"""The command menu, in every interface language.

The menus of the three scopes every chat falls under are remembered in the database (a startup
mark per scope and language: the hash of its commands), so a start sets only those that changed:
with Telegram each is a round trip. A chat's own menu (an admin's, a learner's /language) is not
remembered: those change while the bot runs, and an admin's is set at every start, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeUnion,
)
from aiogram.utils.i18n import I18n

from bot.platform.db.startup_marks import forget_marks, read_marks, write_mark
from bot.platform.roles import Role

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger(__name__)

PRIVATE_COMMANDS = ("start", "drill", "quiz", "question", "task", "topics", "newcards",
                    "language", "interview", "stats", "exam", "remind", "timezone", "subscribe",
                    "settings", "unsubscribe", "help")
GROUP_COMMANDS = ("quiz", "top")
# Shown to group admins only: the rest of the group would just be refused.
GROUP_ADMIN_COMMANDS = (*GROUP_COMMANDS, "subscribe", "settings", "unsubscribe")
# Shown, on top of PRIVATE_COMMANDS, only in the private chats of admins; the bot refuses them
# to everyone else (bot/authoring/admin_roles.py).
ADMIN_COMMANDS = ("add", "edit", "import", "export", "find", "show", "archive", "restore", "bank",
                  "chats")
OWNER_COMMANDS = ("admins", "log")


MENU_MARK_PREFIX = "menu "


async def set_bot_commands(
    bot: Bot, i18n: I18n, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    """Every chat's menu, by scope and language, unless Telegram was given it last time."""
    menus: list[tuple[BotCommandScopeUnion, tuple[str, ...]]] = [
        (BotCommandScopeAllPrivateChats(), PRIVATE_COMMANDS),
        (BotCommandScopeAllGroupChats(), GROUP_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN_COMMANDS),
    ]
    async with session_factory() as session:
        held = await read_marks(session, MENU_MARK_PREFIX)
    for locale in i18n.available_locales:
        for scope, names in menus:
            commands = _menu(i18n, names, locale)
            language_code = _language(i18n, locale)
            mark, fingerprint = menu_mark(scope, language_code), menu_fingerprint(commands)
            if held.get(mark) == fingerprint:
                continue
            async with session_factory.begin() as session:  # a failed call leaves no mark
                await forget_marks(session, [mark])
            await bot.set_my_commands(commands, scope=scope, language_code=language_code)
            async with session_factory.begin() as session:
                await write_mark(session, mark, fingerprint)


def admin_menu(role: Role) -> tuple[str, ...]:
    owner_only = OWNER_COMMANDS if role is Role.OWNER else ()
    return (*PRIVATE_COMMANDS, *ADMIN_COMMANDS, *owner_only)


async def set_admin_commands(bot: Bot, i18n: I18n, user_id: int, role: Role) -> bool:
    """The admin menu in the admin's private chat; False when Telegram refused it.

    Telegram refuses a chat the user never opened with the bot ("chat not found"): the role
    stands, and the menu follows at the next start of the bot.
    """
    return await _set_chat_menus(bot, i18n, user_id, "admin menu",
                                 lambda locale: _menu(i18n, admin_menu(role), locale))


async def set_chat_language(
    bot: Bot, i18n: I18n, user_id: int, locale: str, role: Role | None
) -> bool:
    """The menu of the user's private chat in ``locale`` (their /language), whatever language
    their Telegram app speaks: the chat's menu for every language code, so none falls back to
    the all-chats menu of the app's language. False when Telegram refused it."""
    menu = _menu(i18n, admin_menu(role) if role is not None else PRIVATE_COMMANDS, locale)
    return await _set_chat_menus(bot, i18n, user_id, "menu language", lambda _code: menu)


async def _set_chat_menus(
    bot: Bot, i18n: I18n, user_id: int, what: str, menu_for: Callable[[str], list[BotCommand]],
) -> bool:
    """A private chat's menu for each language code Telegram apps may ask in: ``menu_for(code)``.
    False (and a warning naming ``what``) when Telegram refused it."""
    try:
        for code in i18n.available_locales:
            await bot.set_my_commands(menu_for(code), scope=BotCommandScopeChat(chat_id=user_id),
                                      language_code=_language(i18n, code))
    except (TelegramBadRequest, TelegramForbiddenError) as error:
        logger.warning("%s not set for user %s: %s", what, user_id, error.message)
        return False
    return True


async def delete_admin_commands(bot: Bot, i18n: I18n, user_id: int) -> None:
    """Back to the learners' menu in that chat."""
    try:
        for locale in i18n.available_locales:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=user_id),
                                         language_code=_language(i18n, locale))
    except (TelegramBadRequest, TelegramForbiddenError) as error:
        logger.warning("admin menu not removed for user %s: %s", user_id, error.message)


def _menu(i18n: I18n, names: Sequence[str], locale: str) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(f"command-{name}", locale=locale))
        for name in names
    ]


def _language(i18n: I18n, locale: str) -> str | None:
    return None if locale == i18n.default_locale else locale


def menu_mark(scope: BotCommandScopeUnion, language_code: str | None) -> str:
    """The startup mark's name of the menu of ``scope`` in ``language_code``."""
    scope_fields = scope.model_dump(mode="json", exclude_none=True)
    return (f"{MENU_MARK_PREFIX}{language_code or '-'} "
            f"{json.dumps(scope_fields, sort_keys=True, separators=(',', ':'))}")


def menu_fingerprint(commands: Sequence[BotCommand]) -> str:
    listed = [(command.command, command.description) for command in commands]
    return hashlib.sha256(json.dumps(listed, ensure_ascii=False).encode()).hexdigest()
