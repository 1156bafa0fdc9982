"""Loading content is idempotent, versioned, and archives instead of deleting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.sync import SyncReport, sync_content
from bot.platform.db.models import Item, ItemSource, ItemVersion
from tests.unit.factories import TOPICS, question, quiz

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


async def versions(session: AsyncSession, slug: str) -> list[int]:
    return list(await session.scalars(
        select(ItemVersion.version).join(Item).where(Item.slug == slug)
        .order_by(ItemVersion.version)
    ))


async def test_second_load_of_the_same_files_changes_nothing(session: AsyncSession) -> None:
    items = [quiz("a"), question("b")]
    assert await sync_content(session, TOPICS, items, NOW) == SyncReport(created=2)
    before = await session.scalar(select(Item.updated_at).where(Item.slug == "a"))
    assert await sync_content(session, TOPICS, items, NOW + timedelta(hours=1)) == SyncReport(
        unchanged=2
    )
    assert await session.scalar(select(Item.updated_at).where(Item.slug == "a")) == before
    assert await session.scalar(select(func.count()).select_from(ItemVersion)) == 2


async def test_a_changed_item_gets_a_new_version_and_keeps_the_old(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    report = await sync_content(session, TOPICS, [quiz("a", question="Исправленный?")], NOW)
    assert report == SyncReport(updated=1)
    assert await versions(session, "a") == [1, 2]
    item = await session.scalar(select(Item).where(Item.slug == "a"))
    assert item is not None
    assert (item.version, item.document["question"]) == (2, "Исправленный?")


async def test_a_removed_item_is_archived_and_comes_back_unchanged(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("a"), quiz("b")], NOW)
    assert await sync_content(session, TOPICS, [quiz("a")], NOW) == SyncReport(
        unchanged=1, archived=1
    )
    archived = await session.scalar(select(Item.archived_at).where(Item.slug == "b"))
    assert archived == NOW
    assert await sync_content(session, TOPICS, [quiz("a"), quiz("b")], NOW) == SyncReport(
        unchanged=1, restored=1
    )
    assert await versions(session, "b") == [1]


async def test_admin_items_are_not_archived_by_the_files(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    item = await session.scalar(select(Item).where(Item.slug == "a"))
    assert item is not None
    item.source = ItemSource.ADMIN
    await session.flush()
    assert await sync_content(session, TOPICS, [], NOW) == SyncReport()
    assert item.archived_at is None
