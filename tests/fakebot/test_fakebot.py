"""The fake Bot API against a real aiogram client: every answer must parse as aiogram's types.

``strict()`` also fails on fields aiogram does not know (a misspelt field would otherwise be
silently kept as an "extra").
"""

from __future__ import annotations

import asyncio
import io
import json
import struct
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeChat,
    BufferedInputFile,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    Message,
    MessageEntity,
    MessageOriginChannel,
    Poll,
    ReplyParameters,
    Update,
    User,
)
from aiogram.types.base import TelegramObject

from .fixtures import TEST_TOKEN
from .process import BotProcess, BotProcessError, bot_env
from .server import (
    FakeBotAPI,
    Fault,
    bad_request,
    delay,
    forbidden,
    migrated,
    server_error,
    too_many_requests,
)
from .updates import make_user

StartBot = Callable[..., Awaitable[BotProcess]]

ALICE = make_user(1001, "Alice", language_code="en", username="alice")
BOB = make_user(1002, "Bob")
GROUP_ID = -1001234567890


def strict(obj: Any, path: str = "result") -> None:
    """Fail if any object in ``obj`` carries fields its aiogram type does not declare."""
    if isinstance(obj, TelegramObject):
        extra = obj.model_extra or {}
        assert not extra, f"{path}: fields unknown to aiogram {type(obj).__name__}: {extra}"
        for name in type(obj).model_fields:
            strict(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for position, item in enumerate(obj):
            strict(item, f"{path}[{position}]")


def dumped(objects: Any) -> Any:
    """aiogram objects as plain data (objects from answers carry the bot, so never compare
    them to constructed ones directly)."""
    if isinstance(objects, list | tuple):
        return [dumped(item) for item in objects]
    if isinstance(objects, TelegramObject):
        return objects.model_dump(mode="json", exclude_none=True, by_alias=True)
    return objects


def png(width: int, height: int) -> bytes:
    """The head of a PNG file: enough for its size to be read."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\x00" * 8


@pytest.fixture
def bot(aiogram_bot: Bot) -> Bot:
    """aiogram's Bot with an AiohttpSession on TelegramAPIServer.from_base(fake_api.url)."""
    return aiogram_bot


async def updates_of(bot: Bot, **kwargs: Any) -> list[Update]:
    result = await bot.get_updates(**kwargs)
    strict(result)
    return result


# --------------------------------------------------------------------------------------------
# basics


@pytest.mark.asyncio
async def test_get_me(bot: Bot, fake_api: FakeBotAPI) -> None:
    me = await bot.get_me()
    strict(me)
    assert isinstance(me, User)
    assert me.id == 123456789 == fake_api.bot_id
    assert me.is_bot
    assert me.username == "interview_drill_bot"
    assert me.can_join_groups is True
    assert fake_api.calls_of("getMe")[0].result["username"] == "interview_drill_bot"


@pytest.mark.asyncio
async def test_token_format() -> None:
    left, right = TEST_TOKEN.split(":")
    assert left.isdigit()
    assert len(right) == 35
    assert all(ch.isalnum() or ch in "_-" for ch in right)


@pytest.mark.asyncio
async def test_raw_http(fake_api: FakeBotAPI) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake_api.url}/bot1:wrong/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{fake_api.url}/bot{fake_api.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found"
        # JSON body: a text that looks like a number stays a string
        body = {"chat_id": 1001, "text": "123", "disable_notification": True}
        async with http.post(f"{fake_api.url}/bot{fake_api.token}/sendMessage", json=body) as r:
            data = await r.json()
            assert data["ok"]
            assert data["result"]["text"] == "123"
        # urlencoded body; method names are case-insensitive
        form = {"chat_id": "1001", "text": "true", "reply_markup": json.dumps({"x": 1})}
        async with http.post(f"{fake_api.url}/bot{fake_api.token}/SENDMESSAGE", data=form) as r:
            assert r.status == 400
            assert "reply keyboard markup" in (await r.json())["description"]
        async with http.get(f"{fake_api.url}/bot{fake_api.token}/getMe") as resp:
            assert (await resp.json())["result"]["id"] == 123456789
    sent = fake_api.calls_of("sendMessage", text="123")
    assert sent
    assert sent[0].params["chat_id"] == 1001
    assert sent[0].params["disable_notification"] is True
    assert fake_api.calls_of("sendMessage")[1].params["text"] == "true"


REFUSED_BODIES: list[tuple[str, dict[str, Any]]] = [
    ("sendMessage", {"chat_id": 1001, "text": "   "}),
    ("sendMessage", {"chat_id": -100999, "text": "nobody here"}),
    ("sendMessage", {"chat_id": 1001, "text": "short",
                     "entities": [{"type": "bold", "offset": 3, "length": 5}]}),
    ("sendMessage", {"chat_id": 1001, "text": "x", "reply_markup": {"x": 1}}),
    ("sendPoll", {"chat_id": 1001, "question": "Q?", "options": [{"text": "a"}, {"text": "b"}],
                  "type": "quiz", "correct_option_ids": [5]}),
    ("sendPoll", {"chat_id": 1001, "question": "Q?", "options": [{"text": "a"}],
                  "type": "quiz", "correct_option_ids": [0], "is_anonymous": False}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "params"), REFUSED_BODIES)
async def test_a_json_body_is_refused_as_the_same_form_is(
    fake_api: FakeBotAPI, method: str, params: dict[str, Any]
) -> None:
    """Telegram takes application/json bodies as well as forms (where objects are JSON text)."""
    form = {key: value if isinstance(value, str) else json.dumps(value)
            for key, value in params.items()}
    url = f"{fake_api.url}/bot{fake_api.token}/{method}"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data=form) as response:
            as_form = response.status, await response.json()
        async with http.post(url, json=params) as response:
            as_json = response.status, await response.json()
    assert as_form[0] == 400
    assert as_json == as_form
    form_call, json_call = fake_api.calls
    assert json_call.params == form_call.params


