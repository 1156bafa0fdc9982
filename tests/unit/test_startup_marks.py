"""A restart skips what did not change since the last start: migrations, the content sync, the
command menus; whatever changed is done again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramServerError
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.authoring.bank import archive_item, restore_item
from bot.platform.content.files import ContentBundle
from bot.platform.content.sync import SyncReport, prepare_database, sync_bank
from bot.platform.db import migrate
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.migrate import alembic_config, head_revisions, upgrade_to_head
from bot.platform.db.models import Item, StartupMark
from bot.platform.i18n import create_i18n
from bot.platform.telegram.commands import set_bot_commands
from tests.fakebot import Call, FakeBotAPI, server_error
from tests.unit.factories import TOPICS, question, quiz

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
OWNER = 1


def bundle(*items: str, question_text: str = "Что такое precision?") -> ContentBundle:
    return ContentBundle(TOPICS, [quiz(item, question=question_text) for item in items])


# ------------------------------------------------------------------ migrations


def test_the_heads_read_from_the_files_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revisions() == frozenset(script.get_heads())


async def test_a_database_at_head_is_left_alone_without_alembic(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(empty_database_url)
    assert await upgrade_to_head(engine)  # a new database: every migration

    def alembic_called(*_: object) -> None:
        raise AssertionError("Alembic ran on a database at head")

    monkeypatch.setattr(migrate, "_upgrade", alembic_called)
    assert not await upgrade_to_head(engine)
    await engine.dispose()


async def test_a_database_behind_the_head_is_migrated(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    await upgrade_to_head(engine)
    # As if the last migration had not run yet (Alembic's env runs its own event loop).
    await asyncio.to_thread(command.downgrade, alembic_config(empty_database_url), "-1")
    async with engine.connect() as connection:
        assert await migrate.applied_revisions(connection) != head_revisions()
    assert await upgrade_to_head(engine)
    async with engine.connect() as connection:
        assert await migrate.applied_revisions(connection) == head_revisions()
    await engine.dispose()


# ------------------------------------------------------------------ the content sync


async def test_the_same_bank_is_synced_once_and_a_changed_one_again(session: AsyncSession) -> None:
    assert await sync_bank(session, bundle("a", "b"), NOW) == SyncReport(created=2)
    assert await sync_bank(session, bundle("a", "b"), NOW) is None
    assert await sync_bank(session, bundle("a", "b", question_text="Другой?"), NOW) == SyncReport(
        updated=2
    )
    assert await sync_bank(session, bundle("a"), NOW) == SyncReport(updated=1, archived=1)
    assert await sync_bank(session, bundle("a"), NOW) is None


async def test_a_migration_or_an_admins_archive_brings_the_sync_back(
    session: AsyncSession,
) -> None:
    await sync_bank(session, bundle("a", "b"), NOW)
    assert await sync_bank(session, bundle("a", "b"), NOW, tables_changed=True) == SyncReport(
        unchanged=2
    )
    await sync_bank(session, bundle("a"), NOW)  # "b" left the files: archived
    await restore_item(session, "b", by=OWNER, now=NOW)
    # Without a mark to say otherwise, the files win again: "b" is not in them.
    assert await sync_bank(session, bundle("a"), NOW) == SyncReport(unchanged=1, archived=1)
    await archive_item(session, "a", by=OWNER, now=NOW)
    assert await sync_bank(session, bundle("a"), NOW) == SyncReport(unchanged=1)


async def test_a_restart_with_the_same_files_skips_the_sync(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    session_factory = create_session_factory(engine)
    files = ContentBundle(TOPICS, [quiz("a"), question("b")])
    await prepare_database(engine, session_factory, files, lambda: NOW)
    # What only a sync would undo: "a" archived as if it had left the files.
    async with session_factory.begin() as session:
        await session.execute(update(Item).where(Item.slug == "a").values(archived_at=NOW))

    await prepare_database(engine, session_factory, files, lambda: NOW)
    assert await archived(session_factory) == ["a"]  # the sync was skipped
    changed = ContentBundle(TOPICS, [quiz("a"), question("b"), quiz("c")])
    await prepare_database(engine, session_factory, changed, lambda: NOW)
    assert await archived(session_factory) == []  # synced: "a" is in the files
    await engine.dispose()


async def archived(session_factory: async_sessionmaker[AsyncSession]) -> list[str]:
    async with session_factory() as session:
        return list(await session.scalars(
            select(Item.slug).where(Item.archived_at.is_not(None)).order_by(Item.slug)
        ))


# ------------------------------------------------------------------ the command menus


async def test_a_restart_sets_only_the_menus_that_changed(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = fake_api.mark()
    await set_bot_commands(aiogram_bot, create_i18n("ru"), session_factory)
    assert len(set_since(fake_api, first)) == 6  # three scopes in two languages

    again = fake_api.mark()
    await set_bot_commands(aiogram_bot, create_i18n("ru"), session_factory)
    assert set_since(fake_api, again) == []

    async with session_factory.begin() as session:  # as if the last start's English had differed
        await session.execute(update(StartupMark).where(
            StartupMark.name.like("menu en %all_group_chats%")).values(fingerprint="older"))
    changed = fake_api.mark()
    await set_bot_commands(aiogram_bot, create_i18n("ru"), session_factory)
    (menu,) = set_since(fake_api, changed)
    assert (menu.params["scope"], menu.params["language_code"]) == (
        {"type": "all_group_chats"}, "en")


async def test_a_menu_telegram_refused_is_set_at_the_next_start(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    fake_api.fail_next("setMyCommands", server_error())
    with pytest.raises(TelegramServerError):
        await set_bot_commands(aiogram_bot, create_i18n("ru"), session_factory)
    again = fake_api.mark()
    await set_bot_commands(aiogram_bot, create_i18n("ru"), session_factory)
    assert len(set_since(fake_api, again)) == 6


def set_since(api: FakeBotAPI, mark: int) -> list[Call]:
    return [call for call in api.calls_of("setMyCommands") if call.index >= mark]
