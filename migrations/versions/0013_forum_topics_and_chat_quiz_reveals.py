"""forum topics: a subscription per (chat, topic); reveals of one-off group quizzes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("thread_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.drop_constraint("uq_subscriptions_chat_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_subscriptions_chat_id_thread_id"), ["chat_id", "thread_id"]
        )
    op.create_table(
        "chat_quiz_reveals",
        sa.Column("poll_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("reveal_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["poll_id"],
            ["sent_polls.poll_id"],
            name=op.f("fk_chat_quiz_reveals_poll_id_sent_polls"),
        ),
        sa.PrimaryKeyConstraint("poll_id", name=op.f("pk_chat_quiz_reveals")),
    )
    with op.batch_alter_table("chat_quiz_reveals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chat_quiz_reveals_reveal_due_at"), ["reveal_due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_quiz_reveals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chat_quiz_reveals_reveal_due_at"))
    op.drop_table("chat_quiz_reveals")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_subscriptions_chat_id_thread_id", type_="unique")
        batch_op.create_unique_constraint("uq_subscriptions_chat_id", ["chat_id"])
        batch_op.drop_column("thread_id")
