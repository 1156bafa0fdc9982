"""spaced repetition and learner settings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "learner_settings",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("new_cards_per_day", sa.Integer(), server_default=sa.text("10"), nullable=False),
        sa.Column("reminder_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reminder_time", sa.Time(), nullable=True),
        sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_learner_settings")),
    )
    with op.batch_alter_table("learner_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learner_settings_next_reminder_at"), ["next_reminder_at"], unique=False
        )
    op.create_table(
        "user_topics",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("topic_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_user_topics_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("user_id", "topic_id", name=op.f("pk_user_topics")),
    )
    op.create_table(
        "cards",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.SmallInteger(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_rating", sa.SmallInteger(), nullable=True),
        sa.Column("reps", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("lapses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("introduced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_cards_item_id_items")),
        sa.PrimaryKeyConstraint("user_id", "item_id", name=op.f("pk_cards")),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index("ix_cards_user_due", ["user_id", "due"], unique=False)
        batch_op.create_index(
            "ix_cards_user_introduced", ["user_id", "introduced_at"], unique=False
        )

    op.create_table(
        "drill_sessions",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("topic_id", sa.String(length=32), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("served", sa.Integer(), nullable=False),
        sa.Column("current_item_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["current_item_id"],
            ["items.id"],
            name=op.f("fk_drill_sessions_current_item_id_items"),
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_drill_sessions_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_drill_sessions")),
    )
    op.create_table(
        "interviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("difficulty", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.create_index("ix_interviews_user_status", ["user_id", "status"], unique=False)

    op.create_table(
        "interview_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("poll_id", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["interview_id"],
            ["interviews.id"],
            name=op.f("fk_interview_items_interview_id_interviews"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_interview_items_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["sent_polls.poll_id"], name=op.f("fk_interview_items_poll_id_sent_polls")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_interview_items_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_items")),
        sa.UniqueConstraint(
            "interview_id", "position", name=op.f("uq_interview_items_interview_id_position")
        ),
        sa.UniqueConstraint("poll_id", name=op.f("uq_interview_items_poll_id")),
    )


def downgrade() -> None:
    op.drop_table("interview_items")
    with op.batch_alter_table("interviews", schema=None) as batch_op:
        batch_op.drop_index("ix_interviews_user_status")

    op.drop_table("interviews")
    op.drop_table("drill_sessions")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index("ix_cards_user_introduced")
        batch_op.drop_index("ix_cards_user_due")

    op.drop_table("cards")
    op.drop_table("user_topics")
    with op.batch_alter_table("learner_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learner_settings_next_reminder_at"))

    op.drop_table("learner_settings")
