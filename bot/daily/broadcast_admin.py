"""The bot's own admins: /post <chat> posts the next question now, /next <chat> shows it."""

from __future__ import annotations

import re

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import subscriptions
from bot.daily.settings_keyboards import local_moment, pause_reason
from bot.daily.subscriptions import SubscriptionError
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.context import UpdateContext

_CHAT_ID = re.compile(r"-?\d{1,20}")
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")


def create_router() -> Router:
    router = Router(name="broadcast_admin")

    # The command first, so the admin check runs only for these commands.
    @router.message(Command("post"), IsBotAdmin())
    async def post(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        chat_id = await _chat_named(ctx.bot, message, command)
        if chat_id is None:
            return
        try:
            slug = await subscriptions.post_now(session, chat_id, ctx.now, ctx.rng,
                                                ctx.schedule_wakeup, _topic(ctx, chat_id))
        except SubscriptionError:
            await message.reply(_("admin-not-subscribed").format(chat=chat_id))
            return
        if slug is None:
            await message.reply(_("admin-nothing-to-post").format(chat=chat_id))
        else:
            await message.reply(_("admin-posting").format(chat=chat_id, item=slug))

    @router.message(Command("next"), IsBotAdmin())
    async def next_post(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        chat_id = await _chat_named(ctx.bot, message, command)
        if chat_id is None:
            return
        upcoming = await subscriptions.upcoming(session, chat_id, ctx.now, _topic(ctx, chat_id))
        if upcoming is None:
            await message.reply(_("admin-not-subscribed").format(chat=chat_id))
            return
        view = upcoming.subscription
        local = view.next_run_local
        if local is None:
            await message.reply(_("admin-next-paused").format(
                chat=chat_id, reason=pause_reason(view.pause_reason)))
            return
        item = (_("admin-next-pinned").format(item=upcoming.pinned_item_slug)
                if upcoming.pinned_item_slug
                else _("admin-next-random", "admin-next-random", upcoming.remaining_in_cycle)
                .format(count=upcoming.remaining_in_cycle))
        await message.reply(_("admin-next").format(
            chat=chat_id, moment=local_moment(local), zone=view.timezone, item=item))

    return router


def _topic(ctx: UpdateContext, chat_id: int) -> int | None:
    """The forum topic the command was sent in, when it is about that chat."""
    return ctx.thread_id if chat_id == ctx.chat_id else None


async def _chat_named(bot: Bot, message: Message, command: CommandObject) -> int | None:
    """The chat the command names (an id or @username), or the chat it was sent in."""
    named = (command.args or "").strip()
    if not named:
        return message.chat.id
    if _CHAT_ID.fullmatch(named):
        return int(named)
    if not _USERNAME.fullmatch(named):
        await message.reply(_("admin-which-chat").format(command=command.command))
        return None
    try:
        return (await bot.get_chat(named)).id
    except (TelegramBadRequest, TelegramForbiddenError):
        await message.reply(_("channel-not-found").format(chat=named))
        return None