# --------------------------------------------------------------------------------------------
# messages


@pytest.mark.asyncio
async def test_send_message(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_user(ALICE)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Next", callback_data="next:1")]]
    )
    first = await bot.send_message(
        ALICE["id"],
        "Hello, world",
        entities=[MessageEntity(type="bold", offset=0, length=5)],
        reply_markup=keyboard,
    )
    strict(first)
    assert first.chat.type == "private"
    assert first.chat.first_name == "Alice"
    assert first.from_user is not None
    assert first.from_user.id == fake_api.bot_id
    assert dumped(first.entities) == dumped([MessageEntity(type="bold", offset=0, length=5)])
    assert dumped(first.reply_markup) == dumped(keyboard)
    second = await bot.send_message(
        ALICE["id"], "again", reply_parameters=ReplyParameters(message_id=first.message_id)
    )
    strict(second)
    assert second.message_id == first.message_id + 1
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == first.message_id
    # an unknown user id is the private chat with that user
    other = await bot.send_message(777, "hi")
    assert other.chat.id == 777
    assert other.message_id == 1

    fake_api.add_chat(GROUP_ID, "supergroup", "ML drills")
    in_group = await bot.send_message(GROUP_ID, "<b>Quiz</b> time", parse_mode="HTML")
    strict(in_group)
    assert in_group.chat.title == "ML drills"
    assert in_group.text == "Quiz time"
    assert dumped(in_group.entities) == dumped([MessageEntity(type="bold", offset=0, length=4)])

    assert fake_api.sent_texts(ALICE["id"]) == ["Hello, world", "again"]
    call = fake_api.calls_of("sendMessage", chat_id=ALICE["id"])[0]
    assert call.result["message_id"] == first.message_id
    assert call.params["entities"] == [{"type": "bold", "offset": 0, "length": 5}]


@pytest.mark.asyncio
async def test_an_unfilled_catalog_placeholder_fails_the_test_that_sent_it(
    bot: Bot, fake_api: FakeBotAPI
) -> None:
    await bot.send_message(1001, "print(f'{name}')", entities=[
        MessageEntity(type="code", offset=0, length=16),
    ])
    assert fake_api.internal_errors == []  # code may hold braces
    await bot.send_message(1001, "Тренировать: {topic}", reply_markup=InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Тренировать: {topic}", url="https://t.me/x")]]
    ))
    assert len(fake_api.internal_errors) == 2
    assert "{topic}" in fake_api.internal_errors[0]
    fake_api.internal_errors.clear()


async def test_message_validation(bot: Bot, fake_api: FakeBotAPI) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1001, "   ")
    await bot.send_message(1001, "x" * 4096)
    await bot.send_message(1001, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "😀" * 2049)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(
            1001, "short", entities=[MessageEntity(type="bold", offset=3, length=5)]
        )
    with pytest.raises(TelegramBadRequest, match="intersect partially"):
        await bot.send_message(1001, "bold and italic", entities=[
            MessageEntity(type="bold", offset=0, length=8),
            MessageEntity(type="italic", offset=5, length=10),
        ])
    with pytest.raises(TelegramBadRequest, match="can't be inside pre"):
        await bot.send_message(1001, "x = 1", entities=[
            MessageEntity(type="pre", offset=0, length=5),
            MessageEntity(type="bold", offset=0, length=1),
        ])
    with pytest.raises(TelegramBadRequest, match="bold can't contain code"):
        await bot.send_message(1001, "E[e] = 0", entities=[
            MessageEntity(type="bold", offset=0, length=8),
            MessageEntity(type="code", offset=0, length=8),
        ])
    await bot.send_message(1001, "quoted code", entities=[  # a code block in a quote nests
        MessageEntity(type="blockquote", offset=0, length=11),
        MessageEntity(type="pre", offset=7, length=4),
    ])
    with pytest.raises(TelegramBadRequest, match=r"Character '\.' is reserved"):
        await bot.send_message(1001, "Version 1.0", parse_mode="MarkdownV2")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "x"'):
        await bot.send_message(1001, "a <x> b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-100999, "nobody here")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            1001,
            "too much data",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="é" * 33)]]
            ),
        )
    message = await bot.send_message(1001, r"*bold* and \_plain\_", parse_mode="MarkdownV2")
    assert message.text == "bold and _plain_"
    assert dumped(message.entities) == dumped([MessageEntity(type="bold", offset=0, length=4)])
    errors = [call for call in fake_api.calls if not call.ok]
    assert all(call.response and call.response["ok"] is False for call in errors)


