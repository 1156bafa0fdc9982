"""Showing items to a learner: the Telegram half of a drill step."""

from __future__ import annotations

from collections.abc import Collection

from aiogram.types import InlineKeyboardMarkup
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
from bot.study.context import UpdateContext
from bot.study.keyboards import drill_next_keyboard, next_keyboard, reveal_keyboard
from bot.study.learners import Learner
from bot.study.posts import question_post
from bot.study.quizzes import post_quiz


async def serve_next_card(
    ctx: UpdateContext, session: AsyncSession, learner: Learner, kinds: Collection[Kind]
) -> None:
    card = await next_card(session, learner, kinds, ctx.now, ctx.rng)
    if card is None:
        await ctx.send_message(_("bank-empty"))
        return
    await show_card(ctx, session, card)


async def show_card(ctx: UpdateContext, session: AsyncSession, card: Card) -> None:
    """Put the card in the chat: a quiz poll, a question with "Show answer", or a resource;
    the acting learner has seen it."""
    item = card.content

    async def viewed() -> None:
        await record_view(session, ctx.user_id, card.id, item.kind, ctx.now)

    if isinstance(item, QuizItem):
        await post_quiz(ctx, session, card, item, recorded=lambda _poll_id: viewed())
        return
    if isinstance(item, ResourceItem):
        await ctx.send_answer(card, next_keyboard(item.kind))
    else:
        await ctx.send_post(question_post(card), reveal_keyboard(card.id))
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
    ctx: UpdateContext, session: AsyncSession, learner: Learner, *, size: int = DRILL_SIZE,
    topic_id: str | None = None,
) -> None:
    """A new drill for the learner (of one topic, if given), and its first card."""
    await start_drill(session, learner.user_id, ctx.now, size=size, topic_id=topic_id)
    await serve_drill_step(ctx, session, learner)


async def serve_drill_step(ctx: UpdateContext, session: AsyncSession, learner: Learner) -> None:
    """The drill's next card, or its summary when it is over."""
    card = await next_drill_card(session, learner, ctx.now, ctx.rng)
    if card is not None:
        await show_card(ctx, session, card)
        return
    summary = await finish_drill(session, learner, ctx.now)
    reason = (
        _("drill-why-" + summary.ended_early.value).format(cap=learner.new_cards_per_day)
        if summary.ended_early else ""
    )
    if summary.served == 0:
        await ctx.send_message(reason)
        return
    text = _("drill-summary").format(
        answered=summary.answered, correct=summary.correct, due_tomorrow=summary.due_tomorrow
    )
    if reason:
        ended = _("drill-ended-early").format(served=summary.served, size=summary.size)
        text = f"{text}\n\n{ended} {reason}"
    await ctx.send_message(text)
