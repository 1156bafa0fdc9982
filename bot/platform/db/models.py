"""The schema, as typed SQLAlchemy models. Migrations in ``migrations/`` must match it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    MetaData,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    false,
    func,
    text,
    true,
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


def stored_as_string(values: type[StrEnum], length: int) -> Enum:
    """A column holding ``values`` as the plain VARCHAR(``length``) of their values: no native
    enum type and no CHECK constraint, so a new value needs no migration. Reads come back as
    members; writing anything else is an error."""
    return Enum(values, native_enum=False, create_constraint=False, length=length,
                validate_strings=True,
                values_callable=lambda members: [member.value for member in members])


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


class ItemSource(StrEnum):
    """Where an item's current version came from."""

    FILE = "file"  # content/: the content sync follows the file
    ADMIN = "admin"  # written or edited in the bot: the content sync leaves it alone
    IMPORT = "import"  # an admin's /import: the content sync leaves it alone


class Item(Base):
    """The current version of a content item; ``document`` is the validated content JSON."""

    __tablename__ = "items"
    # Difficulty last: counting a level's items (an interview's plan) reads the index alone.
    __table_args__ = (
        Index("ix_items_kind_topic_active_level", "kind", "topic_id", "archived_at", "difficulty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(48), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"))
    difficulty: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    document: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(default=1)
    source: Mapped[ItemSource] = mapped_column(stored_as_string(ItemSource, 16),
                                               default=ItemSource.FILE)
    source_file: Mapped[str | None] = mapped_column(String(255))
    archived_at: Mapped[datetime | None]
    # Who archived it; None when the content sync did (the item left content/), so only
    # those come back by themselves when the file returns.
    archived_by: Mapped[int | None] = mapped_column(BigInteger)
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
    # The item's own indexes (not the poll's positions) of the correct options.
    correct_option_ids: Mapped[list[int]]
    # The order the options went out in: position i of the poll showed the item's option
    # order[i] (bot.study.shuffling). NULL: the item's own order (a poll sent before orders).
    option_order: Mapped[list[int] | None]
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
    # Indexes of the item's key points the learner ticked; NULL when it was graded without them.
    # none_as_null: a grade without key points is SQL NULL, not JSON "null".
    covered_points: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    # The card's schedule before this grade (``srs.CardState`` columns, ISO datetimes), so
    # "Undo" restores it exactly; NULL when the grade introduced the card.
    card_before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class ItemView(Base):
    """An open question or task shown to a learner: what "seen" means for them."""

    __tablename__ = "item_views"
    __table_args__ = (
        Index("ix_item_views_user_item", "user_id", "item_id"),
        # "The card just seen" is a learner's latest view.
        Index("ix_item_views_user_shown", "user_id", "shown_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    shown_at: Mapped[datetime]


class AdminRole(Base):
    """An editor, granted by an owner. Owners are ``ADMIN_IDS`` and are never stored."""

    __tablename__ = "admin_roles"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime]


class AdminActionKind(StrEnum):
    GRANT_EDITOR = "grant-editor"
    REVOKE_EDITOR = "revoke-editor"
    ARCHIVE = "archive"
    RESTORE = "restore"
    IMPORT = "import"
    ADD = "add"  # an item written with /add (or a quiz import)
    EDIT = "edit"  # an item changed with /edit
    POST_NOW = "post-now"  # a chat's next question posted now (/post, /chats)
    PAUSE_CHAT = "pause-chat"
    RESUME_CHAT = "resume-chat"


class AdminAction(Base):
    """Who changed what, when: role grants and revocations, items written, edited, archived,
    imported; chats posted to, paused and resumed by an admin (the target is the chat id)."""

    __tablename__ = "admin_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[AdminActionKind] = mapped_column(stored_as_string(AdminActionKind, 16))
    target: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class DialogState(Base):
    """Where a user is in a dialog (aiogram FSM), so a half-written item survives a restart.

    Keyed like aiogram's ``StorageKey``; a primary key cannot hold NULL, so a missing thread is
    stored as 0 and a missing business connection as "".
    """

    __tablename__ = "dialog_states"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    thread_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    business_connection_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    destiny: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LearnerSettings(Base):
    """A learner's own choices; a missing row or a NULL column means "the default"."""

    __tablename__ = "learner_settings"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Interface language chosen with /language; NULL follows the Telegram language_code.
    language: Mapped[str | None] = mapped_column(String(8))
    # IANA name; NULL means the DEFAULT_TIMEZONE setting.
    timezone: Mapped[str | None] = mapped_column(String(64))
    new_cards_per_day: Mapped[int] = mapped_column(server_default=text("10"))
    reminder_enabled: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Local wall-clock time in ``timezone``.
    reminder_time: Mapped[time | None] = mapped_column(Time)
    # The next reminder as a UTC instant (NULL: none); the reminder loop claims a reminder by
    # moving this on with an UPDATE that matches the old value, so no restart sends one twice.
    next_reminder_at: Mapped[datetime | None] = mapped_column(index=True)
    # Without a reminder time: remind once, about a day after the last practice (/remind off
    # turns this off too).
    auto_reminder: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # A Difficulty value the drill keeps to; NULL means every level.
    level: Mapped[str | None] = mapped_column(String(16))


class ExamPlan(Base):
    """A learner's interview date (/exam), and what it covers: until then the drill paces new
    cards to it and pulls reviews forward; after it the bot asks once how it went."""

    __tablename__ = "exam_plans"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    exam_on: Mapped[date]
    # A Difficulty value: items up to that level; NULL means every level.
    level: Mapped[str | None] = mapped_column(String(16))
    topic_ids: Mapped[list[str]]  # empty means the learner's drill topics
    set_at: Mapped[datetime]
    # When the "how did it go?" question went out, and the answer (an ExamOutcome value).
    asked_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))