@pytest.mark.asyncio
async def test_edit_and_delete(bot: Bot, fake_api: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    message = await bot.send_message(1001, "Question", reply_markup=keyboard)
    edited = await bot.edit_message_text(
        text="Question (answered)",
        chat_id=1001,
        message_id=message.message_id,
        reply_markup=keyboard,
    )
    assert isinstance(edited, Message)
    strict(edited)
    assert edited.text == "Question (answered)"
    assert edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Question (answered)",
            chat_id=1001,
            message_id=message.message_id,
            reply_markup=keyboard,
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=1001, message_id=999)
    with pytest.raises(TelegramBadRequest, match="there is no caption"):
        await bot.edit_message_caption(caption="c", chat_id=1001, message_id=message.message_id)
    no_keyboard = await bot.edit_message_reply_markup(chat_id=1001, message_id=message.message_id)
    assert isinstance(no_keyboard, Message)
    assert no_keyboard.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1001, message_id=message.message_id)
    assert fake_api.sent_messages(1001)[0]["text"] == "Question (answered)"
    assert await bot.delete_message(1001, message.message_id) is True
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(1001, message.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="gone", chat_id=1001, message_id=message.message_id)
    assert fake_api.sent_messages(1001) == []
    assert len(fake_api.sent_messages(1001, include_deleted=True)) == 1


FORMATTING_CASES: list[tuple[str, str, str, list[dict[str, Any]]]] = [
    (
        "HTML",
        "😀 <b>bold <i>both</i></b> <code>x</code>",
        "😀 bold both x",
        [
            {"type": "bold", "offset": 3, "length": 9},
            {"type": "italic", "offset": 8, "length": 4},
            {"type": "code", "offset": 13, "length": 1},
        ],
    ),
    (
        "HTML",
        '<pre><code class="language-python">print(1 &lt; 2)</code></pre>',
        "print(1 < 2)",
        [{"type": "pre", "offset": 0, "length": 12, "language": "python"}],
    ),
    (
        "MarkdownV2",
        "😀 *bold* [link](https://ex.com/a\\)b) ||spoiler|| 1\\.5",
        "😀 bold link spoiler 1.5",
        [
            {"type": "bold", "offset": 3, "length": 4},
            {"type": "text_link", "offset": 8, "length": 4, "url": "https://ex.com/a)b"},
            {"type": "spoiler", "offset": 13, "length": 7},
        ],
    ),
    (
        "MarkdownV2",
        "```python\nx = 1\n```",
        "x = 1\n",
        [{"type": "pre", "offset": 0, "length": 6, "language": "python"}],
    ),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("mode", "source", "text", "entities"), FORMATTING_CASES)
async def test_parse_modes(
    bot: Bot, mode: str, source: str, text: str, entities: list[dict[str, Any]]
) -> None:
    message = await bot.send_message(1001, source, parse_mode=mode)
    assert message.text == text
    assert dumped(message.entities or []) == entities


# --------------------------------------------------------------------------------------------
# polls


@pytest.mark.asyncio
async def test_quiz_poll_and_stop(bot: Bot, fake_api: FakeBotAPI) -> None:
    message = await bot.send_poll(
        1001,
        "Which reduce variance?",
        [InputPollOption(text="Bagging"), "L2 regularisation", "More features"],
        type="quiz",
        correct_option_ids=[0, 1],
        allows_multiple_answers=True,
        is_anonymous=False,
        explanation="Averaging and shrinkage both reduce variance",
        description="Regularisation, topic 3",
        open_period=600,
    )
    strict(message)
    poll = message.poll
    assert poll is not None
    assert poll.type == "quiz"
    assert poll.correct_option_ids == [0, 1]
    assert [option.text for option in poll.options] == [
        "Bagging",
        "L2 regularisation",
        "More features",
    ]
    assert len({option.persistent_id for option in poll.options}) == 3
    assert all(option.voter_count == 0 for option in poll.options)
    assert poll.is_anonymous is False
    assert poll.allows_revoting is False  # quizzes: false by default
    assert poll.members_only is False
    assert poll.explanation == "Averaging and shrinkage both reduce variance"
    assert poll.description == "Regularisation, topic 3"
    assert poll.open_period == 600
    assert message.text is None
    state = fake_api.polls_sent(1001)[0]
    assert state.id == poll.id
    assert state.message_id == message.message_id

    fake_api.answer_poll(ALICE, poll.id, [0, 1])
    stopped = await bot.stop_poll(1001, message.message_id)
    strict(stopped)
    assert isinstance(stopped, Poll)
    assert stopped.is_closed
    assert stopped.total_voter_count == 1
    assert [option.voter_count for option in stopped.options] == [1, 1, 0]
    with pytest.raises(TelegramBadRequest, match="poll has already been closed"):
        await bot.stop_poll(1001, message.message_id)
    with pytest.raises(ValueError, match="closed"):
        fake_api.answer_poll(BOB, poll.id, [0])

    regular = await bot.send_poll(1001, "Tea or coffee?", ["Tea", "Coffee"])
    assert regular.poll is not None
    assert regular.poll.is_anonymous is True
    assert regular.poll.type == "regular"
    assert regular.poll.allows_revoting is True
    assert regular.poll.correct_option_ids is None


