"""/chats: the bot's admins browse the chats it posts to, a page at a time, and open a chat's
card to post now, see what comes next, pause or resume it, and read its last deliveries.

Every message and every button checks the admin's role again: a revoked editor's old list stops
working at once.
"""

from __future__ import annotations

from contextlib import suppress
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import subscriptions
from bot.daily.broadcast_admin import next_post_reply, post_now_reply
from bot.daily.chat_list import ChatCard, ChatPage, ListedChat, chat_card, chat_page
from bot.daily.settings_keyboards import clock_times, local_moment, pause_reason
from bot.platform.content.markdown import shortened
from bot.platform.db.models import SubscriptionStatus
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.callbacks import ChatCardAction, ChatCardPress, ChatsPage, is_admin_button
from bot.study.context import UpdateContext

BUTTON_TITLE_MAX = 40


def create_router() -> Router:
    router = Router(name="chats_admin")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsBotAdmin())
    # The cheap check first: learners' buttons never cost a query for admin rights.
    router.callback_query.filter(F.data.func(is_admin_button), IsBotAdmin())

    @router.message(Command("chats"))
    async def chats(message: Message, session: AsyncSession) -> None:
        page = await chat_page(session)
        await message.answer(page_text(page), reply_markup=page_keyboard(page))

    @router.callback_query(ChatsPage.filter())
    async def turn_page(
        callback: CallbackQuery, callback_data: ChatsPage, session: AsyncSession
    ) -> None:
        page = await chat_page(session, after=callback_data.after,
                               before=callback_data.before or None)
        await callback.answer()
        await _show(callback, page_text(page), page_keyboard(page))

    @router.callback_query(ChatCardPress.filter(F.action == ChatCardAction.OPEN))
    async def open_card(
        callback: CallbackQuery, callback_data: ChatCardPress, session: AsyncSession
    ) -> None:
        await callback.answer()
        await _show_card(callback, session, callback_data.chat_id, callback_data.topic)

    @router.callback_query(ChatCardPress.filter(F.action.in_({ChatCardAction.POST,
                                                              ChatCardAction.NEXT})))
    async def post_or_next(
        callback: CallbackQuery, callback_data: ChatCardPress, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        reply = (post_now_reply if callback_data.action is ChatCardAction.POST
                 else next_post_reply)
        text = await reply(ctx, session, callback_data.chat_id, callback_data.topic)
        await callback.answer()
        await ctx.send_message(text)

    @router.callback_query(ChatCardPress.filter(F.action.in_({ChatCardAction.PAUSE,
                                                              ChatCardAction.RESUME})))
    async def pause_or_resume(
        callback: CallbackQuery, callback_data: ChatCardPress, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        chat_id, topic = callback_data.chat_id, callback_data.topic
        if callback_data.action is ChatCardAction.PAUSE:
            done = await subscriptions.pause_by_admin(session, chat_id, by=ctx.user_id,
                                                      now=ctx.now, thread_id=topic)
        else:
            done = await subscriptions.resume_by_admin(
                session, chat_id, by=ctx.user_id, now=ctx.now, wakeup=ctx.schedule_wakeup,
                thread_id=topic)
        await callback.answer(_(f"chat-card-{callback_data.action.value}-"
                                f"{'done' if done else 'already'}"))
        await _show_card(callback, session, chat_id, topic)

    return router


def page_text(page: ChatPage) -> str:
    if not page.chats:
        return _("chats-none")
    return "\n\n".join([_("chats-header"), *(chat_summary(chat) for chat in page.chats)])


def page_keyboard(page: ChatPage) -> InlineKeyboardMarkup:
    """One button per chat, then ← and → when there are pages that way."""
    builder = InlineKeyboardBuilder()
    for chat in page.chats:
        builder.button(text=_button_label(chat), callback_data=_press(chat, ChatCardAction.OPEN))
    sizes = [1] * len(page.chats)
    turns = 0
    if page.chats and page.has_earlier:
        builder.button(text=_("button-page-earlier"),
                       callback_data=ChatsPage(before=page.chats[0].subscription_id))
        turns += 1
    if page.chats and page.has_later:
        builder.button(text=_("button-page-later"),
                       callback_data=ChatsPage(after=page.chats[-1].subscription_id))
        turns += 1
    builder.adjust(*sizes, max(turns, 1))
    return builder.as_markup()


def chat_name(chat: ListedChat) -> str:
    return chat.title or _("chat-untitled").format(chat_id=chat.chat_id)


def _button_label(chat: ListedChat) -> str:
    """The chat's name; a forum topic's (its name, else its id) after it."""
    name = shortened(chat_name(chat), BUTTON_TITLE_MAX)
    if chat.thread_id is None:
        return name
    if chat.topic_name:
        return _("chat-named-topic-button").format(
            chat=name, topic=shortened(chat.topic_name, BUTTON_TITLE_MAX))
    return _("chat-topic-button").format(chat=name, thread_id=chat.thread_id)


def _press(chat: ListedChat, action: ChatCardAction) -> ChatCardPress:
    return ChatCardPress(chat_id=chat.chat_id, thread_id=chat.thread_id or 0, action=action)


def _kind(chat: ListedChat) -> str:
    if chat.thread_id is not None and chat.topic_name:
        return _("chat-kind-named-forum-topic").format(topic=chat.topic_name,
                                                      thread_id=chat.thread_id)
    if chat.thread_id is not None:
        return _("chat-kind-forum-topic").format(thread_id=chat.thread_id)
    return _("chat-kind-" + chat.kind.value)


def chat_summary(chat: ListedChat) -> str:
    """Title and id, kind (a forum topic's id), status, zone and times, the next post: one
    chat (or forum topic) of a page."""
    next_local = chat.next_run_local
    return _("chat-summary").format(
        title=chat_name(chat), chat_id=chat.chat_id, kind=_kind(chat),
        status=_status(chat), zone=chat.timezone, times=clock_times(chat.times),
        next=local_moment(next_local) if next_local else "—",
    )


def card_text(card: ChatCard) -> str:
    lines = [chat_summary(card.chat), "", _("chat-card-deliveries")]
    zone = ZoneInfo(card.chat.timezone)
    for delivery in card.deliveries:
        outcome = _("delivery-status-" + delivery.status.value)
        if delivery.error:
            outcome += f" ({shortened(delivery.error)})"
        lines.append(_("chat-card-delivery").format(
            moment=local_moment(delivery.slot_at.astimezone(zone)),
            item=delivery.item_slug or "—", outcome=outcome))
    if not card.deliveries:
        lines.append(_("chat-card-no-deliveries"))
    return "\n".join(lines)


def card_keyboard(card: ChatCard) -> InlineKeyboardMarkup:
    chat = card.chat
    toggle = (ChatCardAction.RESUME if chat.status is SubscriptionStatus.PAUSED
              else ChatCardAction.PAUSE)
    builder = InlineKeyboardBuilder()
    for action in (ChatCardAction.POST, ChatCardAction.NEXT, toggle):
        builder.button(text=_("button-chat-" + action.value), callback_data=_press(chat, action))
    # Back to the page that starts with this chat.
    builder.button(text=_("button-chats-list"),
                   callback_data=ChatsPage(after=chat.subscription_id - 1))
    builder.adjust(2, 1, 1)
    return builder.as_markup()


def _status(chat: ListedChat) -> str:
    if chat.status is SubscriptionStatus.PAUSED:
        return _("chat-status-paused").format(reason=pause_reason(chat.pause_reason))
    return _("chat-status-active")


async def _show_card(
    callback: CallbackQuery, session: AsyncSession, chat_id: int, thread_id: int | None
) -> None:
    card = await chat_card(session, chat_id, thread_id)
    if card is None:
        await _show(callback, _("admin-not-subscribed").format(chat=chat_id), None)
        return
    await _show(callback, card_text(card), card_keyboard(card))


async def _show(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """The list or the card in place of the pressed message."""
    if isinstance(callback.message, Message):
        with suppress(TelegramBadRequest):  # unchanged, or too old to edit: press again
            await callback.message.edit_text(text, reply_markup=markup)
