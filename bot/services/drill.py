"""Private drills: which item a learner gets next, and what was shown to them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from random import Random

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.schema import Kind
from bot.db.models import Item, ItemView, SentPoll
from bot.services.catalog import Card, load_card


async def next_card(
    session: AsyncSession, user_id: int, kinds: Collection[Kind], rng: Random
) -> Card | None:
    """A random active item of ``kinds`` the learner has not seen; any of them once all are seen.

    Two small indexed queries (count, then one row at a random offset) instead of loading the
    bank, so the choice stays cheap as the bank grows and the random source stays injectable.
    """
    active = (Item.kind.in_([kind.value for kind in kinds])) & Item.archived_at.is_(None)
    seen = exists().where((ItemView.user_id == user_id) & (ItemView.item_id == Item.id))
    return await _random_item(session, (active & ~seen, active), rng)


async def next_chat_quiz(session: AsyncSession, chat_id: int, rng: Random) -> Card | None:
    """A random active quiz not yet posted as a poll in the chat; any quiz once all were."""
    active = (Item.kind == Kind.QUIZ.value) & Item.archived_at.is_(None)
    posted = exists().where((SentPoll.chat_id == chat_id) & (SentPoll.item_id == Item.id))
    return await _random_item(session, (active & ~posted, active), rng)


async def _random_item(
    session: AsyncSession, conditions: Sequence[ColumnElement[bool]], rng: Random
) -> Card | None:
    """A random item meeting the first condition that any item meets."""
    for condition in conditions:
        count = await session.scalar(select(func.count()).select_from(Item).where(condition))
        if count:
            item_id = await session.scalar(
                select(Item.id).where(condition).order_by(Item.id)
                .offset(rng.randrange(count)).limit(1)
            )
            if item_id is not None:
                return await load_card(session, item_id)
    return None


async def record_view(session: AsyncSession, user_id: int, item_id: int, now: datetime) -> None:
    session.add(ItemView(user_id=user_id, item_id=item_id, shown_at=now))
    await session.flush()


async def record_sent_poll(
    session: AsyncSession,
    *,
    poll_id: str,
    item_id: int,
    chat_id: int,
    message_id: int,
    correct_option_ids: list[int],
    now: datetime,
) -> None:
    session.add(
        SentPoll(poll_id=poll_id, item_id=item_id, chat_id=chat_id, message_id=message_id,
                 correct_option_ids=correct_option_ids, sent_at=now)
    )
    await session.flush()