POLL_CASES: list[tuple[dict[str, Any], str]] = [
    ({"question": "q" * 301}, "poll question length must not exceed 300"),
    ({"question": " "}, "poll question must be non-empty"),
    ({"options": [f"o{i}" for i in range(13)]}, "can't have more than 12 options"),
    ({"options": []}, "at least one answer option"),
    ({"options": ["only"], "type": "quiz", "correct_option_ids": [0]}, "at least 2"),
    ({"options": ["a", "b" * 101]}, "poll options length must not exceed 100"),
    ({"type": "quiz"}, "correct_option_ids must be specified"),
    ({"type": "quiz", "correct_option_ids": [5]}, "wrong correct option ids"),
    ({"type": "quiz", "correct_option_ids": [0], "explanation": "a\nb\nc\nd"}, "2 line feeds"),
    ({"type": "quiz", "correct_option_ids": [0], "explanation": "e" * 201}, "too long"),
    ({"description": "d" * 1025}, "description is too long"),
    ({"open_period": 3}, "wrong open period"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("overrides", "error"), POLL_CASES)
async def test_poll_validation(bot: Bot, overrides: dict[str, Any], error: str) -> None:
    kwargs: dict[str, Any] = {"chat_id": 1001, "question": "Q?", "options": ["a", "b"]}
    kwargs.update(overrides)
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_poll(**kwargs)


@pytest.mark.asyncio
async def test_poll_in_channel_must_be_anonymous(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(-1009876543210, "channel", "ML daily", username="mldaily")
    with pytest.raises(TelegramBadRequest, match="non-anonymous polls can't be sent"):
        await bot.send_poll(-1009876543210, "Q?", ["a", "b"], is_anonymous=False)
    post = await bot.send_poll("@mldaily", "Q?", ["a", "b"])
    strict(post)
    assert post.sender_chat is not None
    assert post.sender_chat.id == -1009876543210
    assert post.from_user is None


# --------------------------------------------------------------------------------------------
# updates


@pytest.mark.asyncio
async def test_updates_parse_in_aiogram(bot: Bot, fake_api: FakeBotAPI) -> None:
    sent = await bot.send_message(
        1001,
        "Pick one",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="answer:a")]]
        ),
    )
    quiz = await bot.send_poll(
        1001, "2+2?", ["3", "4"], type="quiz", correct_option_ids=[1], is_anonymous=False
    )
    assert quiz.poll is not None
    fake_api.add_chat(GROUP_ID, "supergroup", "ML drills", admins=[BOB])

    pushed = [
        fake_api.send_text(ALICE, "/start deep_link"),
        fake_api.click(ALICE, fake_api.calls_of("sendMessage")[0].result, "answer:a"),
        fake_api.answer_poll(ALICE, quiz.poll.id, [1]),
        fake_api.chat_member_update(GROUP_ID, BOB, "left", "administrator"),
    ]
    updates = await updates_of(bot)
    # answer_poll also pushes a poll update with the new counts, right after the poll_answer
    assert [u.update_id for u in updates] == [u["update_id"] for u in pushed[:3]] + [
        pushed[2]["update_id"] + 1,
        pushed[3]["update_id"],
    ]
    start, callback, answer, poll_state, member = updates

    assert start.message is not None
    assert start.message.text == "/start deep_link"
    assert dumped(start.message.entities) == dumped(
        [MessageEntity(type="bot_command", offset=0, length=6)]
    )
    assert start.message.from_user is not None
    assert start.message.from_user.first_name == "Alice"
    assert start.message.chat.id == 1001

    assert callback.callback_query is not None
    assert callback.callback_query.data == "answer:a"
    assert isinstance(callback.callback_query.message, Message)
    assert callback.callback_query.message.message_id == sent.message_id

    assert answer.poll_answer is not None
    assert answer.poll_answer.option_ids == [1]
    assert answer.poll_answer.option_persistent_ids == [quiz.poll.options[1].persistent_id]
    assert answer.poll_answer.user is not None
    assert answer.poll_answer.user.id == 1001
    assert poll_state.poll is not None
    assert poll_state.poll.total_voter_count == 1
    assert poll_state.poll.correct_option_ids == [1]

    assert member.my_chat_member is not None
    assert isinstance(member.my_chat_member.new_chat_member, ChatMemberAdministrator)
    assert member.my_chat_member.new_chat_member.user.id == fake_api.bot_id
    assert isinstance(member.my_chat_member.old_chat_member, ChatMemberLeft)

    # not confirmed yet: the same updates again; then confirm with offset
    again = await updates_of(bot)
    assert [u.update_id for u in again] == [u.update_id for u in updates]
    assert await updates_of(bot, offset=updates[-1].update_id + 1) == []
    assert fake_api.pending_updates == []
    assert all(fake_api.is_delivered(update) for update in pushed)
    assert fake_api.delivered_updates[-1]["my_chat_member"]["chat"]["id"] == GROUP_ID


