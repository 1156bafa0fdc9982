"""The bot in groups and channels: /quiz and /top, and being added, removed and added back."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import JOIN_TRANSITION, LEAVE_TRANSITION, ChatMemberUpdatedFilter, Command
from aiogram.types import ChatMemberUpdated, Message, User
from aiogram.utils.formatting import Bold, Text, TextMention
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import quiz_reveals, subscriptions
from bot.daily.leaderboard import Board, board, month_start, week_start
from bot.daily.settings_keyboards import local_moment, resume_keyboard
from bot.daily.subscriptions import PauseReason
from bot.drills.practice import next_chat_quiz
from bot.platform.content.schema import QuizItem
from bot.platform.db.models import SubscriptionStatus
from bot.study.context import UpdateContext
from bot.study.quizzes import post_quiz

logger = logging.getLogger(__name__)

GROUP_TYPES = {ChatType.GROUP, ChatType.SUPERGROUP}


def create_router() -> Router:
    router = Router(name="group")
    router.message.filter(F.chat.type.in_(GROUP_TYPES))
    router.my_chat_member.filter(F.chat.type.in_(GROUP_TYPES | {ChatType.CHANNEL}))

    @router.message(Command("quiz"))
    async def quiz(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        card = await next_chat_quiz(session, ctx.chat_id, ctx.rng)
        if card is None or not isinstance(card.content, QuizItem):
            await message.reply(_("bank-empty"))
            return
        due = ctx.now + await quiz_reveals.reveal_delay(session, ctx.chat_id, ctx.thread_id)

        async def reveal_later(poll_id: str) -> None:  # committed with the poll's record
            await quiz_reveals.schedule_reveal(session, poll_id, ctx.thread_id, due)
            ctx.schedule_wakeup.notify_after_commit(session)

        await post_quiz(ctx, session, card, card.content, recorded=reveal_later)

    @router.message(Command("top"))
    async def top(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        """This week's, this month's and all time's best, named without notifying anyone but
        the asker (a text mention notifies its user in many clients)."""
        view = (await subscriptions.get_subscription(session, ctx.chat_id, ctx.thread_id)
                or await subscriptions.get_subscription(session, ctx.chat_id))
        zone = ZoneInfo(view.timezone) if view else ctx.default_zone
        periods = [("top-week", week_start(ctx.now, zone)),
                   ("top-month", month_start(ctx.now, zone)), ("top-all-time", None)]
        boards = [(title, await board(session, ctx.chat_id, ctx.user_id, since=since))
                  for title, since in periods]
        if not boards[-1][1].top:
            await message.reply(_("top-empty"))
            return
        parts: list[Text | str] = [Bold(_("top-title").format(chat=message.chat.title or ""))]
        for title, period in boards:
            parts += ["\n\n", Bold(_(title)), "\n", *_standings(period, message.from_user)]
        await message.answer(**Text(*parts).as_kwargs())

    @router.message(F.forum_topic_reopened)
    async def topic_reopened(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        """A topic whose closing paused its daily question is open again: offer to resume."""
        view = await subscriptions.get_subscription(session, ctx.chat_id, ctx.thread_id)
        if view is None or view.status != SubscriptionStatus.PAUSED:
            return
        text = _("topic-reopened").format(since=_since(view.paused_at, view.timezone))
        with suppress(TelegramForbiddenError, TelegramBadRequest):
            await ctx.send_message(text, resume_keyboard(view.subscription_id))

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=JOIN_TRANSITION))
    async def added(event: ChatMemberUpdated, ctx: UpdateContext, session: AsyncSession) -> None:
        """Greet the chat; a chat whose daily question the removal paused is offered to resume
        it, in each forum topic that had one."""
        is_channel = event.chat.type == ChatType.CHANNEL
        # A channel is no place for the bot's chatter: the one who added it hears in private.
        audience = ctx.in_chat(ctx.user_id) if is_channel else ctx
        paused = await subscriptions.paused_in_chat(session, ctx.chat_id)
        if not paused:
            text = (_("channel-added").format(chat=event.chat.title or "",
                                              command=_subscribe_command(event))
                    if is_channel else _("group-greeting"))
            with suppress(TelegramForbiddenError, TelegramBadRequest):  # a stranger, a mute chat
                await audience.send_message(text)
            return
        for view in paused:
            speaker = audience if is_channel else ctx.in_topic(view.thread_id)
            text = _("welcome-back").format(chat=event.chat.title or "",
                                            since=_since(view.paused_at, view.timezone))
            with suppress(TelegramForbiddenError, TelegramBadRequest):
                await speaker.send_message(text, resume_keyboard(view.subscription_id))

    @router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=LEAVE_TRANSITION))
    async def removed(event: ChatMemberUpdated, ctx: UpdateContext, session: AsyncSession) -> None:
        if await subscriptions.pause(session, ctx.chat_id, PauseReason.REMOVED, ctx.now):
            logger.info("chat %s: daily post paused, the bot was removed by user %s",
                        event.chat.id, event.from_user.id)

    return router


def _standings(period: Board, asker: User | None) -> list[Text | str]:
    """One line per place; names in bold, the asker's as a mention (theirs alone notifies)."""
    if not period.top:
        return [_("top-nobody")]
    places = list(enumerate(period.top, start=1))
    lines: list[Text | str] = []
    if period.own is not None:
        places.append(period.own)
    for index, (place, standing) in enumerate(places):
        name = (TextMention(standing.first_name, user=asker)
                if asker is not None and standing.user_id == asker.id
                else Bold(standing.first_name))
        gap = "…\n" if period.own is not None and index == len(places) - 1 else ""
        lines.append(Text("\n" if index else "", gap, f"{place}. ", name, " — ",
                          _("top-score").format(correct=standing.correct,
                                                answered=standing.answered)))
    return lines


def _since(paused_at: datetime | None, timezone: str) -> str:
    return local_moment(paused_at.astimezone(ZoneInfo(timezone))) if paused_at else "—"


def _subscribe_command(event: ChatMemberUpdated) -> str:
    return (f"/subscribe @{event.chat.username}" if event.chat.username
            else f"/subscribe {event.chat.id}")
