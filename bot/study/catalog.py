"""Reading items back as validated content, ready to render."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.platform.content.schema import Item as ContentItem
from bot.platform.content.schema import Kind, Language
from bot.platform.db.models import Item, Topic

_item_adapter: TypeAdapter[ContentItem] = TypeAdapter(ContentItem)
DRILLABLE_KINDS = (Kind.QUIZ.value, Kind.QUESTION.value, Kind.TASK.value)


def has_drillable_items() -> ColumnElement[bool]:
    """A topic worth offering: it has an active quiz, question or task (books have none)."""
    return exists().where((Item.topic_id == Topic.id) & Item.archived_at.is_(None)
                          & Item.kind.in_(DRILLABLE_KINDS))


@dataclass(frozen=True)
class Card:
    """One item as the learner will see it."""

    id: int
    content: ContentItem
    topic_hashtag: str


async def load_card(session: AsyncSession, item_id: int) -> Card | None:
    """The item, archived or not: a button pressed on an old post still shows its answer."""
    row = (
        await session.execute(
            select(Item, Topic.hashtag).join(Topic, Item.topic_id == Topic.id)
            .where(Item.id == item_id)
        )
    ).one_or_none()
    if row is None:
        return None
    item, hashtag = row
    return Card(item.id, _item_adapter.validate_python(item.document), hashtag)


async def load_active_card(session: AsyncSession, item_id: int) -> Card | None:
    """The item if it is still in the bank (not archived)."""
    active = await session.scalar(
        select(Item.id).where((Item.id == item_id) & Item.archived_at.is_(None))
    )
    return await load_card(session, item_id) if active is not None else None


async def topic_exists(session: AsyncSession, topic_id: str) -> bool:
    return await session.get(Topic, topic_id) is not None
async def load_cards(session: AsyncSession, item_ids: Collection[int]) -> dict[int, Card]:
    """Several items in one query (a broadcast page posts many)."""
    rows = await session.execute(
        select(Item, Topic.hashtag).join(Topic, Item.topic_id == Topic.id)
        .where(Item.id.in_(item_ids))
    )
    return {
        item.id: Card(item.id, _item_adapter.validate_python(item.document), hashtag)
        for item, hashtag in rows
    }


async def content_languages(session: AsyncSession) -> set[str]:
    """The languages the active items are written in."""
    return set(await session.scalars(
        select(Item.language).where(Item.archived_at.is_(None)).distinct()))


class Titled(Protocol):
    """A topic, or a row naming one, with its title in both languages."""

    @property
    def title_ru(self) -> str: ...

    @property
    def title_en(self) -> str: ...


def topic_title(topic: Titled, language: str) -> str:
    """The topic's title in ``language`` (Russian unless English is asked for)."""
    return topic.title_en if language == Language.EN else topic.title_ru


def topic_title_column(language: str) -> InstrumentedAttribute[str]:
    """The column of the topic's title in ``language``, to select it in a query."""
    return Topic.title_en if language == Language.EN else Topic.title_ru
