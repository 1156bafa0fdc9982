"""The answer under a one-off group /quiz, as under a daily one: due after the chat's reveal
delay, kept in the database (so a restart in between loses nothing) and posted by the daily loop.

A reveal is taken at most once: the row is marked revealed when a replica takes it, before its
Bot API calls, as a daily reveal in flight is never retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily.subscriptions import DEFAULT_REVEAL_AFTER_MINUTES, governing_subscription
from bot.platform.db.models import ChatQuizReveal, SentPoll, Subscription, SubscriptionStatus


@dataclass(frozen=True)
class QuizRevealJob:
    """An answer to post under a group's quiz poll."""

    poll_id: str
    chat_id: int
    thread_id: int | None
    item_id: int
    message_id: int


async def reveal_delay(session: AsyncSession, chat_id: int, thread_id: int | None) -> timedelta:
    """The reveal delay the forum topic's subscription says, else the chat's own one's, else
    the default."""
    minutes = await session.scalar(governing_subscription(
        select(Subscription.reveal_after_minutes)
        .where(Subscription.status != SubscriptionStatus.STOPPED), chat_id, thread_id))
    return timedelta(minutes=minutes or DEFAULT_REVEAL_AFTER_MINUTES)


async def schedule_reveal(
    session: AsyncSession, poll_id: str, thread_id: int | None, due: datetime
) -> None:
    """Reveal the quiz ``poll_id`` (recorded in ``sent_polls``) at ``due``."""
    session.add(ChatQuizReveal(poll_id=poll_id, thread_id=thread_id or 0, reveal_due_at=due))
    await session.flush()


async def take_due(session: AsyncSession, now: datetime, limit: int) -> list[QuizRevealJob]:
    """Up to ``limit`` reveals due at ``now``, marked revealed (replicas take disjoint ones)."""
    rows = (await session.execute(
        select(ChatQuizReveal.poll_id, ChatQuizReveal.thread_id, SentPoll.chat_id,
               SentPoll.item_id, SentPoll.message_id)
        .join(SentPoll, SentPoll.poll_id == ChatQuizReveal.poll_id)
        .where(ChatQuizReveal.reveal_due_at <= now)
        .order_by(ChatQuizReveal.reveal_due_at).limit(limit)
        .with_for_update(skip_locked=True, of=ChatQuizReveal)
    )).all()
    if rows:
        await session.execute(
            update(ChatQuizReveal)
            .where(ChatQuizReveal.poll_id.in_([row.poll_id for row in rows]))
            .values(reveal_due_at=None, revealed_at=now)
            .execution_options(synchronize_session=False)
        )
    return [QuizRevealJob(row.poll_id, row.chat_id, row.thread_id or None, row.item_id,
                          row.message_id) for row in rows]


async def earliest_due(session: AsyncSession) -> datetime | None:
    return await session.scalar(select(func.min(ChatQuizReveal.reveal_due_at)))
