"""Showing items to a learner: the Telegram half of a drill step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from datetime import datetime
from random import Random

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import Kind, QuizItem, ResourceItem
from bot.db.engine import again_if_connection_lost
from bot.rendering.markdown import Rendered, plain
from bot.rendering.posts import answer_post, question_post, quiz_poll
from bot.services.answers import AnswerOutcome
from bot.services.catalog import Card
from bot.services.drill import (
    DRILL_SIZE,
    finish_drill,
    is_drill_card,
    next_card,
    next_drill_card,
    record_sent_poll,
    record_view,
    start_drill,
)
from bot.services.learners import Learner
from bot.telegram.i18n import post_style
from bot.telegram.keyboards import drill_next_keyboard, next_keyboard, reveal_keyboard
from bot.telegram.sending import send_post, send_quiz


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


async def post_quiz(
    bot: Bot, session: AsyncSession, chat_id: int, card: Card, item: QuizItem, *,
    now: datetime, open_period: int | None = None,
    recorded: Callable[[str], Awaitable[None]] | None = None,
) -> Message:
    """A public quiz poll, remembered so that its answers are judged and counted.

    A poll anyone can answer must be one the bot knows, also when the database connection dies
    under the update (a failover, a restart of the server) and the update runs again: so the
    update's work so far is committed before the poll goes out, and the poll's record, with
    ``recorded``'s writes (given the poll id), is committed right after it on its own, once
    more on a new connection if its connection died.
    """
    await session.commit()
    message = await send_quiz(bot, chat_id, quiz_poll(item), is_anonymous=False,
                              open_period=open_period)
    if message.poll is None:
        raise RuntimeError("sendPoll returned a message without a poll")
    poll_id = message.poll.id

    async def record() -> None:
        try:
            await record_sent_poll(
                session, poll_id=poll_id, item_id=card.id, chat_id=chat_id,
                message_id=message.message_id,
                correct_option_ids=list(item.correct_option_ids), now=now,
            )
            if recorded is not None:
                await recorded(poll_id)
            await session.commit()
        except Exception:
            await session.rollback()
            raise

    await again_if_connection_lost(record, f"the record of poll {poll_id}")
    return message


def verdict(outcome: AnswerOutcome, card: Card) -> Rendered:
    if outcome.is_correct:
        return plain(_("verdict-correct"))
    item = card.content
    options = item.options if isinstance(item, QuizItem) else []
    answer = "; ".join(options[index] for index in outcome.correct_option_ids
                       if index < len(options))
    return plain(_("verdict-wrong").format(answer=answer))
