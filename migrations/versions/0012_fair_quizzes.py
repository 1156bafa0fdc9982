"""fair quizzes: the order a poll's options went out in; a group's fair play and private notes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 08:00:00

Existing subscriptions get the new settings' defaults (on) through the server defaults; polls
sent before have no stored order (NULL: the item's own order, as they were sent).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sent_polls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("option_order", sa.JSON(), nullable=True))
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("fair_play", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("private_feedback", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("private_feedback")
        batch_op.drop_column("fair_play")
    with op.batch_alter_table("sent_polls", schema=None) as batch_op:
        batch_op.drop_column("option_order")
