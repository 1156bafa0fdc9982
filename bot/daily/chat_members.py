"""Asking Telegram who is who in a chat, as plain :class:`Membership` values for the rules."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    ChatMemberAdministrator,
    ChatMemberRestricted,
    Message,
    ResultChatMemberUnion,
)

from bot.daily.chat_access import ANONYMOUS_ADMIN, Membership

#: What Telegram's refusal to show a member list means for us: we cannot see, so we may not.
UNKNOWN = Membership(status=ChatMemberStatus.LEFT)


def membership(member: ResultChatMemberUnion) -> Membership:
    if isinstance(member, ChatMemberAdministrator):
        return Membership(member.status, can_post_messages=member.can_post_messages)
    if isinstance(member, ChatMemberRestricted):
        return Membership(member.status, can_send_messages=member.can_send_messages,
                          can_send_polls=member.can_send_polls)
    return Membership(member.status)


async def fetch_membership(bot: Bot, chat_id: int, user_id: int) -> Membership:
    """The user's membership; a chat the bot cannot look into counts as "not a member"."""
    try:
        return membership(await bot.get_chat_member(chat_id, user_id))
    except (TelegramBadRequest, TelegramForbiddenError):
        return UNKNOWN


async def sender_membership(bot: Bot, message: Message) -> Membership:
    """Who sent ``message`` in its chat; an anonymous admin writes as the group itself."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return ANONYMOUS_ADMIN
    if message.from_user is None or message.sender_chat is not None:
        return UNKNOWN  # a linked channel's post or a chat's message: nobody to trust
    return await fetch_membership(bot, message.chat.id, message.from_user.id)
