"""The fake's sendRichMessage: what Telegram takes comes back as a rich message aiogram parses;
what it refuses is refused with 400, and a test can make a chat refuse every rich message."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InputRichBlockDetails,
    InputRichBlockFooter,
    InputRichBlockList,
    InputRichBlockListItem,
    InputRichBlockMathematicalExpression,
    InputRichBlockParagraph,
    InputRichBlockPreformatted,
    InputRichBlockSectionHeading,
    InputRichBlockTable,
    InputRichMessage,
    RichBlockTableCell,
    RichTextBold,
    RichTextMathematicalExpression,
)

from .server import FakeBotAPI
from .test_fakebot import strict

CHAT = 1001


def paragraph(text: Any) -> dict[str, Any]:
    return {"type": "paragraph", "text": text}


async def send_raw(api: FakeBotAPI, rich_message: Any, chat_id: int = CHAT) -> dict[str, Any]:
    body = {"chat_id": chat_id, "rich_message": rich_message}
    async with aiohttp.ClientSession() as http, http.post(
        f"{api.url}/bot{api.token}/sendRichMessage", json=body
    ) as response:
        answer: dict[str, Any] = await response.json()
        return answer


async def test_a_rich_message_comes_back_as_aiogram_reads_it(
    aiogram_bot: Bot, fake_api: FakeBotAPI
) -> None:
    message = await aiogram_bot.send_rich_message(CHAT, InputRichMessage(blocks=[
        InputRichBlockSectionHeading(text="❓ Что такое F1?", size=2),
        InputRichBlockParagraph(text=["При ", RichTextMathematicalExpression(expression="p=1")]),
        InputRichBlockMathematicalExpression(expression="\\frac{2PR}{P+R}"),
        InputRichBlockPreformatted(text="x = 1", language="python"),
        InputRichBlockTable(cells=[[RichBlockTableCell(align="left", valign="top", text="a",
                                                       is_header=True)]]),
        InputRichBlockList(items=[InputRichBlockListItem(
            blocks=[InputRichBlockParagraph(text="пункт")], value=1, type="1")]),
        InputRichBlockDetails(summary=RichTextBold(text="Решение"),
                              blocks=[InputRichBlockParagraph(text="шаги")]),
        InputRichBlockFooter(text="#метрики @ml_bot"),
    ]))
    strict(message)
    assert message.rich_message is not None
    assert [block.type for block in message.rich_message.blocks] == [
        "heading", "paragraph", "mathematical_expression", "pre", "table", "list", "details",
        "footer"]
    assert fake_api.sent_texts(CHAT)[-1].splitlines() == [
        "❓ Что такое F1?", "При p=1", "\\frac{2PR}{P+R}", "x = 1", "a", "пункт", "Решение",
        "шаги", "#метрики @ml_bot"]


DEEP = paragraph("дно")
for _ in range(16):
    DEEP = {"type": "blockquote", "blocks": [DEEP]}


@pytest.mark.parametrize(("rich_message", "refusal"), [
    ({"blocks": [{"type": "marquee", "text": "x"}]}, "can't parse rich message"),
    ({"blocks": [{"type": "paragraph"}]}, "can't parse rich message"),
    ({"blocks": [paragraph("  ")]}, "paragraph block text is empty"),
    ({"blocks": [{"type": "details", "summary": "", "blocks": [paragraph("x")]}]},
     "details block summary is empty"),
    ({"blocks": [{"type": "details", "summary": "Решение", "blocks": []}]},
     "details block is empty"),
    ({"blocks": [{"type": "mathematical_expression", "expression": ""}]},
     "mathematical_expression block expression is empty"),
    ({"blocks": [paragraph({"type": "mathematical_expression", "expression": " "})]},
     "mathematical expression is empty"),
    ({"blocks": [{"type": "heading", "text": "x", "size": 7}]}, "heading size"),
    ({"blocks": [{"type": "thinking", "text": "…"}]}, "only in rich message drafts"),
    ({"blocks": [{"type": "list", "items": []}]}, "list block is empty"),
    ({"blocks": [{"type": "list", "items": [{"blocks": []}]}]}, "list item is empty"),
    ({"blocks": [{"type": "table", "cells": [[{"align": "middle", "valign": "top"}]]}]},
     "alignment is invalid"),
    ({"blocks": [{"type": "table", "cells": [[{"align": "left", "valign": "top"}] * 21]}]},
     "too many columns"),
    ({"blocks": [paragraph("x")] * 501}, "too many blocks"),
    ({"blocks": [paragraph("x" * 32_769)]}, "too long"),
    ({"blocks": [DEEP]}, "nested too deeply"),
    ({"blocks": [{"type": "collage", "blocks": [paragraph("x")]}]}, "photos, videos"),
    ({"blocks": []}, "rich message is empty"),
    ({"is_rtl": True}, "exactly one of"),
    ({"html": "<p>x</p>", "blocks": [paragraph("x")]}, "exactly one of"),
])
async def test_what_telegram_refuses_is_refused(
    fake_api: FakeBotAPI, rich_message: dict[str, Any], refusal: str
) -> None:
    answer = await send_raw(fake_api, rich_message)
    assert answer["ok"] is False
    assert answer["error_code"] == 400
    assert refusal in answer["description"]
    assert fake_api.sent_messages(CHAT) == []


async def test_a_chat_can_be_made_to_refuse_rich_messages(
    aiogram_bot: Bot, fake_api: FakeBotAPI
) -> None:
    fake_api.refuse_rich_messages(CHAT)
    rich = InputRichMessage(blocks=[InputRichBlockParagraph(text="x")])
    with pytest.raises(TelegramBadRequest):
        await aiogram_bot.send_rich_message(CHAT, rich)
    await aiogram_bot.send_message(CHAT, "x")  # entity text still goes
    assert (await aiogram_bot.send_rich_message(1002, rich)).rich_message is not None
    fake_api.clear_faults()
    assert (await aiogram_bot.send_rich_message(CHAT, rich)).rich_message is not None
