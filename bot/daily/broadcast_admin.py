"""The bot's own admins: /post <chat> posts the next question now, /next <chat> shows it;
the chat card of /chats offers both as buttons."""

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
        if chat_id is not None:
            await message.reply(await post_now_reply(ctx, session, chat_id, _topic(ctx, chat_id)))

    @router.message(Command("next"), IsBotAdmin())
    async def next_post(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        chat_id = await _chat_named(ctx.bot, message, command)
        if chat_id is not None:
            await message.reply(await next_post_reply(ctx, session, chat_id, _topic(ctx, chat_id)))

    return router


async def post_now_reply(
    ctx: UpdateContext, session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> str:
    """Queues the chat's (or its forum topic's) next post for now (/post, the chat card's
    button); says what it did."""
    try:
        slug = await subscriptions.post_now(session, chat_id, ctx.now, ctx.rng, by=ctx.user_id,
                                            wakeup=ctx.schedule_wakeup, thread_id=thread_id)
    except SubscriptionError:
        return _("admin-not-subscribed").format(chat=chat_id)
    if slug is None:
        return _("admin-nothing-to-post").format(chat=chat_id)
    return _("admin-posting").format(chat=chat_id, item=slug)


async def next_post_reply(
    ctx: UpdateContext, session: AsyncSession, chat_id: int, thread_id: int | None = None
) -> str:
    """When the chat's (or its forum topic's) next post goes out and what it will be (/next,
    the chat card)."""
    upcoming = await subscriptions.upcoming(session, chat_id, ctx.now, thread_id)
    if upcoming is None:
        return _("admin-not-subscribed").format(chat=chat_id)
    view = upcoming.subscription
    local = view.next_run_local
    if local is None:
        return _("admin-next-paused").format(chat=chat_id,
                                             reason=pause_reason(view.pause_reason))
    item = (_("admin-next-pinned").format(item=upcoming.pinned_item_slug)
            if upcoming.pinned_item_slug
            else _("admin-next-random", "admin-next-random", upcoming.remaining_in_cycle)
            .format(count=upcoming.remaining_in_cycle))
    return _("admin-next").format(chat=chat_id, moment=local_moment(local), zone=view.timezone,
                                  item=item)


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
