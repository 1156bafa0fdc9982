"""/log (owners): the latest admin actions, who did what to which item or chat, and when, in the
owner's own time zone; ten a page."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.action_log import LogPage, log_page
from bot.platform.telegram.filters import IsOwner
from bot.study.callbacks import ActionLogPage
from bot.study.context import UpdateContext
from bot.study.learners import load_learner


def create_router() -> Router:
    router = Router(name="admin_log")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsOwner())
    router.callback_query.filter(ActionLogPage.filter(), IsOwner())

    @router.message(Command("log"))
    async def action_log(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        page = await log_page(session, 0)
        await message.answer(await _text(ctx, session, page), reply_markup=_keyboard(page))

    @router.callback_query()
    async def turn_page(
        callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession
    ) -> None:
        page = await log_page(session, ActionLogPage.unpack(callback.data or "").page)
        await callback.answer()
        if isinstance(callback.message, Message):
            with suppress(TelegramBadRequest):  # unchanged, or too old to edit
                await callback.message.edit_text(await _text(ctx, session, page),
                                                 reply_markup=_keyboard(page))

    return router


async def _text(ctx: UpdateContext, session: AsyncSession, page: LogPage) -> str:
    if not page.actions:
        return _("log-empty")
    zone = (await load_learner(session, ctx.user_id, ctx.default_zone)).zone
    lines = [_("log-header").format(zone=zone.key)]
    for action in page.actions:
        lines.append(_("log-line").format(
            at=action.at.astimezone(zone).strftime("%d.%m %H:%M"),
            who=(f"{action.actor_name} ({action.actor_id})" if action.actor_name
                 else action.actor_id),
            action=_("log-action-" + action.action.value), target=action.target))
    return "\n".join(lines)


def _keyboard(page: LogPage) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    if page.page > 0:
        builder.button(text=_("button-log-newer"), callback_data=ActionLogPage(page=page.page - 1))
    if page.has_later_page:
        builder.button(text=_("button-log-older"), callback_data=ActionLogPage(page=page.page + 1))
    return builder.as_markup() if page.page > 0 or page.has_later_page else None
