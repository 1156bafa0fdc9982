"""Builders of realistic updates that the test pushes to the bot through the fake server.

Each builder takes the FakeBotAPI first, queues the update for getUpdates and returns it (the
update dict, with its ``update_id``). They are also methods of FakeBotAPI:
``api.send_text(user, "/start")`` is ``send_text(api, user, "/start")``.

Telegram's rules the builders follow:
- private chats by default; in groups with privacy mode (the default) only commands, replies to
  the bot and service messages reach the bot (others land in ``api.dropped_updates``);
- a ``/command`` gets a ``bot_command`` entity;
- ``poll_answer`` only for non-anonymous polls the bot sent; anonymous polls give ``poll``
  updates with the new counts;
- ``correct_option_ids`` of a quiz is visible to the bot only if the quiz is closed or was sent
  (not forwarded) to the bot's private chat.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import ChatState, FakeBotAPI, PollState

__all__ = [
    "ADMIN_RIGHTS",
    "GROUP_ANONYMOUS_BOT",
    "answer_poll",
    "chat_member_update",
    "click",
    "close_poll",
    "expire_polls",
    "forward_text",
    "make_chat_member",
    "make_user",
    "migrate_group",
    "send_document",
    "send_text",
    "send_user_poll",
]

JSONDict = dict[str, Any]
UserRef = Mapping[str, Any] | int
ChatRef = int | Mapping[str, Any] | None

GROUP_ANONYMOUS_BOT: JSONDict = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

#: Required boolean rights of ChatMemberAdministrator / ChatAdministratorRights.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)
_RESTRICTED_FLAGS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def make_user(
    id: int,
    first_name: str = "Test",
    language_code: str | None = "ru",
    *,
    last_name: str | None = None,
    username: str | None = None,
    is_bot: bool = False,
    is_premium: bool | None = None,
) -> JSONDict:
    """A ``User`` dict (for builders and ``api.add_user``)."""
    if id <= 0:
        raise ValueError("user ids are positive")
    user: JSONDict = {"id": id, "is_bot": is_bot, "first_name": first_name}
    if last_name is not None:
        user["last_name"] = last_name
    if username is not None:
        user["username"] = username
    if language_code is not None:
        user["language_code"] = language_code
    if is_premium is not None:
        user["is_premium"] = is_premium
    return user


def make_chat_member(
    user: Mapping[str, Any], status: str, chat_type: str = "supergroup"
) -> JSONDict:
    """A ``ChatMember`` dict of the given status, with every field aiogram requires."""
    who = {
        key: user[key]
        for key in ("id", "is_bot", "first_name", "last_name", "username")
        if user.get(key) is not None
    }
    if status == "creator":
        return {"status": "creator", "user": who, "is_anonymous": False}
    if status == "administrator":
        member: JSONDict = {
            "status": "administrator",
            "user": who,
            "can_be_edited": False,
            "is_anonymous": False,
        }
        member.update(dict.fromkeys(ADMIN_RIGHTS, True))
        member["can_promote_members"] = False
        member["can_send_welcome_messages"] = False
        if chat_type == "channel":
            member["can_post_messages"] = True
            member["can_edit_messages"] = True
        else:
            member["can_pin_messages"] = True
        if chat_type == "supergroup":
            member["can_manage_topics"] = False
        return member
    if status == "member":
        return {"status": "member", "user": who}
    if status == "restricted":
        restricted: JSONDict = {"status": "restricted", "user": who, "is_member": True}
        restricted.update(dict.fromkeys(_RESTRICTED_FLAGS, False))
        restricted["until_date"] = 0
        return restricted
    if status == "left":
        return {"status": "left", "user": who}
    if status == "kicked":
        return {"status": "kicked", "user": who, "until_date": 0}
    raise ValueError(f"unknown chat member status {status!r}")


# --------------------------------------------------------------------------------------------
# helpers


def _user(api: FakeBotAPI, user: UserRef) -> JSONDict:
    if isinstance(user, Mapping):
        return api.add_user(user)
    return api.user(int(user))


def _chat(api: FakeBotAPI, chat: ChatRef, user: JSONDict) -> ChatState:
    if chat is None:
        return api.chat_state(int(user["id"]))
    if isinstance(chat, Mapping):
        chat_id = int(chat["id"])
        try:
            return api.chat_state(chat_id)
        except KeyError:
            api.add_chat(
                chat_id,
                chat.get("type", "supergroup"),
                chat.get("title"),
                username=chat.get("username"),
            )
            return api.chat_state(chat_id)
    return api.chat_state(int(chat))


def _join(chat: ChatState, user: JSONDict) -> None:
    if chat.type == "private" or user["id"] == GROUP_ANONYMOUS_BOT["id"]:
        return
    user_id = int(user["id"])
    is_owner = chat.owner is not None and chat.owner["id"] == user_id
    if not is_owner and user_id not in chat.admins:
        chat.members.setdefault(user_id, user)


def _command_entities(text: str) -> list[JSONDict]:
    entities = []
    for match in _COMMAND.finditer(text):
        prefix = text[: match.start()]
        offset = len(prefix.encode("utf-16-le")) // 2
        length = len(match.group().encode("utf-16-le")) // 2
        entities.append({"type": "bot_command", "offset": offset, "length": length})
    return entities


def _addressed_elsewhere(api: FakeBotAPI, text: str) -> bool:
    """``/cmd@OtherBot``: a command for another bot."""
    match = _COMMAND.match(text)
    if match is None or "@" not in match.group():
        return False
    return match.group().split("@", 1)[1].lower() != api.username.lower()


def _delivery_blocker(
    api: FakeBotAPI,
    chat: ChatState,
    text: str | None,
    reply_to: Mapping[str, Any] | None,
    service: bool = False,
) -> str | None:
    """Why Telegram would not deliver a user's message in ``chat`` to the bot (None: it would)."""
    if chat.type == "private":
        return "the user blocked the bot" if chat.blocked else None
    if chat.bot_status in ("left", "kicked"):
        return f"the bot is not in the chat (status {chat.bot_status})"
    if text is not None and _addressed_elsewhere(api, text):
        return "the command is addressed to another bot"
    if service or not api.privacy_mode or chat.bot_status in ("administrator", "creator"):
        return None
    is_command = text is not None and text.startswith("/")
    replies_to_bot = reply_to is not None and ((reply_to.get("from") or {}).get("id") == api.bot_id)
    if is_command or replies_to_bot:
        return None
    return "privacy mode: not a command nor a reply to the bot"


