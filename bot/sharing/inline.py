"""Inline mode: ``@bot words`` in any chat offers matching items; the one chosen is posted there
as the question, with an "Answer" button that opens it in the private chat with the bot."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.markdown import Rendered, plain, shortened
from bot.platform.content.schema import QuestionItem, QuizItem, TaskItem
from bot.platform.telegram.deep_links import item_payload, start_link
from bot.sharing.search import items_for_query
from bot.study.catalog import Card
from bot.study.context import UpdateContext
from bot.study.posts import MESSAGE_LIMIT, question_post
from bot.study.sending import to_entities

# Telegram keeps the answer to a query this long, for everyone who types the same words: the
# bank changes seldom, and a popular query costs one database read a minute.
INLINE_CACHE_SECONDS = 60
TITLE_LIMIT = 120


def create_router() -> Router:
    router = Router(name="sharing")

    @router.inline_query()
    async def offer_items(query: InlineQuery, ctx: UpdateContext, session: AsyncSession) -> None:
        cards = await items_for_query(session, query.query, ctx.now, ctx.rng)
        await query.answer([_article(ctx, card) for card in cards],
                           cache_time=INLINE_CACHE_SECONDS, is_personal=False)

    return router


def _article(ctx: UpdateContext, card: Card) -> InlineQueryResultArticle:
    post = _shared_post(card)
    return InlineQueryResultArticle(
        id=str(card.id),
        title=shortened(_title(card), TITLE_LIMIT),
        description=f"{_('kind-name-' + card.content.kind.value)} · #{card.topic_hashtag}",
        input_message_content=InputTextMessageContent(message_text=post.text,
                                                      entities=to_entities(post)),
        reply_markup=_answer_button(ctx, card),
    )


def _shared_post(card: Card) -> Rendered:
    """The question as the chat sees it; a quiz lists its options (there is no poll to tap)."""
    post = question_post(card)[0]
    item = card.content
    if isinstance(item, QuizItem):
        post += plain("\n\n" + "\n".join(f"{number}) {option}"
                                         for number, option in enumerate(item.options, 1)))
    return post.split(MESSAGE_LIMIT)[0]


def _title(card: Card) -> str:
    item = card.content
    if isinstance(item, QuizItem | QuestionItem):
        return item.question
    if isinstance(item, TaskItem):
        return item.title or item.question
    return item.title


def _answer_button(ctx: UpdateContext, card: Card) -> InlineKeyboardMarkup | None:
    """"Answer": the private chat with the bot, opening the item (the chat's members see it in
    the item's language)."""
    if not ctx.bot_username:
        return None
    text = ctx.i18n.gettext("button-answer-in-private", locale=card.content.language.value)
    link = start_link(ctx.bot_username, item_payload(card.id))
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, url=link)]])
