"""Forum topics as the Bot API reports them gone.

A send with ``message_thread_id`` into a topic an admin closed fails with 400 "Bad Request:
TOPIC_CLOSED"; into a deleted topic (or an id that never was a topic) with 400 "Bad Request:
message thread not found" (some clients' deletions report "TOPIC_DELETED").
"""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest

_GONE = ("topic_closed", "topic_deleted", "message thread not found")


def topic_gone(error: TelegramBadRequest) -> bool:
    """Whether Telegram refused the send because its forum topic is closed or deleted."""
    message = error.message.lower()
    return any(marker in message for marker in _GONE)
