"""/start and /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.platform.telegram.filters import IsBotAdmin


def create_router() -> Router:
    router = Router(name="start")
    router.message.filter(F.chat.type == ChatType.PRIVATE)

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else ""
        await message.answer(_("start-greeting").format(name=name, commands=_("help-commands")))

    @router.message(Command("help"), IsBotAdmin())
    async def help_for_admins(message: Message) -> None:
        commands = _("help-commands") + "\n\n" + _("help-admin-commands")
        await message.answer(_("help-text").format(commands=commands))

    @router.message(Command("help"))
    async def help_(message: Message) -> None:
        await message.answer(_("help-text").format(commands=_("help-commands")))

    return router
