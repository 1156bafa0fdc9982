"""Showing items to a learner: the Telegram half of a drill step."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.backlog import ReviewSpread
from bot.drills.exam import drill_pace
from bot.drills.exam_date import ask_how_it_went
from bot.drills.practice import (
    DRILL_SIZE,
    finish_drill,
    is_drill_card,
    next_card,
    next_drill_card,
    record_view,
    start_drill,
)
from bot.drills.reminder_rules import practised
from bot.drills.today import today_plan
from bot.platform.content.schema import Kind, QuizItem, ResourceItem
from bot.platform.i18n import day_count
from bot.study.catalog import Card
from bot.study.context import UpdateContext
from bot.study.keyboards import (
    drill_next_keyboard,
    drill_summary_keyboard,
    next_keyboard,
    reveal_keyboard,
)
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


async def show_card(
    ctx: UpdateContext, session: AsyncSession, card: Card, lead: str = ""
) -> None:
    """Put the card in the chat: a quiz poll, a question with "Show answer", or a resource;
    the acting learner has seen it. ``lead`` (a drill's "3/10") goes above the question."""
    item = card.content

    async def viewed() -> None:
        await record_view(session, ctx.user_id, card.id, item.kind, ctx.now)
        await practised(session, ctx.user_id, ctx.now)

    if isinstance(item, QuizItem):
        await post_quiz(ctx, session, card, item, recorded=lambda _poll_id: viewed(), lead=lead)
        return
    if isinstance(item, ResourceItem):
        await ctx.send_answer(card, next_keyboard(item.kind))
    else:
        await ctx.send_post(question_post(card, lead), reveal_keyboard(card.id))
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
    """A new drill for the learner (of one topic, if given), and its first card; after an
    interview date, the question how it went first; after a break, what the drill leaves of
    the backlog for the next days."""
    await ask_how_it_went(ctx, session, learner)
    await start_drill(session, learner.user_id, ctx.now, size=size, topic_id=topic_id)
    plan = await today_plan(session, capped(ctx, learner), ctx.now)
    if plan.reviews.postponed:
        await ctx.send_message(backlog_notice(plan.reviews))
    await serve_drill_step(ctx, session, learner)


def capped(ctx: UpdateContext, learner: Learner) -> Learner:
    """The learner as a drill serves them: at most ``MAX_REVIEWS_PER_DAY`` reviews a day."""
    return replace(learner, reviews_per_day=ctx.max_reviews_per_day)


def backlog_notice(reviews: ReviewSpread) -> str:
    """"ещё 140 карточек разнесены на 3 дня", with today's share first."""
    postponed = reviews.postponed
    return _("backlog-spread", "backlog-spread", postponed).format(
        today=reviews.today, postponed=postponed, days=day_count(reviews.days))


async def serve_drill_step(ctx: UpdateContext, session: AsyncSession, learner: Learner) -> None:
    """The drill's next card, or its summary when it is over."""
    learner = capped(ctx, learner)
    step = await next_drill_card(session, learner, ctx.now, ctx.rng)
    if step is not None:
        await show_card(ctx, session, step.card, f"{step.position}/{step.size}")
        return
    summary = await finish_drill(session, learner, ctx.now)
    pace = await drill_pace(session, learner, ctx.now)
    reason = (
        _("drill-why-" + summary.ended_early.value).format(cap=pace.new_cards_per_day)
        if summary.ended_early else ""
    )
    # The interview plan raised the cap: the learner is told, as they set their own.
    pace_note = (_("drill-exam-pace").format(plan=pace.new_cards_per_day,
                                             own=learner.new_cards_per_day)
                 if pace.new_cards_per_day > learner.new_cards_per_day else "")
    if summary.served == 0:
        await ctx.send_message("\n\n".join(filter(None, [reason, pace_note])))
        return
    text = _("drill-summary").format(
        answered=summary.answered, correct=summary.correct, due_tomorrow=summary.due_tomorrow
    )
    if reason:
        ended = _("drill-ended-early").format(served=summary.served, size=summary.size)
        text = f"{text}\n\n{ended} {reason}"
    if pace_note:
        text = f"{text}\n\n{pace_note}"
    await ctx.send_message(text, drill_summary_keyboard(DRILL_SIZE))
