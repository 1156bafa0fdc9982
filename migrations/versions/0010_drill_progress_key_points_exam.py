"""self-grades keep the ticked key points and the card before them; interview dates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("self_grades") as batch:
        batch.add_column(sa.Column("covered_points", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("card_before", sa.JSON(), nullable=True))
    op.create_table(
        "exam_plans",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("exam_on", sa.Date(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=True),
        sa.Column("topic_ids", sa.JSON(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_exam_plans")),
    )


def downgrade() -> None:
    op.drop_table("exam_plans")
    with op.batch_alter_table("self_grades") as batch:
        batch.drop_column("card_before")
        batch.drop_column("covered_points")
