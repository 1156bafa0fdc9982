"""Forum supergroups' topics in the fake Bot API: what exists, what is closed, what a send
into a topic gets back, and the service messages a topic's life brings.

Telegram's rules kept here:
- a topic's ``message_thread_id`` is the id of the message that created it (the
  ``forum_topic_created`` service message);
- messages in a topic carry ``message_thread_id`` and ``is_topic_message``; the General topic
  is no topic (its messages carry neither); a user's message in a topic that replies to nothing
  else replies to the topic's ``forum_topic_created`` message (which names the topic);
- a send with ``message_thread_id`` into a deleted or unknown topic fails with 400 "Bad
  Request: message thread not found", into a closed one with 400 "Bad Request: TOPIC_CLOSED"
  (the bot here is no admin allowed to write in closed topics); in a supergroup that is no
  forum the id must be a message of the chat (a reply thread);
- closing and reopening a topic post ``forum_topic_closed`` / ``forum_topic_reopened`` service
  messages into it; deleting one posts nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import updates as _updates

if TYPE_CHECKING:
    from .server import ChatState, FakeBotAPI

JSONDict = dict[str, Any]

THREAD_NOT_FOUND = "Bad Request: message thread not found"
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"


@dataclass
class ForumTopic:
    thread_id: int
    name: str
    closed: bool = False
    deleted: bool = False


class ForumTopics:
    """Mixed into FakeBotAPI: ``api.create_topic(chat_id, "Квизы")`` and the rest."""

    def _forum_api(self) -> FakeBotAPI:
        from .server import FakeBotAPI

        assert isinstance(self, FakeBotAPI)
        return self

    _forum_topics: dict[tuple[int, int], ForumTopic]  # (chat id, thread id): set by FakeBotAPI

    def create_topic(self, chat_id: int, name: str, *, by: _updates.UserRef) -> int:
        """A member creates a topic in the forum ``chat_id``; returns its message_thread_id."""
        api = self._forum_api()
        chat = api.chat_state(chat_id)
        if not chat.is_forum:
            raise ValueError(f"chat {chat_id} is no forum; add_chat(..., is_forum=True)")
        sender = api.add_user(by) if not isinstance(by, int) else api.user(by)
        created = api.store_message(
            chat, sender, forum_topic_created={"name": name, "icon_color": 7322096})
        thread_id = int(created["message_id"])
        created.update(message_thread_id=thread_id, is_topic_message=True)
        self._forum_topics[(chat_id, thread_id)] = ForumTopic(thread_id, name)
        return thread_id

    def topic(self, chat_id: int, thread_id: int) -> ForumTopic | None:
        return self._forum_topics.get((chat_id, thread_id))

    def close_topic(self, chat_id: int, thread_id: int, *, by: _updates.UserRef) -> JSONDict:
        """An admin closes the topic: a ``forum_topic_closed`` service message in it."""
        self._existing(chat_id, thread_id).closed = True
        return self._service(chat_id, thread_id, by, forum_topic_closed={})

    def reopen_topic(self, chat_id: int, thread_id: int, *, by: _updates.UserRef) -> JSONDict:
        """An admin reopens the topic: a ``forum_topic_reopened`` service message in it."""
        self._existing(chat_id, thread_id).closed = False
        return self._service(chat_id, thread_id, by, forum_topic_reopened={})

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """An admin deletes the topic with its messages; bots get no update for it."""
        self._existing(chat_id, thread_id).deleted = True

    def check_thread(self, chat: ChatState, thread_id: int | None) -> None:
        """Raise the ApiError Telegram gives a send into ``thread_id`` of ``chat``."""
        from .server import ApiError

        if thread_id is None:
            return
        if not chat.is_forum:
            if chat.type != "supergroup" or self._forum_api().message(chat.id, thread_id) is None:
                raise ApiError(400, THREAD_NOT_FOUND)
            return
        topic = self._forum_topics.get((chat.id, thread_id))
        if topic is None or topic.deleted:
            raise ApiError(400, THREAD_NOT_FOUND)
        if topic.closed:
            raise ApiError(400, TOPIC_CLOSED)

    def topic_message_fields(self, chat: ChatState, thread_id: int | None) -> JSONDict:
        """What a user's message in ``thread_id`` carries (checked: the topic must be open)."""
        if thread_id is None:
            return {}
        self.check_thread(chat, thread_id)
        return {"message_thread_id": thread_id, "is_topic_message": True}

    def topic_opening_reply(self, chat: ChatState, thread_id: int) -> JSONDict:
        """``reply_to_message``: the topic's ``forum_topic_created`` message, for a message in
        the topic that replies to nothing else (none in a group that is no forum)."""
        created = self._forum_api().message(chat.id, thread_id) if chat.is_forum else None
        if created is None:
            return {}
        quoted = copy.deepcopy(created)
        quoted.pop("reply_to_message", None)
        return {"reply_to_message": quoted}

    def _existing(self, chat_id: int, thread_id: int) -> ForumTopic:
        topic = self._forum_topics.get((chat_id, thread_id))
        if topic is None or topic.deleted:
            raise KeyError(f"no topic {thread_id} in chat {chat_id}")
        return topic

    def _service(
        self, chat_id: int, thread_id: int, by: _updates.UserRef, **content: Any
    ) -> JSONDict:
        api = self._forum_api()
        chat = api.chat_state(chat_id)
        sender = api.add_user(by) if not isinstance(by, int) else api.user(by)
        content.update(message_thread_id=thread_id, is_topic_message=True)
        return _updates.push_service_message(api, chat, sender, content)
