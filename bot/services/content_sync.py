"""Bringing the database in line with content files: idempotent, versioned, never deleting."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.files import SourcedItem
from bot.content.schema import Item as ContentItem
from bot.content.schema import Topic as ContentTopic
from bot.db.models import Item, ItemVersion, Topic

FILE_SOURCE = "file"


@dataclass(frozen=True)
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    restored: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.archived} archived, {self.restored} restored"
        )


def item_document(item: ContentItem) -> dict[str, Any]:
    return item.model_dump(mode="json")


def document_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
    """Make the file-sourced items match ``items``; items no longer in the files are archived."""
    await sync_topics(session, topics)
    existing = {item.slug: item for item in await session.scalars(select(Item))}
    created = updated = unchanged = restored = 0
    for sourced in items:
        document = item_document(sourced.item)
        digest = document_hash(document)
        row = existing.pop(sourced.item.id, None)
        if row is None:
            row = Item(slug=sourced.item.id, version=0, created_at=now)
            created += 1
        elif row.content_hash == digest:
            if row.archived_at is not None:
                row.archived_at = None
                restored += 1
            else:
                unchanged += 1
            continue
        else:
            updated += 1
        _apply(row, sourced.item, document, digest, now)
        row.source = FILE_SOURCE
        row.source_file = sourced.file
        row.archived_at = None
        session.add(row)
        await session.flush()
        session.add(
            ItemVersion(item_id=row.id, version=row.version, document=document,
                        content_hash=digest, created_at=now)
        )
    archived = 0
    for row in existing.values():
        if row.source == FILE_SOURCE and row.archived_at is None:
            row.archived_at = now
            archived += 1
    await session.flush()
    return SyncReport(created, updated, unchanged, archived, restored)


def _apply(
    row: Item, item: ContentItem, document: dict[str, Any], digest: str, now: datetime
) -> None:
    row.kind = item.kind.value
    row.topic_id = item.topic
    row.difficulty = item.difficulty.value
    row.language = item.language.value
    row.document = document
    row.content_hash = digest
    row.version += 1
    row.updated_at = now
