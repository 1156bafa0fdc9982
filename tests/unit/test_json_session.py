"""The bot's Bot API session: JSON bodies, the same parameters and errors as aiogram's forms."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputPollOption,
    Message,
    MessageEntity,
    ReplyParameters,
)

from bot.platform.telegram.json_session import JsonBodySession, sent_ids_only
from tests.fakebot import FakeBotAPI, bad_request, too_many_requests

LEARNER = 1001

Call = Callable[[Bot, datetime], Awaitable[Any]]  # a call at an instant

CALLS: list[Call] = [
    lambda bot, now: bot.send_message(
        LEARNER, "Привет & =?", entities=[MessageEntity(type="bold", offset=0, length=6)],
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="Дальше", callback_data="next:1")]]),
        allow_paid_broadcast=True,
    ),
    lambda bot, now: bot.send_poll(
        LEARNER, question="Что такое L2?", type="quiz", correct_option_ids=[1],
        options=[InputPollOption(text="штраф L1"), InputPollOption(text="штраф L2")],
        explanation="Сумма квадратов", is_anonymous=False,
        close_date=now + timedelta(minutes=10),
    ),
]


def same_but_ids(message: Message) -> dict[str, Any]:
    """The message as validated, without what the fake numbers anew for each message."""
    dumped = message.model_dump(mode="json", exclude={"message_id", "date"})
    if dumped["poll"] is not None:
        dumped["poll"].pop("id")
        for option in dumped["poll"]["options"]:
            option.pop("persistent_id")
    return dumped


@pytest.fixture
async def bots(fake_api: FakeBotAPI) -> AsyncIterator[dict[str, Bot]]:
    """The bot's session and aiogram's own, on the same fake Bot API."""
    api = TelegramAPIServer.from_base(fake_api.url)
    sessions: dict[str, BaseSession] = {"json": JsonBodySession(api=api),
                                        "form": AiohttpSession(api=api)}
    bots = {name: Bot(fake_api.token, session=session) for name, session in sessions.items()}
    yield bots
    for bot in bots.values():
        await bot.session.close()


@pytest.mark.parametrize("call", CALLS)
async def test_a_call_without_files_goes_as_json_with_the_forms_parameters(
    fake_api: FakeBotAPI, bots: dict[str, Bot], call: Call
) -> None:
    now = datetime.now(UTC)
    form_message = await call(bots["form"], now)
    json_message = await call(bots["json"], now)

    form_call, json_call = fake_api.calls[-2:]
    assert json_call.content_type == "application/json"
    assert form_call.content_type == "application/x-www-form-urlencoded"
    assert json_call.params == form_call.params
    assert same_but_ids(json_message) == same_but_ids(form_message)


async def test_a_call_with_a_file_goes_as_aiograms_multipart_form(
    fake_api: FakeBotAPI, bots: dict[str, Bot]
) -> None:
    await bots["json"].send_document(LEARNER, BufferedInputFile(b"1,2\n", "answers.csv"),
                                     caption="Ответы")

    call = fake_api.calls[-1]
    assert call.ok
    assert call.content_type == "multipart/form-data"
    assert call.params["caption"] == "Ответы"
    assert [file.filename for file in call.files.values()] == ["answers.csv"]


async def test_refusals_raise_what_aiogram_raises(
    fake_api: FakeBotAPI, bots: dict[str, Bot]
) -> None:
    raised: dict[str, list[Exception]] = {}
    for name, bot in bots.items():
        raised[name] = []
        fake_api.fail_next("sendMessage", too_many_requests(7))
        fake_api.fail_next("sendMessage", bad_request("chat not found"))
        for text in ("first", "second", " "):  # a blank text: the fake's own validation
            with pytest.raises((TelegramRetryAfter, TelegramBadRequest)) as error:
                await bot.send_message(LEARNER, text)
            raised[name].append(error.value)

    assert [(type(error), str(error)) for error in raised["json"]] == [
        (type(error), str(error)) for error in raised["form"]]
    retry_after = raised["json"][0]
    assert isinstance(retry_after, TelegramRetryAfter)
    assert retry_after.retry_after == 7


class SeenMethods(BaseRequestMiddleware):
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        self.seen.append(method.__api_method__)
        return await make_request(bot, method)


async def test_the_session_middlewares_wrap_every_call(
    fake_api: FakeBotAPI, bots: dict[str, Bot]
) -> None:
    bot = bots["json"]
    middleware = SeenMethods()
    bot.session.middleware(middleware)

    await bot.get_me()
    first = await bot.send_message(LEARNER, "x")
    await bot.send_message(LEARNER, "y", reply_parameters=ReplyParameters(
        message_id=first.message_id))

    assert middleware.seen == ["getMe", "sendMessage", "sendMessage"]
    assert fake_api.calls[-1].params["reply_parameters"] == {"message_id": first.message_id}


async def test_inside_sent_ids_only_a_sent_message_is_read_for_its_ids_alone(
    fake_api: FakeBotAPI, bots: dict[str, Bot]
) -> None:
    bot = bots["json"]
    with sent_ids_only():
        quiz = await CALLS[1](bot, datetime.now(UTC))
        post = await CALLS[0](bot, datetime.now(UTC))
    outside = await CALLS[0](bot, datetime.now(UTC))

    answers = [call.result for call in fake_api.calls[-3:]]
    assert quiz.poll is not None
    assert (quiz.message_id, quiz.chat.id, quiz.poll.id) == (
        answers[0]["message_id"], LEARNER, answers[0]["poll"]["id"])
    assert (post.message_id, post.chat.id) == (answers[1]["message_id"], LEARNER)
    assert post.text is None  # not read
    assert outside.text == answers[2]["text"]


@pytest.mark.parametrize(("server", "waits"), [
    ("https://api.telegram.org", [0.25]),
    ("http://127.0.0.1:8081", []),  # a local telegram-bot-api; the tests' fake
])
async def test_closing_waits_for_ssl_connections_only_where_there_can_be_some(
    monkeypatch: pytest.MonkeyPatch, server: str, waits: list[float],
) -> None:
    """aiogram sleeps 250 ms after closing its session, for SSL connections to shut down: each
    test's bot paid it at its end (a minute of the suite's time, over plain HTTP)."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("aiogram.client.session.aiohttp.asyncio",
                        SimpleNamespace(sleep=sleep))
    session = JsonBodySession(api=TelegramAPIServer.from_base(server))
    await session.create_session()
    await session.close()
    assert slept == waits
