"""What the private note after a group quiz answer says: right or wrong, the member's streak
in this chat, the topic to drill, and the forum topic it goes to (the quiz's). Plain values out
of the database; no Telegram here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily.subscriptions import governing_subscription
from bot.platform.db.models import (
    Attempt,
    ChatQuizReveal,
    Delivery,
    Item,
    SentPoll,
    Subscription,
)

# A streak longer than this reads as "this many or more" would; it bounds the read.
STREAK_LOOKBACK = 200


@dataclass(frozen=True)
class AnswerNote:
    is_correct: bool
    streak: int  # right answers in a row in this chat, this one included
    topic_id: str
    language: str  # the item's
    thread_id: int | None = None  # the forum topic the quiz went to; None: the chat itself


def streak(results_newest_first: Iterable[bool]) -> int:
    """Right answers in a row, counting back from the newest."""
    count = 0
    for is_correct in results_newest_first:
        if not is_correct:
            break
        count += 1
    return count


async def answer_note(
    session: AsyncSession, *, user_id: int, chat_id: int, poll_id: str, item_id: int,
    is_correct: bool,
) -> AnswerNote | None:
    """The note for a member's answer in a group; None when the group (the quiz's forum topic,
    else the chat's own subscription) turned notes off."""
    thread_id = await poll_thread(session, chat_id, poll_id)
    wanted = await session.scalar(governing_subscription(
        select(Subscription.private_feedback), chat_id, thread_id))
    if wanted is False:
        return None
    item = (await session.execute(
        select(Item.topic_id, Item.language).where(Item.id == item_id))).one_or_none()
    if item is None:
        return None
    results = await session.scalars(
        select(Attempt.is_correct).join(SentPoll, SentPoll.poll_id == Attempt.poll_id)
        .where(Attempt.user_id == user_id, SentPoll.chat_id == chat_id)
        .order_by(Attempt.answered_at.desc(), Attempt.id.desc()).limit(STREAK_LOOKBACK)
    )
    return AnswerNote(is_correct, streak(results), item.topic_id, item.language, thread_id)


async def poll_thread(session: AsyncSession, chat_id: int, poll_id: str) -> int | None:
    """The forum topic the poll went to: a daily post's subscription's, else a one-off
    /quiz's; None for the chat itself (``sent_polls`` keeps no topic)."""
    thread_id = await session.scalar(
        select(Subscription.thread_id)  # by the chat's subscriptions: deliveries by index
        .join(Delivery, Delivery.subscription_id == Subscription.id)
        .where((Subscription.chat_id == chat_id) & (Delivery.poll_id == poll_id)))
    if thread_id is None:
        thread_id = await session.scalar(
            select(ChatQuizReveal.thread_id).where(ChatQuizReveal.poll_id == poll_id))
    return thread_id or None