@pytest.mark.asyncio
async def test_more_update_kinds(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(-4001, "group", "Study group", owner=BOB)
    doc_id = fake_api.add_file(b"%PDF-1.4 fake", "notes.pdf", "application/pdf")
    pushed = [
        fake_api.migrate_group(-4001, GROUP_ID),
        fake_api.send_document(ALICE, doc_id, caption="my notes"),
        fake_api.send_user_poll(ALICE, "Own quiz", ["x", "y"], correct_option_ids=[1]),
        fake_api.forward_poll(
            ALICE,
            "Forwarded quiz",
            ["x", "y"],
            correct_option_ids=[0],
            forward_from={"id": -1009876543210, "type": "channel", "title": "Quizzes"},
        ),
        fake_api.chat_member_update(None, ALICE, "member", "kicked"),
        fake_api.send_text(BOB, "/help@interview_drill_bot", GROUP_ID, anonymous_admin=True),
    ]
    updates = await updates_of(bot)
    assert len(updates) == len(pushed) + 1  # migration: two service messages
    migrate_to, migrate_from, document, own, forwarded, blocked, anonymous = updates
    assert migrate_to.message is not None
    assert migrate_to.message.migrate_to_chat_id == GROUP_ID
    assert migrate_from.message is not None
    assert migrate_from.message.migrate_from_chat_id == -4001
    assert document.message is not None
    assert document.message.document is not None
    assert document.message.document.file_name == "notes.pdf"
    assert document.message.caption == "my notes"
    assert own.message is not None
    assert own.message.poll is not None
    assert own.message.poll.correct_option_ids == [1]
    assert forwarded.message is not None
    assert forwarded.message.poll is not None
    assert forwarded.message.poll.correct_option_ids is None
    assert forwarded.message.forward_origin is not None
    assert blocked.my_chat_member is not None
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert anonymous.message is not None
    assert anonymous.message.from_user is not None
    assert anonymous.message.from_user.username == "GroupAnonymousBot"
    assert anonymous.message.sender_chat is not None
    assert anonymous.message.sender_chat.id == GROUP_ID

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALICE["id"], "are you there?")
    with pytest.raises(TelegramMigrateToChat) as migration:
        await bot.send_message(-4001, "hello old group")
    assert migration.value.migrate_to_chat_id == GROUP_ID
    assert (await bot.send_message(GROUP_ID, "hello supergroup")).chat.type == "supergroup"


@pytest.mark.asyncio
async def test_long_polling_and_allowed_updates(bot: Bot, fake_api: FakeBotAPI) -> None:
    started = time.monotonic()
    assert await updates_of(bot, timeout=30) == []  # capped at long_poll_cap (1 s)
    assert 0.8 < time.monotonic() - started < 3

    waiting = asyncio.create_task(updates_of(bot, timeout=30, allowed_updates=["message"]))
    await asyncio.sleep(0.2)
    fake_api.click(ALICE, {"message_id": 1, "chat": {"id": 1001, "type": "private"}}, "x")
    pushed = fake_api.send_text(ALICE, "hello")
    started = time.monotonic()
    updates = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - started < 0.5
    assert [u.update_id for u in updates] == [pushed["update_id"]]
    assert fake_api.allowed_updates == ["message"]
    assert fake_api.allowed_updates_history == [["message"]]
    assert [d.reason for d in fake_api.dropped_updates] == [
        "'callback_query' not in allowed_updates"
    ]

    # an empty list: everything but chat_member / message_reaction(_count)
    fake_api.push_update("chat_member", {"x": 1})
    text = fake_api.send_text(ALICE, "again")
    updates = await updates_of(bot, offset=pushed["update_id"] + 1, allowed_updates=[])
    assert [u.update_id for u in updates] == [text["update_id"]]
    assert fake_api.allowed_updates_history == [["message"], []]


@pytest.mark.asyncio
async def test_privacy_mode_in_groups(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(GROUP_ID, "supergroup", "ML drills")
    chatter = fake_api.send_text(ALICE, "just chatting", GROUP_ID)
    assert "update_id" not in chatter
    command = fake_api.send_text(ALICE, "/quiz@interview_drill_bot", GROUP_ID)
    other_bot = fake_api.send_text(ALICE, "/quiz@other_bot", GROUP_ID)
    assert "update_id" not in other_bot
    posted = await bot.send_message(GROUP_ID, "Quiz!")
    reply = fake_api.send_text(
        ALICE, "my answer", GROUP_ID, reply_to=fake_api.calls_of("sendMessage")[0].result
    )
    updates = await updates_of(bot)
    assert [u.update_id for u in updates] == [command["update_id"], reply["update_id"]]
    assert updates[1].message is not None
    assert updates[1].message.reply_to_message is not None
    assert updates[1].message.reply_to_message.message_id == posted.message_id
    assert len(fake_api.dropped_updates) == 2


@pytest.mark.asyncio
async def test_answer_callback_query(bot: Bot, fake_api: FakeBotAPI) -> None:
    message = await bot.send_message(
        1001,
        "Pick",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
        ),
    )
    update = fake_api.click(ALICE, message.model_dump(by_alias=True, exclude_none=True), "a")
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Right!") is True
    assert fake_api.callback_queries[query_id] == {"callback_query_id": query_id, "text": "Right!"}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)


