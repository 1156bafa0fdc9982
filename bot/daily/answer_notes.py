"""What the private note after a group quiz answer says: right or wrong, the member's streak
in this chat, the topic to drill. Plain values out of the database; no Telegram here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import Attempt, Item, SentPoll, Subscription

# A streak longer than this reads as "this many or more" would; it bounds the read.
STREAK_LOOKBACK = 200


@dataclass(frozen=True)
class AnswerNote:
    is_correct: bool
    streak: int  # right answers in a row in this chat, this one included
    topic_id: str
    language: str  # the item's


def streak(results_newest_first: Iterable[bool]) -> int:
    """Right answers in a row, counting back from the newest."""
    count = 0
    for is_correct in results_newest_first:
        if not is_correct:
            break
        count += 1
    return count


async def answer_note(
    session: AsyncSession, *, user_id: int, chat_id: int, item_id: int, is_correct: bool
) -> AnswerNote | None:
    """The note for a member's answer in a group; None when the group turned notes off."""
    wanted = await session.scalar(
        select(Subscription.private_feedback).where(Subscription.chat_id == chat_id))
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
    return AnswerNote(is_correct, streak(results), item.topic_id, item.language)
