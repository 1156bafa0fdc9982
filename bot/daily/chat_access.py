"""Who may subscribe a chat, and what the bot needs there to post: pure rules.

The Telegram side turns ``ChatMember`` objects into :class:`Membership` values; these rules
answer with everything that is missing, so the requester can fix it all in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aiogram.enums import ChatMemberStatus, ChatType

ADMIN_STATUSES = frozenset({ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR})
ABSENT_STATUSES = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.KICKED})


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    CHANNEL = "channel"

    @classmethod
    def of(cls, telegram_type: str) -> ChatKind:
        """Telegram's chat type (a :class:`ChatType` value)."""
        if telegram_type in (ChatType.GROUP, ChatType.SUPERGROUP):
            return cls.GROUP
        return cls(telegram_type)


@dataclass(frozen=True)
class Membership:
    """What a ``ChatMember`` says about posting; a right not given by Telegram is ``None``."""

    status: ChatMemberStatus
    can_post_messages: bool | None = None
    can_send_messages: bool | None = None
    can_send_polls: bool | None = None

    @property
    def is_admin(self) -> bool:
        return self.status in ADMIN_STATUSES


#: Who sent a message on behalf of the group itself: only its admins can.
ANONYMOUS_ADMIN = Membership(status=ChatMemberStatus.ADMINISTRATOR)


class Missing(StrEnum):
    """One thing that stands between a chat and its daily question."""

    BOT_NOT_IN_CHAT = "bot-not-in-chat"
    BOT_NOT_ADMIN = "bot-not-admin"
    BOT_CANNOT_POST = "bot-cannot-post"
    BOT_CANNOT_SEND_POLLS = "bot-cannot-send-polls"
    REQUESTER_NOT_ADMIN = "requester-not-admin"
    REQUESTER_CANNOT_POST = "requester-cannot-post"


def bot_missing(kind: ChatKind, bot: Membership) -> list[Missing]:
    """What the bot lacks to post the daily question in the chat."""
    if kind is ChatKind.PRIVATE:
        return []
    if kind is ChatKind.CHANNEL:
        # A channel takes posts from its administrators only.
        if bot.status in ABSENT_STATUSES:
            return [Missing.BOT_NOT_IN_CHAT]
        if not bot.is_admin:
            return [Missing.BOT_NOT_ADMIN]
        if bot.status == ChatMemberStatus.ADMINISTRATOR and not bot.can_post_messages:
            return [Missing.BOT_CANNOT_POST]
        return []
    if bot.status in ABSENT_STATUSES:
        return [Missing.BOT_NOT_IN_CHAT]
    if bot.status == ChatMemberStatus.RESTRICTED:
        if bot.can_send_messages is False:
            return [Missing.BOT_CANNOT_POST]
        if bot.can_send_polls is False:
            return [Missing.BOT_CANNOT_SEND_POLLS]
    return []


def requester_missing(kind: ChatKind, requester: Membership) -> list[Missing]:
    """What the person asking lacks to manage the chat's subscription."""
    if kind is ChatKind.PRIVATE:
        return []
    if not requester.is_admin:
        return [Missing.REQUESTER_NOT_ADMIN]
    if (kind is ChatKind.CHANNEL and requester.status == ChatMemberStatus.ADMINISTRATOR
            and not requester.can_post_messages):
        return [Missing.REQUESTER_CANNOT_POST]
    return []


def subscription_missing(
    kind: ChatKind, bot: Membership, requester: Membership
) -> list[Missing]:
    """Everything missing before ``requester`` can subscribe the chat; empty when all is set."""
    return bot_missing(kind, bot) + requester_missing(kind, requester)