# --------------------------------------------------------------------------------------------
# faults


FAULT_CASES: list[tuple[Fault, type[Exception]]] = [
    (too_many_requests(7), TelegramRetryAfter),
    (server_error(500), TelegramServerError),
    (server_error(502), TelegramServerError),
    (forbidden("bot was blocked by the user"), TelegramForbiddenError),
    (bad_request("chat not found"), TelegramBadRequest),
    (migrated(-1001111111111), TelegramMigrateToChat),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("fault", "exception"), FAULT_CASES)
async def test_fault_raises_matching_exception(
    bot: Bot, fake_api: FakeBotAPI, fault: Fault, exception: type[Exception]
) -> None:
    fake_api.fail_next("sendMessage", fault)
    with pytest.raises(exception) as caught:
        await bot.send_message(1001, "hello")
    if isinstance(caught.value, TelegramRetryAfter):
        assert caught.value.retry_after == 7
    if isinstance(caught.value, TelegramMigrateToChat):
        assert caught.value.migrate_to_chat_id == -1001111111111
    call = fake_api.calls_of("sendMessage")[-1]
    assert call.fault == fault
    assert call.status == fault.status
    # one-shot: the next call goes through
    assert (await bot.send_message(1001, "hello")).text == "hello"


@pytest.mark.asyncio
async def test_delay_fault_times_out_the_client(fake_api: FakeBotAPI) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_api.url), timeout=0.3)
    impatient = Bot(fake_api.token, session=session)
    try:
        fake_api.fail_next("sendMessage", delay(1.0))
        with pytest.raises(TelegramNetworkError):
            await impatient.send_message(1001, "slow")
        # the fake still answers (late): Telegram may have sent the message anyway
        late = await fake_api.wait_for_call("sendMessage", timeout=3)
        assert late.ok
        assert late.result["text"] == "slow"
        assert (await impatient.send_message(1001, "fast")).text == "fast"
    finally:
        await impatient.session.close()


@pytest.mark.asyncio
async def test_fault_targeting(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.fail_next("sendMessage", too_many_requests(1), times=2, chat_id=1002)
    await bot.send_message(1001, "not affected")
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(1002, "affected")
    await bot.send_message(1002, "through")

    fake_api.fail_next("sendMessage", server_error(502), chat_id=1002, after=1)
    await bot.send_message(1002, "first part")
    with pytest.raises(TelegramServerError):
        await bot.send_message(1002, "second part")

    fake_api.fail_chat(1001, forbidden())
    for _ in range(3):
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(1001, "blocked")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(1001, "typing")
    fake_api.fail_next("*", server_error())
    with pytest.raises(TelegramServerError):
        await bot.get_me()
    fake_api.clear_faults()
    await bot.send_message(1001, "unblocked")
    assert fake_api.sent_texts(1001) == ["not affected", "unblocked"]
    assert fake_api.sent_texts(1002) == ["through", "first part"]


@pytest.mark.asyncio
async def test_webhook_conflicts_with_polling(bot: Bot, fake_api: FakeBotAPI) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS URL"):
        await bot.set_webhook("http://example.com/hook")
    assert await bot.set_webhook("https://example.com/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    strict(info)
    assert info.url == "https://example.com/hook"
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    fake_api.send_text(ALICE, "queued")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await updates_of(bot) == []
    assert (await bot.get_webhook_info()).url == ""


@pytest.mark.asyncio
async def test_wrong_token(fake_api: FakeBotAPI) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_api.url))
    stranger = Bot("42:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", session=session)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


# --------------------------------------------------------------------------------------------
# files, chats, commands


@pytest.mark.asyncio
async def test_files(bot: Bot, fake_api: FakeBotAPI) -> None:
    image = png(640, 480)
    photo_message = await bot.send_photo(
        1001, BufferedInputFile(image, "chart.png"), caption="<i>loss</i> curve", parse_mode="HTML"
    )
    strict(photo_message)
    assert photo_message.photo is not None
    largest = photo_message.photo[-1]
    assert (largest.width, largest.height) == (640, 480)
    assert photo_message.caption == "loss curve"
    assert dumped(photo_message.caption_entities) == dumped(
        [MessageEntity(type="italic", offset=0, length=4)]
    )
    call = fake_api.calls_of("sendPhoto")[0]
    assert [upload.content for upload in call.files.values()] == [image]

    document = await bot.send_document(1001, BufferedInputFile(b"a,b\n1,2\n", "data.csv"))
    strict(document)
    assert document.document is not None
    assert document.document.file_name == "data.csv"
    assert document.document.mime_type == "text/csv"
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(1001, document.document.file_id, caption="c" * 1025)

    stored = await bot.get_file(largest.file_id)
    strict(stored)
    assert stored.file_path is not None
    buffer = io.BytesIO()
    await bot.download_file(stored.file_path, buffer)
    assert buffer.getvalue() == image

    uploaded = fake_api.add_file(b"user bytes", "answer.txt", "text/plain")
    downloaded = await bot.download(uploaded)
    assert downloaded is not None
    assert downloaded.read() == b"user bytes"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


