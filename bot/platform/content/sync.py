"""Bringing the database in line with content files: idempotent, versioned, never deleting."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.platform.clock import Clock
from bot.platform.content.files import ContentBundle, SourcedItem
from bot.platform.content.schema import Item as ContentItem
from bot.platform.content.schema import Topic as ContentTopic
from bot.platform.db.item_search import index_items
from bot.platform.db.migrate import exclusive_startup, upgrade_to_head
from bot.platform.db.models import Item, ItemSource, ItemVersion, Topic
from bot.platform.db.startup_marks import forget_marks, read_mark, write_mark

logger = logging.getLogger(__name__)

# The startup mark of the bank the last sync loaded: its fingerprint.
SYNCED_BANK_MARK = "content"


@dataclass(frozen=True)
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    restored: int = 0
    kept: int = 0  # in the files, but edited or imported in the bot since: the bot's copy wins

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.archived} archived, {self.restored} restored, {self.kept} kept"
        )


async def sync_topics(session: AsyncSession, topics: Sequence[ContentTopic]) -> None:
    existing = {topic.id: topic for topic in await session.scalars(select(Topic))}
    for topic in topics:
        row = existing.get(topic.id) or Topic(id=topic.id)
        row.hashtag = topic.hashtag
        row.title_ru = topic.title.ru
        row.title_en = topic.title.en
        session.add(row)
    await session.flush()


async def sync_content(
    session: AsyncSession,
    topics: Sequence[ContentTopic],
    items: Sequence[SourcedItem],
    now: datetime,
) -> SyncReport:
    """Make the file-sourced items match ``items``; items no longer in the files are archived.

    Items an admin created, edited or imported are the bot's own from then on: the files neither
    overwrite nor archive them. Nor does a file bring back an item an admin archived.
    """
    await sync_topics(session, topics)
    existing = {item.slug: item for item in await session.scalars(select(Item))}
    created = updated = unchanged = restored = kept = 0
    writes: list[ItemWrite] = []
    for sourced in items:
        row = existing.pop(sourced.item.id, None)
        if row is not None and row.source != ItemSource.FILE:
            kept += 1
            continue
        if row is not None and row.content_hash == sourced.content_hash:
            if row.archived_at is not None and row.archived_by is None:
                row.archived_at = None
                restored += 1
            else:
                unchanged += 1
            continue
        if row is None:
            created += 1
        else:
            updated += 1
        writes.append(ItemWrite(row, sourced))
    await write_items(session, writes, source=ItemSource.FILE, changed_by=None, now=now)
    archived = 0
    for row in existing.values():
        if row.source == ItemSource.FILE and row.archived_at is None:
            row.archived_at = now
            archived += 1
    await session.flush()
    return SyncReport(created, updated, unchanged, archived, restored, kept)


async def sync_bank(
    session: AsyncSession, bundle: ContentBundle, now: datetime, *, tables_changed: bool = False
) -> SyncReport | None:
    """``sync_content`` of the bundle, unless the last sync was of the same bundle: then None.

    A sync of the same bundle could still change something when an admin archived or restored
    an item since (it archives again a file's item no longer in the files: ``forget_last_sync``
    forgets the mark then), or when a migration changed the tables (``tables_changed``).
    """
    if not tables_changed and await read_mark(session, SYNCED_BANK_MARK) == bundle.fingerprint:
        return None
    report = await sync_content(session, bundle.topics, bundle.items, now)
    await write_mark(session, SYNCED_BANK_MARK, bundle.fingerprint)
    return report


async def load_content(
    session_factory: async_sessionmaker[AsyncSession], bundle: ContentBundle, clock: Clock,
    *, tables_changed: bool = False,
) -> None:
    async with session_factory() as session, session.begin():
        report = await sync_bank(session, bundle, clock(), tables_changed=tables_changed)
    if report is None:
        logger.info("content unchanged since the last sync")
    else:
        logger.info("content loaded: %s", report)


async def prepare_database(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession],
    bundle: ContentBundle, clock: Clock,
) -> None:
    """Migrate and load the content; replicas starting together do it one at a time."""
    async with exclusive_startup(engine):
        migrated = await upgrade_to_head(engine)
        await load_content(session_factory, bundle, clock, tables_changed=migrated)


async def forget_last_sync(session: AsyncSession) -> None:
    """The next start syncs the files again, even unchanged."""
    await forget_marks(session, [SYNCED_BANK_MARK])


@dataclass(frozen=True)
class ItemWrite:
    """``sourced.item`` to save as the next version of ``row`` (a new item when None)."""

    row: Item | None
    sourced: SourcedItem


@dataclass(frozen=True)
class WrittenItem:
    id: int
    slug: str
    version: int


async def write_item(
    session: AsyncSession,
    row: Item | None,
    item: ContentItem,
    *,
    source: ItemSource,
    source_file: str | None,
    changed_by: int | None,
    now: datetime,
) -> WrittenItem:
    """Save ``item`` as the next version of ``row`` (a new item when None); old versions stay.

    The one write path for content, whoever changes it: files, imports, the bot's editors.
    """
    (saved,) = await write_items(session, [ItemWrite(row, SourcedItem(item, source_file))],
                                 source=source, changed_by=changed_by, now=now)
    return saved


async def write_items(
    session: AsyncSession,
    writes: Sequence[ItemWrite],
    *,
    source: ItemSource,
    changed_by: int | None,
    now: datetime,
) -> list[WrittenItem]:
    """``write_item`` for many: a few batched statements, not round trips per item (a first
    start loads the whole bank). The search index follows in the same transaction.

    New items go in as plain rows in one multi-row INSERT: through the unit of work, which needs
    their ids back in order, SQLite took an INSERT per item (843 on a first start). An item
    already loaded is updated as the object it is.
    """
    new = [write.sourced for write in writes if write.row is None]
    new_ids: dict[str, int] = {}
    if new:
        # Matched by slug: RETURNING in the rows' own order would cost SQLite one statement
        # per row.
        inserted = await session.execute(
            insert(Item).returning(Item.slug, Item.id),
            [_item_row(sourced, source, now) | {"slug": sourced.item.id, "version": 1,
                                                 "created_at": now, "archived_at": None}
             for sourced in new])
        new_ids = dict(inserted.all())
    written: list[WrittenItem] = []
    for write in writes:
        if write.row is None:
            slug = write.sourced.item.id
            written.append(WrittenItem(new_ids[slug], slug, 1))
            continue
        row = write.row
        for name, value in _item_row(write.sourced, source, now).items():
            setattr(row, name, value)
        row.version += 1
        if row.archived_by is None:  # an admin's archiving stands until an admin restores
            row.archived_at = None
        written.append(WrittenItem(row.id, row.slug, row.version))
    await session.flush()  # the stored items' new versions, before the rows of those versions
    if written:
        await session.execute(insert(ItemVersion), [
            {"item_id": saved.id, "version": saved.version, "document": write.sourced.document,
             "content_hash": write.sourced.content_hash, "changed_by": changed_by,
             "created_at": now}
            for saved, write in zip(written, writes, strict=True)])
    await index_items(session, [(saved.id, write.sourced.document)
                                for saved, write in zip(written, writes, strict=True)])
    return written


def _item_row(sourced: SourcedItem, source: ItemSource, now: datetime) -> dict[str, Any]:
    """The columns a write sets on new and stored items alike."""
    item = sourced.item
    return {"kind": item.kind.value, "topic_id": item.topic, "difficulty": item.difficulty.value,
            "language": item.language.value, "document": sourced.document,
            "content_hash": sourced.content_hash, "updated_at": now, "source": source,
            "source_file": sourced.file}
