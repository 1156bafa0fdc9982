"""full-text search over items: FTS5 on SQLite, a weighted tsvector on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:30:00

The structures are the database's own (see bot/platform/db/item_search.py), so they are made
by SQL here and have no model. The items already stored are indexed with a frozen copy of how
the bot reads an item's texts.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _weighted(parameter: str, weight: str) -> str:
    return (
        f"setweight(to_tsvector('russian', :{parameter}), '{weight}') || "
        f"setweight(to_tsvector('english', :{parameter}), '{weight}')"
    )


def _texts(item_id: int, document: dict[str, Any]) -> dict[str, Any]:
    def joined(*names: str) -> str:
        parts: list[str] = []
        for name in names:
            value = document.get(name)
            if isinstance(value, str):
                parts.append(value)
            elif isinstance(value, list):
                parts.extend(str(entry) for entry in value)
        return " ".join(parts).casefold().replace("ё", "е")

    return {
        "id": item_id,
        "question": joined("title", "question"),
        "options": joined("options", "key_points"),
        "explanation": joined(
            "details", "poll_explanation", "explanation", "answer", "solution", "body", "tags"
        ),
    }


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE item_search (item_id INTEGER NOT NULL, document TSVECTOR NOT NULL,"
            " CONSTRAINT pk_item_search PRIMARY KEY (item_id),"
            " CONSTRAINT fk_item_search_item_id_items FOREIGN KEY (item_id)"
            " REFERENCES items (id))"
        )
        op.execute("CREATE INDEX ix_item_search_document ON item_search USING gin (document)")
        insert = sa.text(
            "INSERT INTO item_search (item_id, document) VALUES (:id, "
            f"{_weighted('question', 'A')} || {_weighted('options', 'B')} || "
            f"{_weighted('explanation', 'C')})"
        )
    else:
        op.execute("CREATE VIRTUAL TABLE item_search USING fts5(question, options, explanation)")
        insert = sa.text(
            "INSERT INTO item_search (rowid, question, options, explanation) "
            "VALUES (:id, :question, :options, :explanation)"
        )
    items = sa.table("items", sa.column("id", sa.Integer), sa.column("document", sa.JSON))
    rows = [
        _texts(item_id, document)
        for item_id, document in bind.execute(sa.select(items.c.id, items.c.document))
    ]
    if rows:
        bind.execute(insert, rows)


def downgrade() -> None:
    op.execute("DROP TABLE item_search")