@pytest.mark.asyncio
async def test_chats_and_members(bot: Bot, fake_api: FakeBotAPI) -> None:
    carol = make_user(1003, "Carol")
    fake_api.add_chat(
        GROUP_ID,
        "supergroup",
        "ML drills",
        owner=ALICE,
        admins=[BOB],
        members=[carol],
        bot_status="administrator",
    )
    chat = await bot.get_chat(GROUP_ID)
    strict(chat)
    assert isinstance(chat, ChatFullInfo)
    assert chat.title == "ML drills"
    private = await bot.get_chat(1001)
    strict(private)
    assert private.first_name == "Alice"

    owner = await bot.get_chat_member(GROUP_ID, ALICE["id"])
    admin = await bot.get_chat_member(GROUP_ID, BOB["id"])
    member = await bot.get_chat_member(GROUP_ID, carol["id"])
    me = await bot.get_chat_member(GROUP_ID, fake_api.bot_id)
    for item in (owner, admin, member, me):
        strict(item)
    assert isinstance(owner, ChatMemberOwner)
    assert isinstance(admin, ChatMemberAdministrator)
    assert isinstance(member, ChatMemberMember)
    assert isinstance(me, ChatMemberAdministrator)
    admins = await bot.get_chat_administrators(GROUP_ID)
    strict(admins)
    assert {a.user.id for a in admins} == {ALICE["id"], BOB["id"], fake_api.bot_id}
    assert await bot.get_chat_member_count(GROUP_ID) == 4
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_chat_member(GROUP_ID, 5555)

    posted = await bot.send_message(GROUP_ID, "Pinned rules")
    assert await bot.pin_chat_message(GROUP_ID, posted.message_id)
    pinned = (await bot.get_chat(GROUP_ID)).pinned_message
    assert pinned is not None
    assert pinned.message_id == posted.message_id
    assert await bot.send_chat_action(GROUP_ID, "typing")
    assert fake_api.chat_actions == [(GROUP_ID, "typing")]

    assert await bot.leave_chat(GROUP_ID)
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup"):
        await bot.send_message(GROUP_ID, "still here?")
    update = (await updates_of(bot))[-1]
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "left"


@pytest.mark.asyncio
async def test_a_forwarded_channel_post_names_its_channel(bot: Bot, fake_api: FakeBotAPI) -> None:
    channel = fake_api.add_chat(-1009876543210, "channel", "ML Interview", username="ml_int")
    fake_api.forward_text(ALICE, "❓ Today's question", forward_from=channel)
    (update,) = await updates_of(bot)
    strict(update)
    assert update.message is not None
    assert update.message.chat.id == ALICE["id"]
    origin = update.message.forward_origin
    assert isinstance(origin, MessageOriginChannel)
    assert (origin.chat.id, origin.chat.username) == (-1009876543210, "ml_int")


@pytest.mark.asyncio
async def test_rights_can_be_narrowed_per_member(bot: Bot, fake_api: FakeBotAPI) -> None:
    channel_id = -1009876543210
    fake_api.add_chat(channel_id, "channel", "ML Interview", admins=[BOB])
    fake_api.set_rights(channel_id, fake_api.bot_id, can_post_messages=False)
    me = await bot.get_chat_member(channel_id, fake_api.bot_id)
    strict(me)
    assert isinstance(me, ChatMemberAdministrator)
    assert me.can_post_messages is False
    admins = {a.user.id: a for a in await bot.get_chat_administrators(channel_id)}
    listed = admins[fake_api.bot_id]
    assert isinstance(listed, ChatMemberAdministrator)
    assert listed.can_post_messages is False
    bob = admins[BOB["id"]]
    assert isinstance(bob, ChatMemberAdministrator)
    assert bob.can_post_messages is True  # only the named member changes
    with pytest.raises(TelegramBadRequest, match="need administrator rights"):
        await bot.send_message(channel_id, "a post")


