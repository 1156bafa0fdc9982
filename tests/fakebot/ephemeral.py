"""Ephemeral messages (Bot API 10.2–10.3): a message in a group that one member alone sees.

``sendMessage`` with ``ephemeral_message_parameters`` (``receiver_user_id``, optionally the
``callback_query_id`` that triggered it and ``replace_callback_query_message``). Telegram's
rules the fake keeps: groups and supergroups only; the receiver must be a member of the chat;
``replace_callback_query_message`` needs the callback query; a forum topic's
``message_thread_id`` is checked as for any send (open, existing) and the message carries it;
the 10.2 top-level
``receiver_user_id`` / ``callback_query_id`` and the 10.3 object are not mixed; login URL
buttons are not supported. The message is not in the chat's history: its ``message_id`` is 0
and it is addressed by ``ephemeral_message_id``; ``api.ephemeral_messages`` keeps them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import ChatState, FakeBotAPI, Params

JSONDict = dict[str, Any]


def is_ephemeral(p: Params) -> bool:
    return p.has("ephemeral_message_parameters") or p.has("receiver_user_id")


def receiver_of(api: FakeBotAPI, chat: ChatState, p: Params) -> JSONDict:
    """The member the ephemeral message is for, after Telegram's checks."""
    from .server import Params, _bad

    parameters = p.get_dict("ephemeral_message_parameters")
    if parameters is not None and (p.has("receiver_user_id") or p.has("callback_query_id")):
        raise _bad("can't use receiver_user_id together with ephemeral_message_parameters")
    source = p if parameters is None else Params(p.method, parameters, {})
    receiver_id = source.get_int("receiver_user_id")
    if receiver_id is None:
        raise _bad("receiver_user_id is empty")
    if chat.type not in ("group", "supergroup"):
        raise _bad("ephemeral messages can be sent only to group chats")
    member = _member(chat, receiver_id)
    if member is None:
        raise _bad("receiver user not found in the chat")
    query_id = source.get_str("callback_query_id")
    if query_id is not None and query_id not in api.callback_queries:
        raise _bad("query is too old and response timeout expired or query ID is invalid")
    if source.get_bool("replace_callback_query_message") and query_id is None:
        raise _bad("replace_callback_query_message requires callback_query_id")
    markup = p.get_dict("reply_markup") or {}
    if any("login_url" in button for row in markup.get("inline_keyboard", [])
           for button in row if isinstance(button, dict)):
        raise _bad("login URL buttons are not supported in ephemeral messages")
    return member


def _member(chat: ChatState, user_id: int) -> JSONDict | None:
    if chat.owner is not None and chat.owner["id"] == user_id:
        return chat.owner
    return chat.admins.get(user_id) or chat.members.get(user_id)


def send(
    api: FakeBotAPI, chat: ChatState, p: Params, markup: JSONDict | None, **content: Any
) -> JSONDict:
    """Validate and "deliver" an ephemeral message; the Message Telegram answers with."""
    receiver = receiver_of(api, chat, p)
    message: JSONDict = {
        "message_id": 0,
        "from": api.bot_user,
        "chat": chat.short(),
        "date": api.now(),
        **api.topic_message_fields(chat, p.get_int("message_thread_id")),
        **{key: value for key, value in content.items() if value is not None},
        "receiver_user": {key: receiver[key] for key in ("id", "is_bot", "first_name")},
        "ephemeral_message_id": len(api.ephemeral_messages) + 1,
    }
    if markup is not None:
        message["reply_markup"] = markup
    api.ephemeral_messages.append(message)
    return message
