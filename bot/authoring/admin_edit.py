"""/edit <id>: change one field of an item, checked like /add, previewed, saved as a new version."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.dialog import Authoring, fields_keyboard, start_dialog
from bot.authoring.drafts import draft_of_item
from bot.platform.content.markdown import shortened
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.context import UpdateContext


def create_router() -> Router:
    router = Router(name="admin_edit")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsBotAdmin())

    @router.message(Command("edit"))
    async def edit(
        message: Message, command: CommandObject, ctx: UpdateContext, state: FSMContext,
        session: AsyncSession,
    ) -> None:
        slug = (command.args or "").strip()
        if not slug:
            await message.answer(_("edit-usage"))
            return
        draft = await draft_of_item(session, slug)
        if draft is None:
            await message.answer(_("edit-unknown").format(slug=shortened(slug)))
            return
        dialog = await start_dialog(state, ctx.rng, draft)
        await state.set_state(Authoring.field)
        await message.answer(_("edit-ask-field").format(slug=slug),
                             reply_markup=fields_keyboard(dialog, draft))

    return router
