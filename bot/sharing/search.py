"""Which items an inline query offers: active quizzes, questions and tasks whose topic or text
has every word of the query, the item whose id the query is (a "Share" button types it), or,
for an empty query, the item posted today and a few random ones. Nothing here knows Telegram."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.db.models import Delivery, DeliveryStatus, Item, Topic
from bot.study.catalog import DRILLABLE_KINDS, Card, load_cards

MATCHES_SHOWN = 20
RANDOM_SHOWN = 4
TODAY = timedelta(hours=24)


async def items_for_query(
    session: AsyncSession, query: str, now: datetime, rng: Random
) -> list[Card]:
    """Up to :data:`MATCHES_SHOWN` items for ``query``, in the order they are offered."""
    words = query.casefold().split()
    if len(words) == 1 and words[0].isdigit():
        return await _in_order(session, [int(words[0])])
    rows = (await session.execute(
        select(Item.id, Item.document, Topic.id, Topic.hashtag, Topic.title_ru, Topic.title_en)
        .join(Topic, Topic.id == Item.topic_id)
        .where(Item.archived_at.is_(None) & Item.kind.in_(DRILLABLE_KINDS)).order_by(Item.id)
    )).all()
    if words:
        matching = [row[0] for row in rows
                    if all(word in _searchable(row[1], row[2:]) for word in words)]
        return await _in_order(session, matching[:MATCHES_SHOWN])
    today = await _posted_today(session, now)
    others = [row[0] for row in rows if row[0] != today]
    chosen = rng.sample(others, min(RANDOM_SHOWN, len(others)))
    return await _in_order(session, ([today] if today is not None else []) + chosen)


def _searchable(document: dict[str, Any], topic: Iterable[str]) -> str:
    """The words an item is found by: its question or title, tags, topic id, hashtag, titles."""
    texts = [str(document.get("question") or ""), str(document.get("title") or ""),
             *map(str, document.get("tags") or []), *topic]
    return " ".join(texts).casefold()


async def _posted_today(session: AsyncSession, now: datetime) -> int | None:
    """The item of the latest daily post of the last day, if it is still in the bank."""
    return await session.scalar(
        select(Delivery.item_id).join(Item, Item.id == Delivery.item_id)
        .where(Delivery.sent_at >= now - TODAY, Item.archived_at.is_(None),
               Item.kind.in_(DRILLABLE_KINDS),
               Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.REVEALING,
                                    DeliveryStatus.REVEALED)))
        .order_by(Delivery.sent_at.desc()).limit(1)
    )


async def _in_order(session: AsyncSession, item_ids: list[int]) -> list[Card]:
    """The active items among ``item_ids``, in that order."""
    active = set(await session.scalars(
        select(Item.id).where(Item.id.in_(item_ids) & Item.archived_at.is_(None)
                              & Item.kind.in_(DRILLABLE_KINDS))))
    cards = await load_cards(session, active)
    return [cards[item_id] for item_id in item_ids if item_id in cards]