def _push_message(
    api: FakeBotAPI,
    chat: ChatState,
    sender: JSONDict,
    content: JSONDict,
    *,
    text: str | None = None,
    reply_to: Mapping[str, Any] | None = None,
    sender_chat: JSONDict | None = None,
    service: bool = False,
) -> JSONDict:
    blocker = _delivery_blocker(api, chat, text, reply_to, service)
    if reply_to is not None:
        original = api.message(int(reply_to["chat"]["id"]), int(reply_to["message_id"]))
        quoted = original if original is not None else copy.deepcopy(dict(reply_to))
        quoted.pop("reply_to_message", None)
        content["reply_to_message"] = quoted
    message = api.store_message(chat, sender, **content)
    if sender_chat is not None:
        message["sender_chat"] = sender_chat
    kind = "channel_post" if chat.type == "channel" else "message"
    if blocker is not None:
        return api.drop_update(kind, copy.deepcopy(message), blocker)
    return api.push_update(kind, copy.deepcopy(message))


def push_service_message(
    api: FakeBotAPI, chat: ChatState, sender: JSONDict, content: JSONDict
) -> JSONDict:
    """A service message in ``chat`` (delivered whatever the privacy mode)."""
    return _push_message(api, chat, sender, content, service=True)


# --------------------------------------------------------------------------------------------
# builders


def send_text(
    api: FakeBotAPI,
    user: UserRef,
    text: str,
    chat: ChatRef = None,
    *,
    reply_to: Mapping[str, Any] | None = None,
    entities: Sequence[Mapping[str, Any]] | None = None,
    anonymous_admin: bool = False,
    thread_id: int | None = None,
) -> JSONDict:
    """``user`` writes ``text`` to the bot (private chat) or in ``chat`` (an id or Chat dict).

    ``thread_id``: in that forum topic (it must exist and be open; see forums.py).
    Commands get ``bot_command`` entities (plus ``entities``, if given). ``reply_to``: a
    Message dict replied to. ``anonymous_admin``: posted by an anonymous admin of the group
    (``from`` is @GroupAnonymousBot, ``sender_chat`` the group).
    """
    sender = _user(api, user)
    state = _chat(api, chat, sender)
    sender_chat = None
    if anonymous_admin:
        if state.type not in ("group", "supergroup"):
            raise ValueError("anonymous admins post in groups only")
        sender_chat = state.short()
        sender = dict(GROUP_ANONYMOUS_BOT)
    else:
        _join(state, sender)
    all_entities = _command_entities(text) + [dict(e) for e in entities or ()]
    all_entities.sort(key=lambda e: (e["offset"], -e["length"]))
    content: JSONDict = {"text": text, **api.topic_message_fields(state, thread_id)}
    if reply_to is None and thread_id is not None:
        content.update(api.topic_opening_reply(state, thread_id))
    if all_entities:
        content["entities"] = all_entities
    return _push_message(
        api, state, sender, content, text=text, reply_to=reply_to, sender_chat=sender_chat
    )