@pytest.mark.asyncio
async def test_commands_and_descriptions(bot: Bot, fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(GROUP_ID, "supergroup", "ML drills")
    public = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="quiz", description="A quiz"),
    ]
    admin = [BotCommand(command="stats", description="Group stats")]
    assert await bot.set_my_commands(public)
    assert await bot.set_my_commands(public[:1], language_code="ru")
    assert await bot.set_my_commands(admin, scope=BotCommandScopeAllChatAdministrators())
    assert await bot.set_my_commands(admin, scope=BotCommandScopeChat(chat_id=GROUP_ID))
    got = await bot.get_my_commands()
    strict(got)
    assert dumped(got) == dumped(public)
    assert dumped(await bot.get_my_commands(language_code="ru")) == dumped(public[:1])
    assert dumped(
        await bot.get_my_commands(scope=BotCommandScopeAllChatAdministrators())
    ) == dumped(admin)
    assert fake_api.commands({"type": "all_chat_administrators"}) == [
        {"command": "stats", "description": "Group stats"}
    ]
    assert fake_api.commands({"type": "chat", "chat_id": str(GROUP_ID)}) is not None
    assert fake_api.commands({"type": "all_private_chats"}) is None
    assert await bot.delete_my_commands(scope=BotCommandScopeAllChatAdministrators())
    assert await bot.get_my_commands(scope=BotCommandScopeAllChatAdministrators()) == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.set_my_commands(admin, scope=BotCommandScopeChat(chat_id=-100777))

    assert await bot.set_my_description("Drills for ML interviews")
    assert await bot.set_my_short_description("ML drills", language_code="en")
    description = await bot.get_my_description()
    strict(description)
    assert description.description == "Drills for ML interviews"
    assert (await bot.get_my_short_description(language_code="en")).short_description == (
        "ML drills"
    )
    assert fake_api.bot_texts["short_description"] == {"en": "ML drills"}
    assert await bot.log_out()
    assert fake_api.logged_out
    assert await bot.close()
    assert fake_api.closed


# --------------------------------------------------------------------------------------------
# recording


@pytest.mark.asyncio
async def test_wait_for_call_returns_successive_calls(bot: Bot, fake_api: FakeBotAPI) -> None:
    async def later() -> None:
        for text in ("one", "two", "three"):
            await asyncio.sleep(0.05)
            await bot.send_message(1001, text)

    task = asyncio.create_task(later())
    texts = [(await fake_api.wait_for_call("sendMessage")).params["text"] for _ in range(3)]
    await task
    assert texts == ["one", "two", "three"]
    with pytest.raises(TimeoutError, match="no matching sendMessage call"):
        await fake_api.wait_for_call("sendMessage", timeout=0.2)

    mark = len(fake_api.calls)
    await bot.send_message(1002, "four")
    await bot.send_message(1001, "five")
    call = await fake_api.wait_for_call(
        "sendMessage", lambda c: c.params["chat_id"] == 1001, after=mark
    )
    assert call.result["text"] == "five"
    assert call.index == mark + 1
    assert [c.params["text"] for c in fake_api.calls_of("sendMessage", chat_id=1002)] == ["four"]


# --------------------------------------------------------------------------------------------
# the bot process


ECHO_BOT = """
import asyncio
import os
import sys

# Settings first, as the real bot does: a bad one exits before aiogram's seconds of imports.
token = os.environ.get("BOT_TOKEN", "")
if not token:
    print("config error: BOT_TOKEN is not set", file=sys.stderr)
    sys.exit(2)

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(token, session=AiohttpSession(api=api))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    await dispatcher.start_polling(bot)
    print("stopped cleanly")


asyncio.run(main())
"""


@pytest.fixture
def echo_bot_dir(tmp_path: Path) -> Path:
    package = tmp_path / "echo" / "bot"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "__main__.py").write_text(textwrap.dedent(ECHO_BOT))
    return package.parent


@pytest.mark.asyncio
async def test_bot_process_round_trip(
    fake_api: FakeBotAPI, bot_process: StartBot, echo_bot_dir: Path
) -> None:
    process = await bot_process(cwd=echo_bot_dir)
    assert process.running
    assert fake_api.allowed_updates == ["message"]
    fake_api.send_text(ALICE, "hi there")
    call = await fake_api.wait_for_call("sendMessage", timeout=10)
    assert call.params == {"chat_id": 1001, "text": "echo: hi there"}
    assert call.ok
    assert await process.stop() == 0
    assert "stopped cleanly" in process.log


@pytest.mark.asyncio
async def test_bot_process_bad_config(
    fake_api: FakeBotAPI, echo_bot_dir: Path, tmp_path: Path
) -> None:
    env = {**bot_env(fake_api), "BOT_TOKEN": ""}
    process = BotProcess(env, echo_bot_dir, log_path=tmp_path / "bad.log")
    await process.start()
    assert await process.wait_exit(timeout=20) == 2
    assert "BOT_TOKEN is not set" in process.log

    failing = BotProcess(env, echo_bot_dir)
    with pytest.raises(BotProcessError, match="exited with code 2 before polling") as caught:
        await failing.start(wait_for_polling=fake_api)
    assert "BOT_TOKEN is not set" in str(caught.value)


@pytest.mark.asyncio
async def test_bot_process_uses_this_interpreter(echo_bot_dir: Path) -> None:
    process = BotProcess({}, echo_bot_dir)
    assert process.python == sys.executable
    assert process.log == ""
    with pytest.raises(RuntimeError, match="not started"):
        await process.stop()
