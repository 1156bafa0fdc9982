"""Showing items to a learner: the Telegram half of a drill step."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from random import Random

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.practice import (
    DRILL_SIZE,
    finish_drill,
    is_drill_card,
    next_card,
    next_drill_card,
    record_view,
    start_drill,
)
from bot.platform.content.schema import Kind, QuizItem, ResourceItem
from bot.study.catalog import Card
from bot.study.keyboards import drill_next_keyboard, next_keyboard, reveal_keyboard
from bot.study.learners import Learner
from bot.study.posts import answer_post, post_style, question_post
from bot.study.quizzes import post_quiz
from bot.study.sending import send_post


async def serve_next_card(
    bot: Bot,
    session: AsyncSession,
    *,
    chat_id: int,
    learner: Learner,
    kinds: Collection[Kind],
    rng: Random,
    now: datetime,
    i18n: I18n,
    signature: str,
) -> None:
    card = await next_card(session, learner, kinds, now, rng)
    if card is None:
        await bot.send_message(chat_id, _("bank-empty"))
        return
    await show_card(bot, session, chat_id=chat_id, user_id=learner.user_id, card=card, now=now,
                    i18n=i18n, signature=signature)


async def show_card(
    bot: Bot,
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    card: Card,
    now: datetime,
    i18n: I18n,
    signature: str,
) -> None:
    """Put the card in the chat: a quiz poll, a question with "Show answer", or a resource."""
    item = card.content

    async def viewed() -> None:
        await record_view(session, user_id, card.id, item.kind, now)

    if isinstance(item, QuizItem):
        await post_quiz(bot, session, chat_id, card, item, now=now,
                        recorded=lambda _poll_id: viewed())
        return
    if isinstance(item, ResourceItem):
        await send_post(bot, chat_id, answer_post(card, post_style(i18n, card, signature)),
                        next_keyboard(item.kind))
    else:
        await send_post(bot, chat_id, question_post(card), reveal_keyboard(card.id))
    await viewed()


async def continue_keyboard(
    session: AsyncSession, user_id: int, card: Card
) -> InlineKeyboardMarkup:
    """The "Next" button after an answer: the drill's next card when the card belongs to the
    learner's drill, another of its kind otherwise."""
    if await is_drill_card(session, user_id, card.id):
        return drill_next_keyboard()
    return next_keyboard(card.content.kind)


async def begin_drill(
    bot: Bot,
    session: AsyncSession,
    *,
    chat_id: int,
    learner: Learner,
    rng: Random,
    now: datetime,
    i18n: I18n,
    signature: str,
    size: int = DRILL_SIZE,
    topic_id: str | None = None,
) -> None:
    """A new drill for the learner (of one topic, if given), and its first card."""
    await start_drill(session, learner.user_id, now, size=size, topic_id=topic_id)
    await serve_drill_step(bot, session, chat_id=chat_id, learner=learner, rng=rng, now=now,
                           i18n=i18n, signature=signature)


async def serve_drill_step(
    bot: Bot,
    session: AsyncSession,
    *,
    chat_id: int,
    learner: Learner,
    rng: Random,
    now: datetime,
    i18n: I18n,
    signature: str,
) -> None:
    """The drill's next card, or its summary when it is over."""
    card = await next_drill_card(session, learner, now, rng)
    if card is not None:
        await show_card(bot, session, chat_id=chat_id, user_id=learner.user_id, card=card,
                        now=now, i18n=i18n, signature=signature)
        return
    summary = await finish_drill(session, learner, now)
    reason = (
        _("drill-why-" + summary.ended_early.value).format(cap=learner.new_cards_per_day)
        if summary.ended_early else ""
    )
    if summary.served == 0:
        await bot.send_message(chat_id, reason)
        return
    text = _("drill-summary").format(
        answered=summary.answered, correct=summary.correct, due_tomorrow=summary.due_tomorrow
    )
    if reason:
        ended = _("drill-ended-early").format(served=summary.served, size=summary.size)
        text = f"{text}\n\n{ended} {reason}"
    await bot.send_message(chat_id, text)