def forward_text(
    api: FakeBotAPI, user: UserRef, text: str, forward_from: Mapping[str, Any]
) -> JSONDict:
    """``user`` forwards a text message to the bot's private chat.

    ``forward_from``: a Chat dict (a channel's post, as from ``api.add_chat``) or a User dict;
    the message gets the matching ``forward_origin``.
    """
    sender = _user(api, user)
    state = _chat(api, None, sender)
    content: JSONDict = {"text": text, "forward_origin": _origin(api, forward_from)}
    return _push_message(api, state, sender, content, text=text)


def send_document(
    api: FakeBotAPI,
    user: UserRef,
    file_id: str,
    caption: str | None = None,
    chat: ChatRef = None,
) -> JSONDict:
    """``user`` sends a document (``file_id`` from ``api.add_file``), with an optional caption."""
    stored = api.file(file_id)
    if stored is None:
        raise ValueError(f"unknown file_id {file_id!r}; store it with api.add_file()")
    sender = _user(api, user)
    state = _chat(api, chat, sender)
    _join(state, sender)
    content: JSONDict = {
        "document": {
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
    }
    if caption:
        content["caption"] = caption
        commands = _command_entities(caption)
        if commands:
            content["caption_entities"] = commands
    return _push_message(api, state, sender, content, text=caption)


def click(api: FakeBotAPI, user: UserRef, message: Mapping[str, Any], data: str) -> JSONDict:
    """``user`` presses an inline button with callback ``data`` under the bot's ``message``.

    ``message`` is the Message dict the bot got back (e.g. ``call.result``); the update carries
    the message as it is now (after edits). Any ``data`` is allowed: clients can send anything.
    """
    sender = _user(api, user)
    chat_id = int(message["chat"]["id"])
    current = api.message(chat_id, int(message["message_id"]))
    payload: JSONDict = {
        "id": api.new_callback_query_id(),
        "from": sender,
        "message": current if current is not None else copy.deepcopy(dict(message)),
        "chat_instance": str((chat_id * 2_654_435_761) % 9_223_372_036_854_775_807),
        "data": data,
    }
    return api.push_update("callback_query", payload)


def expire_polls(api: FakeBotAPI) -> None:
    """Close the bot's polls whose open_period / close_date has passed (with a poll update)."""
    now = api.clock()
    for state in api.polls_sent():
        if not state.poll["is_closed"] and state.close_at is not None and now >= state.close_at:
            close_poll(api, state)


def close_poll(api: FakeBotAPI, state: PollState) -> None:
    """Close a poll and tell the bot (``poll`` update)."""
    state.poll["is_closed"] = True
    api.push_update("poll", copy.deepcopy(state.poll))


def answer_poll(
    api: FakeBotAPI,
    user: UserRef,
    poll_id: str,
    option_ids: Sequence[int],
    *,
    poll_update: bool = True,
) -> JSONDict:
    """``user`` votes ``option_ids`` (0-based; empty = retract) in a poll the bot sent.

    Non-anonymous poll: pushes ``poll_answer`` (with ``option_persistent_ids``) and returns it;
    with ``poll_update`` also a ``poll`` update with the new counts. Anonymous poll: only the
    ``poll`` update, which is returned. Raises ValueError for votes Telegram would refuse.
    """
    state = api.poll(poll_id)
    if state is None or not state.sent_by_bot:
        raise ValueError(f"poll {poll_id!r} was not sent by the bot")
    expire_polls(api)
    poll = state.poll
    if poll["is_closed"]:
        raise ValueError("the poll is closed")
    voter = _user(api, user)
    _join(api.chat_state(state.chat_id), voter)  # only members vote
    ids = sorted({int(i) for i in option_ids})
    if any(not 0 <= i < len(poll["options"]) for i in ids):
        raise ValueError(f"no such option in poll {poll_id!r}: {list(option_ids)}")
    if len(ids) > 1 and not poll["allows_multiple_answers"]:
        raise ValueError("the poll allows one answer only")
    previous = state.votes.get(int(voter["id"]))
    if (previous or not ids) and not poll["allows_revoting"]:
        raise ValueError(
            "the poll doesn't allow changing the answer (Telegram refuses a second vote, e.g. "
            "in a quiz); to simulate Telegram delivering the same answer again, push it: "
            "api.push_update('poll_answer', previous_update['poll_answer'])"
        )
    state.votes[int(voter["id"])] = ids
    state.recount()
    if poll["is_anonymous"]:
        return api.push_update("poll", copy.deepcopy(poll))
    answer = api.push_update(
        "poll_answer",
        {
            "poll_id": poll_id,
            "user": voter,
            "option_ids": ids,
            "option_persistent_ids": [state.persistent_ids[i] for i in ids],
        },
    )
    if poll_update:
        api.push_update("poll", copy.deepcopy(poll))
    return answer


def chat_member_update(
    api: FakeBotAPI, chat: ChatRef, user: UserRef, old_status: str, new_status: str
) -> JSONDict:
    """``my_chat_member``: ``user`` changed the bot's status in ``chat`` (None: private chat).

    Private chat "member" -> "kicked" means the user blocked the bot (sends then fail with 403),
    and back to "member" unblocks. In groups the bot's status is updated the same way.
    """
    actor = _user(api, user)
    state = _chat(api, chat, actor)
    state.bot_status = new_status
    if state.type == "private":
        state.blocked = new_status == "kicked"
    payload: JSONDict = {
        "chat": state.short(),
        "from": actor,
        "date": api.now(),
        "old_chat_member": make_chat_member(api.bot_user, old_status, state.type),
        "new_chat_member": make_chat_member(api.bot_user, new_status, state.type),
    }
    return api.push_update("my_chat_member", payload)


def migrate_group(
    api: FakeBotAPI, old_chat_id: int, new_chat_id: int, *, by: UserRef | None = None
) -> JSONDict:
    """A group becomes the supergroup ``new_chat_id``.

    Pushes the service message ``migrate_to_chat_id`` in the old group (returned) and
    ``migrate_from_chat_id`` in the new supergroup. Calls to the old id then fail with 400 and
    ``parameters.migrate_to_chat_id``; the new supergroup keeps title, members and the bot.
    """
    old = api.chat_state(old_chat_id)
    if old.type != "group":
        raise ValueError("only basic groups migrate to supergroups")
    actor = (
        _user(api, by)
        if by is not None
        else (old.owner or next(iter(old.admins.values()), None) or api.user(1))
    )
    api.add_chat(
        new_chat_id,
        "supergroup",
        old.title,
        admins=list(old.admins.values()),
        members=list(old.members.values()),
        owner=old.owner,
        bot_status=old.bot_status,
    )
    new = api.chat_state(new_chat_id)
    first = _push_message(api, old, actor, {"migrate_to_chat_id": new_chat_id}, service=True)
    old.migrated_to = new_chat_id
    _push_message(api, new, actor, {"migrate_from_chat_id": old_chat_id}, service=True)
    return first


def send_user_poll(
    api: FakeBotAPI,
    user: UserRef,
    question: str,
    options: Sequence[str],
    *,
    type: str = "quiz",
    correct_option_ids: Sequence[int] | None = None,
    explanation: str | None = None,
    is_anonymous: bool = True,
    is_closed: bool = False,
    forward_from: Mapping[str, Any] | None = None,
    chat: ChatRef = None,
) -> JSONDict:
    """``user`` sends the bot a poll made in Telegram's poll editor, or forwards one.

    ``forward_from``: a User dict (forwarded from a user) or a Chat dict (from a channel or
    group) — the message gets ``forward_origin``. As on Telegram, the bot sees
    ``correct_option_ids`` of a quiz only if it is closed, or was sent (not forwarded) to the
    private chat with the bot.
    """
    sender = _user(api, user)
    state = _chat(api, chat, sender)
    _join(state, sender)
    poll_id, sequence = api.new_poll_id()
    poll: JSONDict = {
        "id": poll_id,
        "question": question,
        "options": [
            {"persistent_id": f"{chr(ord('a') + i)}{sequence}", "text": text, "voter_count": 0}
            for i, text in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": is_closed,
        "is_anonymous": is_anonymous,
        "type": type,
        "allows_multiple_answers": False,
        "allows_revoting": type != "quiz",
        "members_only": False,
    }
    visible = is_closed or (forward_from is None and state.type == "private")
    if type == "quiz" and correct_option_ids is not None and visible:
        poll["correct_option_ids"] = sorted(correct_option_ids)
        if explanation:
            poll["explanation"] = explanation
    content: JSONDict = {"poll": poll}
    if forward_from is not None:
        content["forward_origin"] = _origin(api, forward_from)
    message_update = _push_message(api, state, sender, content)
    from .server import PollState  # runtime import: server imports this module

    message = message_update.get("message") or message_update.get("channel_post") or {}
    api.register_poll(
        PollState(
            poll=poll,
            chat_id=state.id,
            message_id=int(message.get("message_id", 0)),
            sent_by_bot=False,
        )
    )
    return message_update


def _origin(api: FakeBotAPI, source: Mapping[str, Any]) -> JSONDict:
    date = api.now() - 3600
    if "type" in source:  # a Chat
        chat = dict(source)
        if chat["type"] == "channel":
            return {"type": "channel", "date": date, "chat": chat, "message_id": 1}
        return {"type": "chat", "date": date, "sender_chat": chat}
    return {"type": "user", "date": date, "sender_user": dict(source)}
