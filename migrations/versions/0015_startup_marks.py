"""what a start last did: the content bank's fingerprint, the command menus set

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "startup_marks",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_startup_marks")),
    )


def downgrade() -> None:
    op.drop_table("startup_marks")
