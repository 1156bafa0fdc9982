"""Telegram's side of a post: entities for rendered text, the choice between a rich message
and entity text for answer posts, and buttons giving way to the next step. Posts and quizzes go
into a chat through ``bot.study.context.ChatContext``."""

from __future__ import annotations

import logging
from contextlib import suppress
from enum import StrEnum

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, InputRichMessage, MessageEntity

from bot.platform.content.markdown import Rendered
from bot.platform.telegram.metrics import BotMetrics
from bot.study.catalog import Card
from bot.study.posts import PostStyle
from bot.study.rich import Unexpressible, rich_answer

logger = logging.getLogger(__name__)


class PostPath(StrEnum):
    """How an answer post went out, and why it went as entity text (a /metrics label)."""

    RICH = "rich"
    OFF = "off"  # RICH_MESSAGES=off
    UNEXPRESSIBLE = "unexpressible"  # the rich builder cannot say it
    REFUSED = "refused"  # Telegram refused the rich send with 400: sent again as entity text
    CHAT_REFUSES = "chat_refuses"  # the chat refused one before: entity text straight away


class RichPosts:
    """Whether answer posts go as rich messages, and the chats that refused one.

    The refusing chats are remembered per process: a refusal costs one more request per chat and
    process (the entity text follows at once), and a restart tries the chat again, so a refusal
    Telegram lifts does not stay a fallback forever; replicas need not share it.
    """

    def __init__(self, *, enabled: bool, metrics: BotMetrics | None = None) -> None:
        self.enabled = enabled
        self.metrics = metrics
        self._refusing: set[int] = set()

    @classmethod
    def off(cls) -> RichPosts:
        return cls(enabled=False)

    def message(
        self, chat_id: int, card: Card, style: PostStyle, lead: Rendered | None
    ) -> InputRichMessage | PostPath:
        """The rich message to try, or why the entity text goes instead."""
        if not self.enabled:
            return PostPath.OFF
        if chat_id in self._refusing:
            return PostPath.CHAT_REFUSES
        try:
            return rich_answer(card, style, lead)
        except Unexpressible as unexpressible:
            logger.info("item %s goes as entity text: %s", card.id, unexpressible.reason)
            return PostPath.UNEXPRESSIBLE

    def refused(self, chat_id: int, refusal: TelegramBadRequest) -> None:
        """Telegram refused a rich message to the chat, and took the entity text after it."""
        logger.warning("chat %s refused a rich message (%s): entity text from now on",
                       chat_id, refusal.message)
        self._refusing.add(chat_id)

    def sent(self, chat_id: int, card: Card, path: PostPath) -> None:
        """Logged (the paths chosen by the setting at DEBUG: one line per post of a broadcast
        would drown the rest) and counted."""
        level = logging.DEBUG if path in (PostPath.RICH, PostPath.OFF) else logging.INFO
        logger.log(level, "answer post of item %s to chat %s: %s", card.id, chat_id, path.value)
        if self.metrics is not None:
            self.metrics.answer_posts.labels(path.value).inc()


def to_entities(rendered: Rendered) -> list[MessageEntity] | None:
    return [
        MessageEntity(type=e.type, offset=e.offset, length=e.length, url=e.url,
                      language=e.language)
        for e in rendered.entities
    ] or None


async def replace_keyboard(
    callback: CallbackQuery, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Pressed buttons go away (or give way to the next step), so the chat reads cleanly.

    Cosmetic: a message too old to edit keeps its buttons, and they stay harmless.
    """
    if callback.message is not None and callback.bot is not None:
        with suppress(TelegramBadRequest):
            await callback.bot.edit_message_reply_markup(
                chat_id=callback.message.chat.id, message_id=callback.message.message_id,
                reply_markup=markup,
            )
