"""The question bank as admins manage it: search, counts, archiving and export.

Nothing is ever deleted: attempts and grades reference items, so an item leaves the drills by
being archived, and comes back by being restored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.schema import Kind
from bot.platform.content.sync import forget_last_sync
from bot.platform.db.item_search import search_items
from bot.platform.db.models import (
    AdminAction,
    AdminActionKind,
    Item,
    ItemSource,
    ItemVersion,
    Topic,
    User,
)
from bot.study.catalog import Card, load_card

FIND_LIMIT = 20
HISTORY_SHOWN = 20


@dataclass(frozen=True)
class ItemSummary:
    id: int
    slug: str
    kind: Kind
    topic: str
    title: str
    version: int
    source: ItemSource
    archived: bool


@dataclass(frozen=True)
class FoundItems:
    items: list[ItemSummary]
    total: int  # matches in all; ``items`` holds the first FIND_LIMIT


@dataclass(frozen=True)
class ItemPreview:
    summary: ItemSummary
    card: Card


@dataclass(frozen=True)
class ItemVersionEntry:
    version: int
    at: datetime  # UTC
    changed_by: int | None  # None: the content files
    changed_by_name: str | None  # None: unknown, or the files


class ArchiveOutcome(StrEnum):
    DONE = "done"
    ALREADY = "already"
    NOT_FOUND = "not-found"


@dataclass(frozen=True)
class BankCount:
    topic: str
    title_ru: str
    title_en: str
    kind: Kind
    active: int
    archived: int


@dataclass(frozen=True)
class BankFilter:
    """An export of one topic or one kind; both None: the whole bank."""

    topic: str | None = None
    kind: Kind | None = None

    @property
    def label(self) -> str:
        return self.topic or (self.kind.value if self.kind else "all")


async def find_items(session: AsyncSession, text: str) -> FoundItems:
    """Items with every word of ``text`` in their question, options or explanations (full-text
    search: case- and ё/е-insensitive, the best match first); an item whose id is ``text``
    comes first of all."""
    found = list(await search_items(session, text))
    exact = await session.scalar(select(Item.id).where(Item.slug == text.strip().lower()))
    if exact is not None:
        found = [exact, *(item_id for item_id in found if item_id != exact)]
    shown = found[:FIND_LIMIT]
    rows = {row.id: row for row in await session.scalars(select(Item).where(Item.id.in_(shown)))}
    return FoundItems([_summary(rows[item_id]) for item_id in shown], len(found))


async def preview_item(session: AsyncSession, reference: str | int) -> ItemPreview | None:
    """The item by its id (a number) or its slug."""
    if isinstance(reference, int) or reference.isdigit():
        row = await session.get(Item, int(reference))
    else:
        row = await session.scalar(select(Item).where(Item.slug == reference))
    if row is None:
        return None
    card = await load_card(session, row.id)
    if card is None:
        return None
    return ItemPreview(_summary(row), card)


async def item_history(session: AsyncSession, item_id: int) -> list[ItemVersionEntry]:
    """The item's versions, the newest first, with who made each (HISTORY_SHOWN at most)."""
    rows = await session.execute(
        select(ItemVersion.version, ItemVersion.created_at, ItemVersion.changed_by,
               User.first_name)
        .outerjoin(User, User.id == ItemVersion.changed_by)
        .where(ItemVersion.item_id == item_id)
        .order_by(ItemVersion.version.desc())
        .limit(HISTORY_SHOWN)
    )
    return [ItemVersionEntry(*row) for row in rows]


async def archive_item(session: AsyncSession, slug: str, *, by: int, now: datetime
                       ) -> ArchiveOutcome:
    return await _set_archived(session, slug, archived=True, by=by, now=now)


async def restore_item(session: AsyncSession, slug: str, *, by: int, now: datetime
                       ) -> ArchiveOutcome:
    return await _set_archived(session, slug, archived=False, by=by, now=now)


async def bank_counts(session: AsyncSession) -> list[BankCount]:
    """Active and archived items per topic and kind, topics in id order, with their titles."""
    rows = await session.execute(
        select(Item.topic_id, Topic.title_ru, Topic.title_en, Item.kind,
               func.count().filter(Item.archived_at.is_(None)),
               func.count().filter(Item.archived_at.is_not(None)))
        .join(Topic, Topic.id == Item.topic_id)
        .group_by(Item.topic_id, Topic.title_ru, Topic.title_en, Item.kind)
        .order_by(Item.topic_id, Item.kind)
    )
    return [BankCount(topic, title_ru, title_en, Kind(kind), active, archived)
            for topic, title_ru, title_en, kind, active, archived in rows]


async def bank_filter(session: AsyncSession, word: str | None) -> BankFilter | None:
    """The export filter an admin typed: a kind, a topic id, or nothing; None if unknown."""
    if not word:
        return BankFilter()
    word = word.strip().lower()
    if word in {kind.value for kind in Kind}:
        return BankFilter(kind=Kind(word))
    if await session.get(Topic, word) is not None:
        return BankFilter(topic=word)
    return None


async def topic_ids(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(Topic.id).order_by(Topic.id)))


async def export_items(session: AsyncSession, bank: BankFilter) -> list[dict[str, Any]]:
    """The active items' documents in the ``content/`` schema: importing them changes nothing."""
    query = select(Item.document).where(Item.archived_at.is_(None)).order_by(Item.slug)
    if bank.topic:
        query = query.where(Item.topic_id == bank.topic)
    if bank.kind:
        query = query.where(Item.kind == bank.kind.value)
    return [
        {key: value for key, value in document.items() if value is not None}
        for document in await session.scalars(query)
    ]


def content_file_yaml(documents: list[dict[str, Any]]) -> bytes:
    """A content file as an author would write it: keys in schema order, long texts as blocks.

    UTF-8 bytes straight from the emitter: a big bank is never held as text and as bytes at once.
    """
    return yaml.dump({"items": documents}, Dumper=_ContentDumper, allow_unicode=True,
                     sort_keys=False, width=100, encoding="utf-8")


class _ContentDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # "  - id: …" under "items:", as in content/

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value written twice stays written twice: /import refuses YAML aliases


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ContentDumper.add_representer(str, _represent_text)


def _summary(row: Item) -> ItemSummary:
    document = row.document
    title = document.get("question") or document.get("title") or row.slug
    return ItemSummary(row.id, row.slug, Kind(row.kind), row.topic_id,
                       str(title).split("\n", 1)[0], row.version, row.source,
                       row.archived_at is not None)


async def _set_archived(
    session: AsyncSession, slug: str, *, archived: bool, by: int, now: datetime
) -> ArchiveOutcome:
    """Archive or restore ``slug``, logged as the admin's action."""
    row = await session.scalar(select(Item).where(Item.slug == slug))
    if row is None:
        return ArchiveOutcome.NOT_FOUND
    if (row.archived_at is not None) is archived:
        return ArchiveOutcome.ALREADY
    row.archived_at = now if archived else None
    row.archived_by = by if archived else None
    await forget_last_sync(session)  # a file's item restored here may be one to archive again
    action = AdminActionKind.ARCHIVE if archived else AdminActionKind.RESTORE
    session.add(AdminAction(actor_id=by, action=action, target=slug, created_at=now))
    await session.flush()
    return ArchiveOutcome.DONE
