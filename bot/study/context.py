"""What a handler works in, built once per update: who acts, in which chat, at what moment, in
which language, and the long-lived things handlers ask for.

``UpdateContextMiddleware`` builds an ``UpdateContext`` for every update a handler takes, from
the chat and user aiogram found in it, the language ``LearnerI18nMiddleware`` chose, one
reading of the injected clock and the long-lived dependencies ``create_dispatcher`` gives the
dispatcher; handlers take it as ``ctx``. The background loops post with a ``ChatContext`` for
each chat, from ``ChatContexts``. Services never see either: they get plain values out of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from random import Random
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware, Bot, Router
from aiogram.dispatcher.middlewares.user_context import EVENT_THREAD_ID_KEY
from aiogram.enums import PollType
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    InputRichMessage,
    Message,
    ReplyParameters,
    TelegramObject,
    User,
)
from aiogram.utils.i18n import I18n

from bot.platform.clock import Clock
from bot.platform.content.markdown import Rendered
from bot.platform.telegram.deep_links import (
    item_payload,
    share_query,
    start_link,
    topic_payload,
)
from bot.platform.telegram.middlewares import Handler
from bot.platform.wakeup import ScheduleWakeup
from bot.study.catalog import Card
from bot.study.posts import QuizPoll, answer_post, post_style, quiz_description
from bot.study.sending import PostPath, RichPosts, to_entities


class NoChat(LookupError):
    """The update came from no one, in no chat (a poll's new state): its handler names the
    chat with ``in_chat``."""


@dataclass(frozen=True)
class Where:
    """The chat a context speaks in, and who acts there."""

    chat_id: int
    user_id: int  # who acts: the chat itself when nobody does (a channel's post)
    # The forum topic (message_thread_id of a topic message). None: the chat itself (a group's
    # main thread, the General topic of a forum).
    thread_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class ChatContext:
    """A chat the bot speaks in at one moment, and the words it speaks there."""

    bot: Bot
    where: Where | None  # None: an update from no one, in no chat (see NoChat)
    now: datetime
    i18n: I18n
    locale: str
    signature: str = ""  # under each answer post; none when empty
    bot_username: str = ""  # for deep links into the private chat; none when empty
    # Answer posts as rich messages, or (by default) as entity text.
    rich_posts: RichPosts = field(default_factory=RichPosts.off)
    # Inline mode is on in @BotFather (getMe's supports_inline_queries): "Share" buttons work.
    inline_mode: bool = False
    # Messages sent with allow_paid_broadcast: over the free limit, 0.1 Star each (PAID_BROADCAST)
    paid_broadcast: bool = False

    @property
    def chat_id(self) -> int:
        return self._where().chat_id

    @property
    def user_id(self) -> int:
        """The acting user, else the chat."""
        return self._where().user_id

    @property
    def thread_id(self) -> int | None:
        return self._where().thread_id

    def _where(self) -> Where:
        if self.where is None:
            raise NoChat
        return self.where

    def in_chat(
        self, chat_id: int, *, user_id: int | None = None, locale: str | None = None
    ) -> Self:
        """The same moment in another chat (a private chat's user is the chat's id)."""
        return replace(self, where=Where(chat_id, chat_id if user_id is None else user_id),
                       locale=locale or self.locale)

    def in_topic(self, thread_id: int | None) -> Self:
        """The same chat, in its forum topic ``thread_id`` (None: the chat itself)."""
        return replace(self, where=replace(self._where(), thread_id=thread_id))

    @contextmanager
    def speaking(self) -> Iterator[None]:
        """gettext in this context's language, outside an update's own language too."""
        with self.i18n.context(), self.i18n.use_locale(self.locale):
            yield

    async def send_answer(
        self,
        card: Card,
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        lead: Rendered | None = None,
        reply_to: int | None = None,
    ) -> Message:
        """The card's answer post, worded in the card's language and signed, ``lead`` above
        it: a rich message (formulas as formulas) where rich posts are on and the chat takes
        them, else the entity text of ``answer_post``. A rich message Telegram refuses goes
        again as entity text at once."""
        style = post_style(self.i18n, card, self.signature)
        rich = self.rich_posts.message(self.chat_id, card, style, lead)
        refusal: TelegramBadRequest | None = None
        if isinstance(rich, InputRichMessage):
            try:
                message = await self.bot.send_rich_message(
                    self.chat_id, rich, reply_markup=reply_markup,
                    reply_parameters=_reply(reply_to), message_thread_id=self.thread_id,
                    allow_paid_broadcast=self._paid(),
                )
            except TelegramBadRequest as error:
                refusal = error
            else:
                self.rich_posts.sent(self.chat_id, card, PostPath.RICH)
                return message
        message = await self.send_post(answer_post(card, style, lead), reply_markup,
                                       reply_to=reply_to)
        if refusal is not None:  # the entity text went: the refusal was the rich form's
            self.rich_posts.refused(self.chat_id, refusal)
        self.rich_posts.sent(self.chat_id, card,
                             PostPath.REFUSED if isinstance(rich, InputRichMessage) else rich)
        return message

    def topic_link(self, topic_id: str) -> str | None:
        """The link that starts a drill of the topic in private; None without the username."""
        if not self.bot_username:
            return None
        return start_link(self.bot_username, topic_payload(topic_id))

    def item_link(self, item_id: int) -> str | None:
        """The link that opens the item in private (to share it); None without the username."""
        if not self.bot_username:
            return None
        return start_link(self.bot_username, item_payload(item_id))

    def shareable(
        self, markup: InlineKeyboardMarkup | None, item_id: int, *, locale: str | None = None
    ) -> InlineKeyboardMarkup | None:
        """``markup`` with a "Share" button under it (in ``locale``, else this context's
        language) that types the item's id after @bot, to post the item into another chat.

        Only where inline mode is on: without it the button types a query nobody answers, and
        Telegram is reported to refuse the whole post with it (400 BUTTON_TYPE_INVALID), which
        would cost the chat its answer."""
        if not self.inline_mode:
            return markup
        share = InlineKeyboardButton(
            text=self.i18n.gettext("button-share", locale=locale or self.locale),
            switch_inline_query=share_query(item_id))
        rows = markup.inline_keyboard if markup is not None else []
        return InlineKeyboardMarkup(inline_keyboard=[*rows, [share]])

    async def send_message(
        self, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=reply_markup,
                                           message_thread_id=self.thread_id,
                                           allow_paid_broadcast=self._paid())

    async def send_post(
        self,
        chunks: Sequence[Rendered],
        reply_markup: InlineKeyboardMarkup | None = None,
        *,
        reply_to: int | None = None,
    ) -> Message:
        """Send the chunks in order; the keyboard goes under the last one; the first one
        replies to ``reply_to`` (if it is still there)."""
        message: Message | None = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            reply = _reply(reply_to) if index == 0 else None
            message = await self.bot.send_message(
                self.chat_id, chunk.text, entities=to_entities(chunk),
                reply_markup=reply_markup if last else None, reply_parameters=reply,
                message_thread_id=self.thread_id, allow_paid_broadcast=self._paid(),
            )
        if message is None:
            raise ValueError("a post needs at least one chunk")
        return message

    async def send_quiz(
        self, poll: QuizPoll, *, is_anonymous: bool, open_period: int | None = None,
        fair_play: bool = False, close_date: datetime | None = None,
    ) -> Message:
        """``open_period`` (seconds, 5–2628000) or ``close_date``: when Telegram closes the
        poll; neither keeps it open. ``fair_play``: nobody sees the results before the poll
        closes, and nobody changes their answer."""
        correct = len(poll.correct_option_ids)
        description = quiz_description(poll, self.i18n.gettext(
            "quiz-correct-count", "quiz-correct-count", correct, locale=poll.language,
        ).format(count=correct))
        return await self.bot.send_poll(
            self.chat_id,
            question=poll.question,
            options=[InputPollOption(text=option) for option in poll.options],
            type=PollType.QUIZ,
            correct_option_ids=poll.correct_option_ids,
            allows_multiple_answers=correct > 1,
            explanation=poll.explanation,
            description=description.text if description else None,
            description_entities=to_entities(description) if description else None,
            is_anonymous=is_anonymous,
            open_period=open_period,
            close_date=close_date,
            hide_results_until_closes=True if fair_play else None,
            allows_revoting=False if fair_play else None,
            message_thread_id=self.thread_id,
            allow_paid_broadcast=self._paid(),
        )

    def _paid(self) -> bool | None:
        return True if self.paid_broadcast else None  # not sent at all unless paid


def _reply(message_id: int | None) -> ReplyParameters | None:
    """A reply to the message, if it is still there."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


@dataclass(frozen=True, kw_only=True)
class UpdateContext(ChatContext):
    """A ``ChatContext`` for the update being handled, with what its handlers keep asking for."""

    rng: Random
    default_zone: ZoneInfo  # a learner's, until they choose one
    schedule_wakeup: ScheduleWakeup
    import_max_bytes: int
    max_reviews_per_day: int  # a drill's reviews in a learner's local day


@dataclass(frozen=True)
class ChatContexts:
    """Contexts for the chats a background loop posts to, outside any update."""

    bot: Bot
    i18n: I18n
    clock: Clock
    signature: str = ""
    bot_username: str = ""
    rich_posts: RichPosts = field(default_factory=RichPosts.off)
    inline_mode: bool = False  # see ChatContext.inline_mode
    paid_broadcast: bool = False

    def for_chat(
        self, chat_id: int, locale: str | None = None, thread_id: int | None = None
    ) -> ChatContext:
        """The chat (its forum topic ``thread_id``) at the clock's current time; in ``locale``,
        else the default language."""
        return ChatContext(
            bot=self.bot, where=Where(chat_id, chat_id, thread_id or None), now=self.clock(),
            i18n=self.i18n,
            locale=locale or self.i18n.default_locale, signature=self.signature,
            bot_username=self.bot_username, rich_posts=self.rich_posts,
            inline_mode=self.inline_mode, paid_broadcast=self.paid_broadcast,
        )


class UpdateContextMiddleware(BaseMiddleware):
    """Gives every handler ``ctx``, from the update's chat and user, the learner's language and
    the long-lived dependencies ``create_dispatcher`` gives the dispatcher.

    An inner middleware of each event type: it runs once the filters matched, inside the
    learner's language.
    """

    def setup(self, router: Router) -> None:
        for name, observer in router.observers.items():
            if name not in {"update", "error"}:
                observer.middleware(self)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        i18n: I18n = data["i18n"]
        data["ctx"] = UpdateContext(
            bot=data["bot"],
            where=_where_of(data.get("event_chat"), data.get("event_from_user"),
                            data.get(EVENT_THREAD_ID_KEY)),
            now=data["clock"](), i18n=i18n, locale=i18n.current_locale,
            signature=data["signature"], bot_username=data["bot_username"],
            rich_posts=data["rich_posts"], inline_mode=data["inline_mode"], rng=data["rng"],
            default_zone=data["default_zone"], schedule_wakeup=data["schedule_wakeup"],
            import_max_bytes=data["import_max_bytes"],
            max_reviews_per_day=data["max_reviews_per_day"],
        )
        return await handler(event, data)


def _where_of(chat: Chat | None, user: User | None, thread_id: int | None) -> Where | None:
    """The update's chat, else its user's private chat; its user, else the chat; the forum
    topic aiogram found (a message's ``message_thread_id`` when ``is_topic_message``)."""
    if user is not None:
        return Where(chat.id if chat is not None else user.id, user.id,
                     thread_id if chat is not None else None)
    if chat is not None:
        return Where(chat.id, chat.id, thread_id)
    return None
