"""Telegram's words for a forum topic that is closed or gone, told from other refusals."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import SendMessage

from bot.platform.telegram.topics import topic_gone


@pytest.mark.parametrize(("message", "gone"), [
    ("Bad Request: TOPIC_CLOSED", True),
    ("Bad Request: TOPIC_DELETED", True),
    ("Bad Request: message thread not found", True),
    ("Bad Request: chat not found", False),
    ("Bad Request: message to be replied not found", False),
])
def test_a_closed_or_deleted_topic_is_told_apart(message: str, gone: bool) -> None:
    error = TelegramBadRequest(SendMessage(chat_id=-100, text="x"), message)
    assert topic_gone(error) is gone
