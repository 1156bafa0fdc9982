"""Migrations are code: every step goes up and down, and together they equal the models.

Alembic's async env calls ``asyncio.run``, so these tests are synchronous on purpose. They run on
the suite's database (SQLite, or PostgreSQL with ``TEST_DATABASE_URL``), starting empty.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.platform.db.item_search import is_search_structure
from bot.platform.db.migrate import alembic_config
from bot.platform.db.models import Base
from tests.conftest import REPO_ROOT
from tests.databases import Database


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


@pytest.fixture
def database(empty_database_url: str) -> Iterator[Database]:
    database = Database(empty_database_url)
    yield database
    database.close()


def test_upgrade_to_head_then_downgrade_to_base_leaves_nothing(database: Database) -> None:
    config = alembic_config(database.url)
    command.upgrade(config, "head")
    assert {"users", "chats", "items", "item_versions", "sent_polls", "attempts",
            "self_grades"} <= database.tables()
    command.downgrade(config, "base")
    assert database.tables() <= {"alembic_version"}


@pytest.mark.parametrize("revision", _revisions())
def test_stairway_each_step_goes_down_and_up_again(database: Database, revision: str) -> None:
    config = alembic_config(database.url)
    command.upgrade(config, revision)
    command.downgrade(config, "-1")
    command.upgrade(config, revision)


def test_models_match_migrations(database: Database) -> None:
    command.upgrade(alembic_config(database.url), "head")
    with database.engine.connect() as connection:
        # The full-text search has no model: an FTS5 table with its shadow tables on SQLite, a
        # tsvector table on PostgreSQL (bot/platform/db/item_search.py), made by migration 0011.
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parent: not (
                type_ == "table" and is_search_structure(name)),
        })
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_no_revision_imports_the_bot() -> None:
    """A revision is history: built from the live models, a change to them would change what an
    old revision creates. Revisions spell their types out (``sa.DateTime(timezone=True)`` for
    the models' ``UtcDateTime``: the same column)."""
    importing = []
    for path in sorted((REPO_ROOT / "migrations" / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            importing += [path.name for name in names if name.split(".")[0] == "bot"]
    assert importing == []