class UserTopic(Base):
    """A topic a learner chose to drill; no rows at all means every topic."""

    __tablename__ = "user_topics"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"), primary_key=True)


class ReviewCard(Base):
    """One learner's FSRS memory state of one item.

    The row appears when the item is first shown (``introduced_at``, what the daily new-card cap
    counts); ``reps`` stays 0 until the first rating. ``state``/``step``/``stability``/
    ``difficulty``/``due``/``last_review`` mirror ``fsrs.Card``; ``state`` holds
    ``fsrs.State`` values (1 learning, 2 review, 3 relearning) and ``last_rating`` holds
    ``fsrs.Rating`` values (1 again … 4 easy).
    """

    __tablename__ = "cards"
    __table_args__ = (
        Index("ix_cards_user_due", "user_id", "due"),
        Index("ix_cards_user_introduced", "user_id", "introduced_at"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    state: Mapped[int] = mapped_column(SmallInteger)
    step: Mapped[int | None]
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime]
    last_review: Mapped[datetime | None]
    last_rating: Mapped[int | None] = mapped_column(SmallInteger)
    reps: Mapped[int] = mapped_column(server_default=text("0"))
    lapses: Mapped[int] = mapped_column(server_default=text("0"))
    introduced_at: Mapped[datetime]


class DrillSession(Base):
    """A learner's /drill in progress (one at a time): how far it got and what it drills."""

    __tablename__ = "drill_sessions"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Set by a "drill this topic" link; NULL drills the learner's selected topics.
    topic_id: Mapped[str | None] = mapped_column(ForeignKey("topics.id"))
    size: Mapped[int]
    served: Mapped[int]
    # The card on screen: answering it continues this drill rather than a /quiz.
    current_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    started_at: Mapped[datetime]


class InterviewStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"  # every item settled
    ABANDONED = "abandoned"  # the learner started a new one


class InterviewOutcome(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"
    MISSED = "missed"  # not answered within the time limit


class Interview(Base):
    """A mock interview: a fixed list of items, served one at a time under a time limit."""

    __tablename__ = "interviews"
    __table_args__ = (Index("ix_interviews_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # A Difficulty value; NULL means any difficulty.
    difficulty: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[InterviewStatus] = mapped_column(stored_as_string(InterviewStatus, 16))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class InterviewItem(Base):
    """One item of an interview and how it went.

    ``deadline_at`` is set when the item is sent; ``outcome`` is set once, by an UPDATE that
    requires it to be NULL, so a redelivered update or a late timer cannot settle an item twice.
    """

    __tablename__ = "interview_items"
    __table_args__ = (UniqueConstraint("interview_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id"))
    position: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    # The topic when the interview was made: a content edit later must not move the result.
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id"))
    kind: Mapped[str] = mapped_column(String(16))
    poll_id: Mapped[str | None] = mapped_column(ForeignKey("sent_polls.poll_id"), unique=True)
    sent_at: Mapped[datetime | None]
    deadline_at: Mapped[datetime | None]
    revealed_at: Mapped[datetime | None]
    outcome: Mapped[InterviewOutcome | None] = mapped_column(
        stored_as_string(InterviewOutcome, 8))
    settled_at: Mapped[datetime | None]


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # the bot cannot post there (it was removed, blocked, refused)
    STOPPED = "stopped"  # unsubscribed: the row stays for the chat's posting history


class Subscription(Base):
    """A chat's daily post: when (local times, zone, weekdays), what (topics, kinds), how.

    One per chat, or per forum topic of a forum supergroup; /unsubscribe stops it rather than
    deleting it, so the chat's posting history (its deliveries) survives a re-subscription.
    ``next_run_at`` is the UTC instant of the next slot, NULL while the subscription is not
    active.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("chat_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("chats.id"))
    # The forum topic (message_thread_id) posts go to; 0 for the chat itself (a key column:
    # NULLs would not collide in the unique key).
    thread_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    # The topic's name when the bot saw it (a topic message replies to the message that
    # created the topic); NULL for the chat itself, or a name never seen. A rename is not seen.
    topic_name: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[SubscriptionStatus] = mapped_column(stored_as_string(SubscriptionStatus, 16),
                                                       default=SubscriptionStatus.ACTIVE)
    pause_reason: Mapped[str | None] = mapped_column(String(255))
    paused_at: Mapped[datetime | None]
    times: Mapped[list[str]]  # local times of day, "HH:MM", sorted
    timezone: Mapped[str] = mapped_column(String(64))
    weekdays: Mapped[list[int]]  # Monday is 0
    topics: Mapped[list[str]]  # topic ids; empty means every topic
    kinds: Mapped[list[str]]
    anonymous_polls: Mapped[bool] = mapped_column(Boolean, default=False)
    reveal_after_minutes: Mapped[int] = mapped_column(default=240)
    # Quizzes in groups: results hidden until the reveal closes the poll, no changed votes.
    fair_play: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # Quizzes in groups: a member who answers gets a note only they see (right or wrong, streak).
    private_feedback: Mapped[bool] = mapped_column(Boolean, server_default=true())
    # Items are not repeated within a cycle; a new cycle starts when every matching item was
    # posted in this chat.
    cycle: Mapped[int] = mapped_column(default=1)
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class DeliveryStatus(StrEnum):
    CLAIMED = "claimed"
    LEASED = "leased"
    SENDING = "sending"
    SENT = "sent"
    REVEALING = "revealing"
    REVEALED = "revealed"
    SKIPPED = "skipped"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the request went out and no answer came back: never sent again


class Delivery(Base):
    """One scheduled post of one subscription: written before the send, completed after.

    Status (:class:`DeliveryStatus`): ``claimed`` (chosen, not yet sent) →
    ``leased`` (a replica took it) → ``sending`` (committed just before its Bot API call) →
    ``sent`` → ``revealing`` → ``revealed``; or ``skipped`` / ``failed`` / ``unknown`` (the
    request went out and no answer came back). A send Telegram did not take goes back to
    ``claimed`` until ``next_attempt_at``. ``leased_by`` names the replica process that owns a
    ``leased``, ``sending`` or ``revealing`` row until ``lease_until``; after that any replica
    takes it over.
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
    status: Mapped[DeliveryStatus] = mapped_column(stored_as_string(DeliveryStatus, 16))
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    poll_id: Mapped[str | None] = mapped_column(String(64))
    reveal_due_at: Mapped[datetime | None] = mapped_column(index=True)
    revealed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    leased_by: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None]
    # Sends Telegram did not take (5xx, 429, no connection), and when to try again.
    failed_attempts: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    # Of a post split into several messages: those already in the chat, not sent again.
    parts_sent: Mapped[int] = mapped_column(server_default=text("0"))


class ChatQuizReveal(Base):
    """The answer due under a one-off group /quiz (the poll's chat, message and item are its
    ``sent_polls`` row's): posted by the daily loop at ``reveal_due_at`` (NULL once taken), so a
    restart in between loses nothing."""

    __tablename__ = "chat_quiz_reveals"

    poll_id: Mapped[str] = mapped_column(ForeignKey("sent_polls.poll_id"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))  # 0: no topic
    reveal_due_at: Mapped[datetime | None] = mapped_column(index=True)
    revealed_at: Mapped[datetime | None]


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


class KeptUpdate(Base):
    """An update a stop cut off after Telegram saw it confirmed: handled at the next start."""

    __tablename__ = "kept_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    kept_at: Mapped[datetime]


class HandledUpdate(Base):
    """An update whose transaction committed: Telegram may deliver it again (after a timeout
    or a crash) for as long as it keeps updates, and a repeat must not act twice."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(index=True)


class HealthCheck(Base):
    """The write /healthz makes to prove the database accepts writes: one row, rewritten."""

    __tablename__ = "health_checks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    checked_at: Mapped[datetime]


class StartupMark(Base):
    """What a start last brought about, by name, so the next one skips it when nothing changed:
    the content bank's fingerprint at its last sync, the hash of each command menu set
    (``bot/platform/db/startup_marks.py``)."""

    __tablename__ = "startup_marks"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
