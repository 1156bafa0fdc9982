"""The real ``python -m bot`` against the fake Bot API, with a small fixed content bank."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.fakebot import BotProcess

E2E_CONTENT = Path(__file__).resolve().parent / "content"

StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "e2e.db"


@pytest.fixture
def bot_settings(database_file: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite+aiosqlite:///{database_file}",
        "CONTENT_DIR": str(E2E_CONTENT),
        "LOG_LEVEL": "DEBUG",
    }


def query(database_file: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Read the bot's database as an outsider would: no ORM, no shared session."""
    with sqlite3.connect(database_file) as connection:
        return connection.execute(sql, args).fetchall()
