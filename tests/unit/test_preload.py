"""The forked preload: on a first start on SQLite it builds the database beside the start-up,
and the bot finds it as at a restart once it has moved it into place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.platform.content.preload import ContentPreload
from bot.platform.content.sync import sync_bank
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.migrate import upgrade_to_head
from bot.platform.db.models import Item

E2E_CONTENT = Path(__file__).resolve().parents[1] / "e2e" / "content"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def test_a_new_sqlite_database_is_built_beside_the_start_and_found_at_head(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
    preload = ContentPreload(E2E_CONTENT, url)
    bank = await preload.bundle()
    assert not (folder / "bot.db").exists()  # not before the bot may write (its token is good)

    preload.adopt_database()
    assert names(folder) == ["bot.db"]
    engine = create_engine(url)
    try:
        assert not await upgrade_to_head(engine)  # every migration done
        async with create_session_factory(engine)() as session:
            assert await sync_bank(session, bank, NOW) is None  # this bank loaded
            assert await session.scalar(select(func.count()).select_from(Item)) == len(bank.items)
    finally:
        await engine.dispose()


async def test_an_existing_database_is_left_to_the_bot(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    database.write_bytes(b"")
    preload = ContentPreload(E2E_CONTENT, f"sqlite+aiosqlite:///{database}")
    await preload.bundle()
    preload.adopt_database()
    assert names(tmp_path) == ["bot.db"]
    assert database.read_bytes() == b""


def names(folder: Path) -> list[str]:
    """What the folder holds: no file built beside the database is left over."""
    return sorted(path.name for path in folder.iterdir())
