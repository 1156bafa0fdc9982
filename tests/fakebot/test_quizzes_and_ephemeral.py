"""The fake Bot API refuses what Telegram refuses in 9.6+ quizzes and 10.2+ ephemeral messages,
and answers what it takes in aiogram's types."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    EphemeralMessageParameters,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LoginUrl,
)

from .server import FakeBotAPI
from .test_fakebot import strict
from .updates import make_user

ALICE = make_user(1001, "Alice")
STRANGER = make_user(1003, "Stranger")
GROUP_ID = -1001234567890


@pytest.fixture
def group(fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(GROUP_ID, "supergroup", "ML club", members=[ALICE])
    fake_api.add_user(STRANGER)


QUIZ_REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"correct_option_ids": []}, "correct_option_ids must be specified"),
    ({"correct_option_ids": [0, 3]}, "wrong correct option ids"),
    ({"correct_option_ids": [1, 0], "allows_multiple_answers": True}, "wrong correct option ids"),
    ({"correct_option_ids": [0, 1, 2]}, "wrong correct option ids"),  # every option right
    ({"correct_option_ids": [0, 1]}, "allowed only in multiple answer quizzes"),
    ({"correct_option_ids": [0], "description": "d" * 1025}, "description is too long"),
    ({"correct_option_ids": [0], "close_date": 1}, "wrong close date"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("overrides", "error"), QUIZ_REFUSALS)
async def test_a_quiz_telegram_would_refuse_is_refused(
    aiogram_bot: Bot, overrides: dict[str, Any], error: str
) -> None:
    kwargs: dict[str, Any] = {"chat_id": 1001, "question": "Q?", "options": ["a", "b", "c"],
                              "type": "quiz", **overrides}
    with pytest.raises(TelegramBadRequest, match=error):
        await aiogram_bot.send_poll(**kwargs)


@pytest.mark.asyncio
async def test_a_multiple_answer_quiz_takes_several_options(
    aiogram_bot: Bot, fake_api: FakeBotAPI
) -> None:
    message = await aiogram_bot.send_poll(
        1001, "Q?", ["a", "b", "c"], type="quiz", correct_option_ids=[0, 2],
        allows_multiple_answers=True, is_anonymous=False, allows_revoting=False,
        hide_results_until_closes=True, description="d" * 1024,
    )
    strict(message)
    assert message.poll is not None
    assert (message.poll.correct_option_ids, message.poll.allows_multiple_answers) == ([0, 2], True)
    fake_api.answer_poll(ALICE, message.poll.id, [0, 2])
    with pytest.raises(ValueError, match="doesn't allow changing"):
        fake_api.answer_poll(ALICE, message.poll.id, [0])


@pytest.mark.asyncio
@pytest.mark.usefixtures("group")
async def test_an_ephemeral_message_reaches_one_member_outside_the_chats_history(
    aiogram_bot: Bot, fake_api: FakeBotAPI
) -> None:
    sent = await aiogram_bot.send_message(
        GROUP_ID, "only for you",
        ephemeral_message_parameters=EphemeralMessageParameters(receiver_user_id=ALICE["id"]),
    )
    strict(sent)
    assert sent.message_id == 0
    assert sent.ephemeral_message_id == 1
    assert sent.receiver_user is not None
    assert sent.receiver_user.id == ALICE["id"]
    assert fake_api.sent_messages(GROUP_ID) == []
    assert [message["text"] for message in fake_api.ephemeral_messages] == ["only for you"]


EPHEMERAL_REFUSALS: list[tuple[int, dict[str, Any], dict[str, Any], str]] = [
    (1001, {"receiver_user_id": 1001}, {}, "only to group chats"),
    (GROUP_ID, {"receiver_user_id": 1003}, {}, "receiver user not found"),
    (GROUP_ID, {"receiver_user_id": 1001, "replace_callback_query_message": True}, {},
     "requires callback_query_id"),
    (GROUP_ID, {"receiver_user_id": 1001, "callback_query_id": "nope"}, {}, "query ID is invalid"),
    (GROUP_ID, {"receiver_user_id": 1001}, {"receiver_user_id": 1001},
     "can't use receiver_user_id together"),
    (GROUP_ID, {"receiver_user_id": 1001}, {"reply_markup": InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="in", login_url=LoginUrl(
            url="https://example.com"))]])}, "login URL buttons are not supported"),
]


@pytest.mark.asyncio
@pytest.mark.usefixtures("group")
@pytest.mark.parametrize(("chat_id", "parameters", "extra", "error"), EPHEMERAL_REFUSALS)
async def test_an_ephemeral_message_telegram_would_refuse_is_refused(
    aiogram_bot: Bot, fake_api: FakeBotAPI, chat_id: int, parameters: dict[str, Any],
    extra: dict[str, Any], error: str,
) -> None:
    with pytest.raises(TelegramBadRequest, match=error):
        await aiogram_bot.send_message(
            chat_id, "only for you",
            ephemeral_message_parameters=EphemeralMessageParameters(**parameters), **extra,
        )
    assert fake_api.ephemeral_messages == []
