"""the items' kind/topic/active index covers the level too

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_items_kind_topic_active_level",
        "items",
        ["kind", "topic_id", "archived_at", "difficulty"],
        unique=False,
    )
    op.drop_index("ix_items_kind_topic_active", table_name="items")


def downgrade() -> None:
    op.create_index(
        "ix_items_kind_topic_active", "items", ["kind", "topic_id", "archived_at"], unique=False
    )
    op.drop_index("ix_items_kind_topic_active_level", table_name="items")
