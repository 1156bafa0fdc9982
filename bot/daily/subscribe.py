"""/subscribe, /unsubscribe and /settings: a chat's daily question, managed by its admins.

Groups and private chats manage themselves; a channel is managed from a private chat with the
bot (``/subscribe @channel``, or a forwarded post of the channel). Admin rights are asked from
Telegram on every command and every button press.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import time

from aiogram import F, Router
from aiogram.enums import ChatType, MessageOriginType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    Message,
    MessageOriginChannel,
)
from aiogram.utils.formatting import Text, TextMention
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import subscriptions
from bot.daily.chat_access import (
    ChatKind,
    Membership,
    Missing,
    requester_missing,
    subscription_missing,
)
from bot.daily.chat_members import fetch_membership, sender_membership
from bot.daily.chats import chat_title
from bot.daily.schedule_input import (
    ScheduleInputError,
    parse_schedule,
    parse_times,
    parse_zone,
)
from bot.daily.settings_keyboards import schedule_summary, settings_screen
from bot.daily.subscriptions import SubscriptionError, SubscriptionView
from bot.platform.content.markdown import shortened
from bot.study.callbacks import (
    SettingsAction,
    SettingsPress,
    SettingsScreen,
    SubscribeChannel,
)
from bot.study.context import ChatContext, UpdateContext
from bot.study.learners import load_learner, set_timezone


class SettingsInput(StatesGroup):
    """An admin pressed "another time / zone" and is expected to type it."""

    times = State()
    zone = State()


@dataclass(frozen=True)
class TargetChat:
    """The chat a command is about: the one it was sent in, or a channel it names."""

    id: int
    telegram_type: str
    title: str | None
    username: str | None = None
    thread_id: int | None = None  # a forum topic of the group
    topic_name: str | None = None  # the forum topic's, where the message shows it

    @property
    def kind(self) -> ChatKind:
        return ChatKind.of(self.telegram_type)

    @property
    def name(self) -> str:
        return self.title or _("private-chat")

    def says(self, key: str, **values: str) -> str:
        """The text ``key`` about this chat; a private chat has its own wording (no title)."""
        if self.kind is ChatKind.PRIVATE:
            key += "-private"
        return _(key).format(chat=self.name, **values)

    @property
    def settings_command(self) -> str:
        if self.kind is not ChatKind.CHANNEL:
            return "/settings"
        return f"/settings @{self.username}" if self.username else f"/settings {self.id}"


class Refusal(Exception):
    """The command cannot go on; ``text`` tells the person why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def create_router() -> Router:
    router = Router(name="subscriptions")

    @router.message(Command("subscribe"))
    async def subscribe_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        try:
            request = parse_schedule(command.args)
            target = await _target(ctx, message, request.chat)
            if target.kind is not ChatKind.PRIVATE:
                _require(subscription_missing(
                    target.kind, await fetch_membership(ctx.bot, target.id, ctx.bot.id),
                    await _requester(ctx, message, target),
                ), target)
        except ScheduleInputError as error:
            await message.reply(_input_error(error))
            return
        except Refusal as refusal:
            await message.reply(refusal.text)
            return
        if target.kind is ChatKind.PRIVATE and request.zone:
            # A zone named in one's own chat is one's own: drills and reminders follow it too.
            await set_timezone(session, ctx.user_id, request.zone, ctx.now)
        await _subscribe(message, ctx, session, target, zone=request.zone, times=request.times)

    @router.message(F.chat.type == ChatType.PRIVATE,
                    F.forward_origin.type == MessageOriginType.CHANNEL, ~F.poll)
    async def channel_post_forwarded(message: Message, ctx: UpdateContext) -> None:
        assert isinstance(message.forward_origin, MessageOriginChannel)
        channel = message.forward_origin.chat
        target = TargetChat(channel.id, channel.type, channel.title, channel.username)
        try:
            _require(await _channel_missing(ctx, target), target)
        except Refusal as refusal:
            await message.reply(refusal.text)
            return
        builder = InlineKeyboardBuilder()
        builder.button(text=_("button-subscribe-channel"),
                       callback_data=SubscribeChannel(chat_id=channel.id))
        await message.reply(_("confirm-channel").format(chat=target.name),
                            reply_markup=builder.as_markup())

    @router.callback_query(SubscribeChannel.filter())
    async def channel_confirmed(
        callback: CallbackQuery, callback_data: SubscribeChannel, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        try:
            target = await _channel(ctx, callback_data.chat_id)
            _require(await _channel_missing(ctx, target), target)
        except Refusal as refusal:
            await callback.answer(refusal.text, show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            with suppress(TelegramBadRequest):
                await callback.message.edit_reply_markup(reply_markup=None)
            await _subscribe(callback.message, ctx, session, target, zone=None, times=None)

    @router.message(Command("unsubscribe"))
    async def unsubscribe_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        try:
            target = await _managed_target(ctx, message, command)
        except (ScheduleInputError, Refusal) as error:
            await message.reply(_problem_text(error))
            return
        if await subscriptions.unsubscribe(session, target.id, ctx.now, ctx.schedule_wakeup,
                                           target.thread_id):
            await message.reply(target.says("unsubscribed"))
        else:
            await message.reply(target.says("not-subscribed"))

    @router.message(Command("settings"))
    async def settings_command(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        try:
            target = await _managed_target(ctx, message, command)
        except (ScheduleInputError, Refusal) as error:
            await message.reply(_problem_text(error))
            return
        view = await subscriptions.get_subscription(session, target.id, target.thread_id)
        if view is None:
            await message.reply(target.says("not-subscribed"))
            return
        screen = settings_screen(view, target.name,
                                 await subscriptions.available_topics(session))
        await message.answer(**screen.as_kwargs())

    @router.callback_query(SettingsPress.filter())
    async def settings_pressed(
        callback: CallbackQuery, callback_data: SettingsPress, ctx: UpdateContext,
        session: AsyncSession, state: FSMContext,
    ) -> None:
        view = await subscriptions.subscription_by_id(session, callback_data.subscription_id)
        if view is None:
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        if not await _may_manage(ctx, view):
            await callback.answer(_("settings-admins-only"), show_alert=True)
            return
        if callback_data.action is SettingsAction.ASK:
            await _ask(callback, callback_data, state)
            return
        await state.clear()
        try:
            view, screen = await _apply(ctx, session, view, callback_data)
        except (SubscriptionError, ValueError) as error:
            await callback.answer(_problem_text(error), show_alert=True)
            return
        await callback.answer()
        if isinstance(callback.message, Message):
            await _show(ctx, session, view, callback.message.message_id, screen)

    @router.message(StateFilter(SettingsInput.times, SettingsInput.zone), F.text,
                    ~F.text.startswith("/"))
    async def setting_typed(
        message: Message, ctx: UpdateContext, session: AsyncSession, state: FSMContext,
        raw_state: str | None,
    ) -> None:
        async def change(view: SubscriptionView, text: str) -> SubscriptionView:
            if raw_state == SettingsInput.times.state:
                return await subscriptions.set_times(session, view.chat_id, parse_times(text),
                                                     ctx.now, ctx.schedule_wakeup, view.thread_id)
            return await subscriptions.set_timezone(session, view.chat_id, parse_zone(text),
                                                    ctx.now, ctx.schedule_wakeup, view.thread_id)
        await _typed(message, ctx, session, state, change)

    return router


# --- who and where -----------------------------------------------------------------------------


async def _target(ctx: UpdateContext, message: Message, named: str | int | None) -> TargetChat:
    """The chat the command is about. Only a private chat may name another chat (a channel)."""
    if named is None:
        chat = message.chat
        return TargetChat(chat.id, chat.type, chat.title, chat.username, ctx.thread_id,
                          _topic_name(message) if ctx.thread_id else None)
    if message.chat.type != ChatType.PRIVATE:
        raise Refusal(_("channel-from-private"))
    return await _channel(ctx, named)


async def _channel(ctx: UpdateContext, named: str | int) -> TargetChat:
    try:
        found = await ctx.bot.get_chat(named)
    except (TelegramBadRequest, TelegramForbiddenError):
        raise Refusal(_("channel-not-found").format(chat=named)) from None
    if found.type != ChatType.CHANNEL:
        raise Refusal(_("not-a-channel").format(chat=found.title or named))
    return TargetChat(found.id, found.type, found.title, found.username)


async def _managed_target(
    ctx: UpdateContext, message: Message, command: CommandObject
) -> TargetChat:
    """The chat of /settings or /unsubscribe, once the sender is known to manage it."""
    target = await _target(ctx, message, parse_schedule(command.args).chat)
    if target.kind is not ChatKind.PRIVATE:
        _require(requester_missing(target.kind, await _requester(ctx, message, target)),
                       target)
    return target


async def _requester(ctx: UpdateContext, message: Message, target: TargetChat) -> Membership:
    if target.id == ctx.chat_id:
        return await sender_membership(ctx.bot, message)
    return await fetch_membership(ctx.bot, target.id, ctx.user_id)


async def _channel_missing(ctx: UpdateContext, target: TargetChat) -> list[Missing]:
    """What the bot and the acting user lack to subscribe the channel."""
    bot = ctx.bot
    return subscription_missing(target.kind, await fetch_membership(bot, target.id, bot.id),
                                await fetch_membership(bot, target.id, ctx.user_id))


async def _may_manage(ctx: UpdateContext, view: SubscriptionView) -> bool:
    """Whether the acting user may change the subscription."""
    kind = ChatKind.of(view.chat_type)
    if kind is ChatKind.PRIVATE:
        return ctx.user_id == view.chat_id
    return not requester_missing(kind,
                                 await fetch_membership(ctx.bot, view.chat_id, ctx.user_id))


def _require(missing: list[Missing], target: TargetChat) -> None:
    if missing:
        lines = "\n".join("• " + _("missing-" + item.value) for item in missing)
        raise Refusal(_("access-refused").format(chat=target.name, missing=lines))


def _topic_name(message: Message) -> str | None:
    """The forum topic's name: a topic message that replies to nothing else replies to the
    message that created the topic."""
    opening = message.reply_to_message
    created = opening.forum_topic_created if opening is not None else None
    return created.name if created is not None else None


# --- doing -------------------------------------------------------------------------------------


async def _subscribe(
    reply_to: Message, ctx: UpdateContext, session: AsyncSession, target: TargetChat, *,
    zone: str | None, times: tuple[time, ...] | None,
) -> None:
    """Subscribe the target chat, by the acting user."""
    current = await subscriptions.get_subscription(session, target.id, target.thread_id)
    default_zone = ctx.default_zone
    if target.kind is ChatKind.PRIVATE:  # the learner's own zone
        default_zone = (await load_learner(session, ctx.user_id, ctx.default_zone)).zone
    try:
        view = await subscriptions.subscribe(
            session, chat_id=target.id, chat_type=target.telegram_type,
            by_user=ctx.user_id, now=ctx.now,
            timezone=zone or (current.timezone if current else default_zone.key),
            times=times, chat_title=target.title, wakeup=ctx.schedule_wakeup,
            thread_id=target.thread_id, topic_name=target.topic_name,
        )
    except SubscriptionError as error:
        await reply_to.reply(_problem_text(error))
        return
    await reply_to.reply(target.says(
        "subscribed", schedule=schedule_summary(view), settings=target.settings_command,
    ))


async def _apply(
    ctx: UpdateContext, session: AsyncSession, view: SubscriptionView, press: SettingsPress,
) -> tuple[SubscriptionView, SettingsScreen]:
    """Do what the button says; the new state and the screen to show it on."""
    chat_id, value, now, wakeup = view.chat_id, press.value, ctx.now, ctx.schedule_wakeup
    thread = view.thread_id
    match press.action:
        case SettingsAction.SCREEN:
            return view, SettingsScreen(value)
        case SettingsAction.TIME:
            times = set(view.times) ^ set(parse_times(value[:2] + ":" + value[2:]))
            return (await subscriptions.set_times(session, chat_id, sorted(times), now, wakeup,
                                                  thread), SettingsScreen.TIMES)
        case SettingsAction.ZONE:
            return (await subscriptions.set_timezone(session, chat_id, value, now, wakeup,
                                                     thread), SettingsScreen.MAIN)
        case SettingsAction.DAY:
            days = set(view.weekdays) ^ {int(value)}
            return (await subscriptions.set_weekdays(session, chat_id, days, now, wakeup,
                                                     thread), SettingsScreen.MAIN)
        case SettingsAction.TOPIC:
            topics = set(view.topics) ^ {value} if value else set()
            return (await subscriptions.set_topics(session, chat_id, topics, now, thread),
                    SettingsScreen.TOPICS)
        case SettingsAction.KIND:
            kinds = set(view.kinds) ^ {value}
            return (await subscriptions.set_kinds(session, chat_id, kinds, now, thread),
                    SettingsScreen.MAIN)
        case SettingsAction.ANONYMOUS:
            return (await subscriptions.set_anonymous_polls(
                session, chat_id, not view.anonymous_polls, now, thread), SettingsScreen.MAIN)
        case SettingsAction.FAIR_PLAY:
            return (await subscriptions.set_fair_play(
                session, chat_id, not view.fair_play, now, thread), SettingsScreen.MAIN)
        case SettingsAction.PRIVATE_FEEDBACK:
            return (await subscriptions.set_private_feedback(
                session, chat_id, not view.private_feedback, now, thread), SettingsScreen.MAIN)
        case SettingsAction.REVEAL:
            return (await subscriptions.set_reveal_after(session, chat_id, int(value), now,
                                                         thread), SettingsScreen.MAIN)
        case SettingsAction.RESUME:
            resumed = await subscriptions.resume(session, chat_id, now, wakeup, thread)
            return resumed or view, SettingsScreen.MAIN
        case _:
            raise ValueError(press.action)


async def _show(
    shown_in: ChatContext, session: AsyncSession, view: SubscriptionView, message_id: int,
    screen: SettingsScreen = SettingsScreen.MAIN,
) -> None:
    """Redraw the settings message (``message_id`` in the chat ``shown_in``) in place; an
    unchanged or vanished one stays as it is."""
    title = await chat_title(session, view.chat_id) or _("private-chat")
    rendered = settings_screen(view, title, await subscriptions.available_topics(session), screen)
    with suppress(TelegramBadRequest):
        await shown_in.bot.edit_message_text(chat_id=shown_in.chat_id, message_id=message_id,
                                             **rendered.as_kwargs())


async def _ask(callback: CallbackQuery, press: SettingsPress, state: FSMContext) -> None:
    """Ask for a time or a zone as a reply (in a group only replies to the bot reach it)."""
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    asking_times = press.value == SettingsAction.TIME
    await state.set_state(SettingsInput.times if asking_times else SettingsInput.zone)
    await state.update_data(subscription_id=press.subscription_id,
                            screen_chat_id=callback.message.chat.id,
                            screen_message_id=callback.message.message_id)
    prompt = Text(TextMention(callback.from_user.first_name, user=callback.from_user), ", ",
                  _("ask-times") if asking_times else _("ask-zone"))
    await callback.message.answer(**prompt.as_kwargs(), reply_markup=ForceReply(selective=True))


async def _typed(
    message: Message, ctx: UpdateContext, session: AsyncSession, state: FSMContext,
    change: Callable[[SubscriptionView, str], Awaitable[SubscriptionView]],
) -> None:
    """The typed time or zone: checked, saved, and the settings message redrawn."""
    data = await state.get_data()
    view = await subscriptions.subscription_by_id(session, int(data["subscription_id"]))
    if view is None or not await _may_manage(ctx, view):
        await state.clear()
        await message.reply(_("settings-admins-only"))
        return
    try:
        view = await change(view, message.text or "")
    except (ScheduleInputError, SubscriptionError) as error:
        await message.reply(_problem_text(error) + "\n" + _("ask-again"))
        return
    await state.clear()
    await message.reply(_("settings-saved").format(schedule=schedule_summary(view)))
    await _show(ctx.in_chat(int(data["screen_chat_id"])), session, view,
                int(data["screen_message_id"]))


# --- words -------------------------------------------------------------------------------------


def _input_error(error: ScheduleInputError) -> str:
    problem = _("input-" + error.problem.value).format(part=shortened(error.part))
    return problem + "\n" + _("input-example")


def _problem_text(error: Exception) -> str:
    if isinstance(error, ScheduleInputError):
        return _input_error(error)
    if isinstance(error, Refusal):
        return error.text
    if isinstance(error, SubscriptionError):
        return _("subscription-error-" + error.code).format(detail=error.detail)
    return _("button-outdated")

