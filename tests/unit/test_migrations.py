"""Migrations are code: every step goes up and down, and together they equal the models.

Alembic's async env calls ``asyncio.run``, so these tests are synchronous on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from bot.db.migrate import alembic_config
from bot.db.models import Base


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "migrations.db"


def test_upgrade_to_head_then_downgrade_to_base_leaves_nothing(sqlite_file: Path) -> None:
    config = alembic_config(f"sqlite+aiosqlite:///{sqlite_file}")
    command.upgrade(config, "head")
    tables = set(inspect(create_engine(f"sqlite:///{sqlite_file}")).get_table_names())
    assert {"users", "chats", "items", "item_versions", "sent_polls", "attempts",
            "self_grades"} <= tables
    command.downgrade(config, "base")
    assert set(inspect(create_engine(f"sqlite:///{sqlite_file}")).get_table_names()) <= {
        "alembic_version"
    }


@pytest.mark.parametrize("revision", _revisions())
def test_stairway_each_step_goes_down_and_up_again(sqlite_file: Path, revision: str) -> None:
    config = alembic_config(f"sqlite+aiosqlite:///{sqlite_file}")
    command.upgrade(config, revision)
    command.downgrade(config, "-1")
    command.upgrade(config, revision)


def test_models_match_migrations(sqlite_file: Path) -> None:
    command.upgrade(alembic_config(f"sqlite+aiosqlite:///{sqlite_file}"), "head")
    with create_engine(f"sqlite:///{sqlite_file}").connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
