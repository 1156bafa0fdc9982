"""The schema, as typed SQLAlchemy models. Migrations in ``migrations/`` must match it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON(),
        list[int]: JSON(),
        list[str]: JSON(),
    }


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Set when the user blocks the bot, cleared when they come back.
    blocked_at: Mapped[datetime | None]


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # A group that became a supergroup lives on under this id.
    migrated_to: Mapped[int | None] = mapped_column(BigInteger)


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hashtag: Mapped[str] = mapped_column(String(32))
    title_ru: Mapped[str] = mapped_column(String(1000))
    title_en: Mapped[str] = mapped_column(String(1000))


class Item(Base):
    """The current version of a content item; ``document`` is the validated content JSON."""

    __tablename__ = "items"
    __table_args__ = (Index("ix_items_kind_topic_active", "kind", "topic_id", "archived_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"))
    difficulty: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    document: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    # "file" items follow content/; "admin" items are edited in the bot and never archived by it.
    source: Mapped[str] = mapped_column(String(16), default="file")
    source_file: Mapped[str | None] = mapped_column(String(255))
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ItemVersion(Base):
    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    version: Mapped[int]
    document: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    changed_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SentPoll(Base):
    """A poll the bot sent: answers arrive with nothing but the poll id."""

    __tablename__ = "sent_polls"

    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    correct_option_ids: Mapped[list[int]]
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Attempt(Base):
    """One answer of one user to one poll; a redelivered update hits the unique key."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("poll_id", "user_id"),
        Index("ix_attempts_user_item", "user_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    poll_id: Mapped[str] = mapped_column(ForeignKey("sent_polls.poll_id"))
    chosen_option_ids: Mapped[list[int]]
    is_correct: Mapped[bool]
    answered_at: Mapped[datetime]


class SelfGrade(Base):
    """A learner's own grade of an open question or task, one per revealed answer message."""

    __tablename__ = "self_grades"
    __table_args__ = (
        UniqueConstraint("user_id", "chat_id", "message_id"),
        Index("ix_self_grades_user_item", "user_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    grade: Mapped[str] = mapped_column(String(8))
    graded_at: Mapped[datetime]


class ItemView(Base):
    """An open question or task shown to a learner: what "seen" means for them."""

    __tablename__ = "item_views"
    __table_args__ = (Index("ix_item_views_user_item", "user_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    shown_at: Mapped[datetime]


class Subscription(Base):
    """A chat's daily post: when (local times, zone, weekdays), what (topics, kinds), how.

    One per chat; /unsubscribe stops it rather than deleting it, so the chat's posting history
    (its deliveries) survives a re-subscription. ``next_run_at`` is the UTC instant of the next
    slot, NULL while the subscription is not active.
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    pause_reason: Mapped[str | None] = mapped_column(String(255))
    paused_at: Mapped[datetime | None]
    times: Mapped[list[str]]  # local times of day, "HH:MM", sorted
    timezone: Mapped[str] = mapped_column(String(64))
    weekdays: Mapped[list[int]]  # Monday is 0
    topics: Mapped[list[str]]  # topic ids; empty means every topic
    kinds: Mapped[list[str]]
    anonymous_polls: Mapped[bool] = mapped_column(Boolean, default=False)
    reveal_after_minutes: Mapped[int] = mapped_column(default=240)
    # Items are not repeated within a cycle; a new cycle starts when every matching item was
    # posted in this chat.
    cycle: Mapped[int] = mapped_column(default=1)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Delivery(Base):
    """One scheduled post of one subscription: written before the send, completed after.

    Status: ``claimed`` (chosen, not yet sent) → ``sending`` (committed just before the Bot API
    call) → ``sent`` → ``revealing`` → ``revealed``; or ``skipped`` / ``failed``.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "slot_at"),
        Index("ix_deliveries_subscription_cycle", "subscription_id", "cycle"),
        Index("ix_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    slot_at: Mapped[datetime]
    chat_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    cycle: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    poll_id: Mapped[str | None] = mapped_column(String(64))
    reveal_due_at: Mapped[datetime | None] = mapped_column(index=True)
    revealed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))


class ItemPin(Base):
    """An admin's choice of the item a subscription posts on a local date."""

    __tablename__ = "item_pins"
    __table_args__ = (UniqueConstraint("subscription_id", "local_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id"))
    local_date: Mapped[date]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
