"""Loading content is idempotent, versioned, and archives instead of deleting."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.platform.content import documents
from bot.platform.content.files import ContentBundle
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


async def test_new_items_are_written_in_a_few_statements_not_one_per_item(
    engine: AsyncEngine, session: AsyncSession,
) -> None:
    # A first start writes the whole bank (800+ items): an INSERT per item was a third of it.
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    items = [quiz(f"q{number}") for number in range(40)]
    assert await sync_content(session, TOPICS, items, NOW) == SyncReport(created=40)
    event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(statements) < 15, statements
    assert await versions(session, "q39") == [1]


async def test_a_bank_hashed_where_it_was_parsed_is_written_without_hashing_it_again(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The forked parser computes every item's document and hash for the bank's fingerprint;
    # they cross back to the bot with the bank, which writes them as they are.
    parsed = ContentBundle(TOPICS, [quiz("a"), question("b")])
    assert parsed.fingerprint
    bundle = pickle.loads(pickle.dumps(parsed))

    class NoHashing:
        def sha256(self, _data: bytes) -> Any:
            raise AssertionError("an item hashed again")

    monkeypatch.setattr(documents, "hashlib", NoHashing())
    assert await sync_content(session, TOPICS, bundle.items, NOW) == SyncReport(created=2)
    stored = await session.scalar(select(Item.content_hash).where(Item.slug == "a"))
    assert stored == bundle.items[0].content_hash


async def test_documents_are_stored_as_readable_text(session: AsyncSession) -> None:
    # Not "\\u0412\\u043e…": six bytes a Cyrillic letter made the bank three times its size.
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    for table in ("items", "item_versions"):
        stored = await session.scalar(text(f"SELECT CAST(document AS TEXT) FROM {table}"))
        assert "Вопрос a?" in str(stored)
