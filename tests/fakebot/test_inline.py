"""Inline mode in the fake Bot API: queries only when it is on, and answers Telegram refuses."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)

from .server import FakeBotAPI
from .updates import make_user

ALICE = make_user(1001, "Alice")


def article(result_id: str, text: str = "Q?") -> InlineQueryResultArticle:
    return InlineQueryResultArticle(id=result_id, title="Q",
                                    input_message_content=InputTextMessageContent(message_text=text))


@pytest.mark.asyncio
async def test_inline_queries_and_their_answers(aiogram_bot: Bot, fake_api: FakeBotAPI) -> None:
    assert (await aiogram_bot.get_me()).supports_inline_queries is False
    with pytest.raises(ValueError, match="inline mode is off"):
        fake_api.send_inline_query(ALICE, "roc")
    share = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="Share", switch_inline_query="42")]])
    with pytest.raises(TelegramBadRequest, match="BUTTON_TYPE_INVALID"):
        await aiogram_bot.send_message(ALICE["id"], "answer", reply_markup=share)
    fake_api.inline_mode = True
    await aiogram_bot.send_message(ALICE["id"], "answer", reply_markup=share)
    assert (await aiogram_bot.get_me()).supports_inline_queries is True

    def query() -> str:
        update = Update.model_validate(fake_api.send_inline_query(ALICE, "roc"))
        assert update.inline_query is not None
        assert update.inline_query.query == "roc"
        return update.inline_query.id

    refusals: list[tuple[list[Any], str]] = [
        ([article("1"), article("1")], "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article("1", " ")], "MESSAGE_EMPTY"),
        ([article(str(n)) for n in range(51)], "RESULTS_TOO_MUCH"),
    ]
    for results, error in refusals:
        with pytest.raises(TelegramBadRequest, match=error):
            await aiogram_bot.answer_inline_query(query(), results)

    answered = query()
    assert await aiogram_bot.answer_inline_query(answered, [article("1")], cache_time=60)
    answer = fake_api.inline_answers[answered]
    assert answer is not None
    assert (len(answer.results), answer.cache_time) == (1, 60)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await aiogram_bot.answer_inline_query(answered, [article("1")])
