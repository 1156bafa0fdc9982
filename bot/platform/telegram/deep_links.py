"""``t.me/<bot>?start=<payload>`` links into the private chat.

A payload is at most 64 characters of ``A-Za-z0-9_-``. Items are linked by numeric id
(``q_42``), which always fits, unlike a slug; topics by their id (``topic_metrics``), which the
content schema keeps to ``[a-z0-9-]{1,32}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram.utils.deep_linking import create_deep_link

ITEM_PREFIX = "q_"
TOPIC_PREFIX = "topic_"
_ITEM_PAYLOAD = re.compile(r"q_([1-9][0-9]{0,17})")
_TOPIC_PAYLOAD = re.compile(r"topic_([a-z0-9][a-z0-9-]{0,31})")


@dataclass(frozen=True)
class ItemLink:
    item_id: int


@dataclass(frozen=True)
class TopicLink:
    topic_id: str


def item_payload(item_id: int) -> str:
    return f"{ITEM_PREFIX}{item_id}"


def topic_payload(topic_id: str) -> str:
    return f"{TOPIC_PREFIX}{topic_id}"


def share_query(item_id: int) -> str:
    """What a "Share" button types after ``@bot``: the item's id, which inline mode finds."""
    return str(item_id)


def start_link(bot_username: str, payload: str) -> str:
    """The https://t.me link that opens the private chat with ``/start <payload>``."""
    return create_deep_link(bot_username, "start", payload)


def parse_payload(payload: str) -> ItemLink | TopicLink | None:
    """What a /start payload points at; None for anything not made by the helpers above."""
    if match := _ITEM_PAYLOAD.fullmatch(payload):
        return ItemLink(int(match.group(1)))
    if match := _TOPIC_PAYLOAD.fullmatch(payload):
        return TopicLink(match.group(1))
    return None
