"""Who may subscribe a chat, and what the bot needs there to post."""

from __future__ import annotations

import pytest
from aiogram.enums import ChatMemberStatus

from bot.daily.chat_access import (
    ANONYMOUS_ADMIN,
    ChatKind,
    Membership,
    Missing,
    subscription_missing,
)

CREATOR = Membership(ChatMemberStatus.CREATOR)
MEMBER = Membership(ChatMemberStatus.MEMBER)
CHANNEL_ADMIN = Membership(ChatMemberStatus.ADMINISTRATOR, can_post_messages=True)
CHANNEL_EDITOR = Membership(ChatMemberStatus.ADMINISTRATOR, can_post_messages=False)
GROUP_ADMIN = Membership(ChatMemberStatus.ADMINISTRATOR)


@pytest.mark.parametrize("telegram_type", ["group", "supergroup"])
def test_both_kinds_of_group_follow_the_group_rules(telegram_type: str) -> None:
    assert ChatKind.of(telegram_type) is ChatKind.GROUP


def test_a_private_chat_needs_nothing() -> None:
    assert subscription_missing(ChatKind.PRIVATE, MEMBER, MEMBER) == []


def test_a_group_admin_subscribes_a_group_the_bot_is_a_member_of() -> None:
    assert subscription_missing(ChatKind.GROUP, MEMBER, GROUP_ADMIN) == []
    assert subscription_missing(ChatKind.GROUP, MEMBER, CREATOR) == []


def test_an_anonymous_admin_counts_as_an_admin() -> None:
    assert subscription_missing(ChatKind.GROUP, MEMBER, ANONYMOUS_ADMIN) == []


def test_a_plain_member_is_refused() -> None:
    assert subscription_missing(ChatKind.GROUP, MEMBER, MEMBER) == [Missing.REQUESTER_NOT_ADMIN]
    restricted = Membership(ChatMemberStatus.RESTRICTED, can_send_messages=True)
    assert subscription_missing(ChatKind.GROUP, MEMBER, restricted) == [
        Missing.REQUESTER_NOT_ADMIN
    ]


def test_a_muted_bot_cannot_post_in_a_group() -> None:
    muted = Membership(ChatMemberStatus.RESTRICTED, can_send_messages=False, can_send_polls=False)
    no_polls = Membership(ChatMemberStatus.RESTRICTED, can_send_messages=True, can_send_polls=False)
    assert subscription_missing(ChatKind.GROUP, muted, GROUP_ADMIN) == [Missing.BOT_CANNOT_POST]
    assert subscription_missing(ChatKind.GROUP, no_polls, GROUP_ADMIN) == [
        Missing.BOT_CANNOT_SEND_POLLS
    ]


def test_a_channel_needs_the_bot_as_an_admin_that_may_post() -> None:
    assert subscription_missing(ChatKind.CHANNEL, CHANNEL_ADMIN, CREATOR) == []
    assert subscription_missing(ChatKind.CHANNEL, MEMBER, CREATOR) == [Missing.BOT_NOT_ADMIN]
    assert subscription_missing(ChatKind.CHANNEL, CHANNEL_EDITOR, CREATOR) == [
        Missing.BOT_CANNOT_POST
    ]
    assert subscription_missing(ChatKind.CHANNEL, Membership(ChatMemberStatus.LEFT), CREATOR) == [
        Missing.BOT_NOT_IN_CHAT
    ]


def test_every_missing_thing_is_named_at_once() -> None:
    assert subscription_missing(ChatKind.CHANNEL, Membership(ChatMemberStatus.KICKED), MEMBER) == [
        Missing.BOT_NOT_IN_CHAT, Missing.REQUESTER_NOT_ADMIN,
    ]


def test_a_channel_admin_who_may_not_post_cannot_schedule_posts() -> None:
    assert subscription_missing(ChatKind.CHANNEL, CHANNEL_ADMIN, CHANNEL_EDITOR) == [
        Missing.REQUESTER_CANNOT_POST
    ]
    assert subscription_missing(ChatKind.CHANNEL, CHANNEL_ADMIN, CHANNEL_ADMIN) == []
