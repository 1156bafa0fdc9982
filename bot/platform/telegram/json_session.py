"""aiogram's aiohttp session, sending JSON request bodies and reading answers in one pass.

aiogram sends every call as a form (urlencoded, or multipart with files), quoting each
parameter in pure Python: for a broadcast's 1 800-character Cyrillic post that was a tenth of
the bot's CPU per post. The Bot API takes ``application/json`` bodies as well, so calls without
files go as JSON (encoded in C); calls with files stay multipart, as aiogram sends them. The
parameters are prepared by aiogram's own ``prepare_value``, so defaults, enums, dates and
nested objects reach Telegram as they would in the form.

Successful answers are validated straight from their JSON text (pydantic's parser, no dicts in
between); anything else takes aiogram's own ``check_response``, so errors are raised exactly
as before. Inside :func:`sent_ids_only` a sent message is read for its ids alone: validating a
whole ``Message`` (its poll, its text's entities) cost 50-100 µs a post in a broadcast that
keeps only the message's and the poll's ids.

The session middlewares (retry, rate limit, metrics, the daily posts' write-ahead) wrap
``make_request`` as before.

Closing waits aiogram's 250 ms for SSL connections to shut down only when there can be some: a
Bot API server reached over plain HTTP (a local telegram-bot-api, the tests' fake) has none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final, cast

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message, Poll
from aiohttp import ClientError, ClientTimeout
from aiohttp.hdrs import CONTENT_TYPE
from pydantic import BaseModel, ValidationError

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.types import InputFile

JSON_HEADERS: Final = {CONTENT_TYPE: "application/json"}
_JSON_SCALARS: Final = frozenset({str, int, float, bool})

_sent_ids_only: ContextVar[bool] = ContextVar("sent_ids_only", default=False)


@contextmanager
def sent_ids_only() -> Iterator[None]:
    """The messages sent inside are read for their ids, date and chat (and their poll's id):
    nothing else of them is set. For callers that keep only those (a broadcast's posts)."""
    token = _sent_ids_only.set(True)
    try:
        yield
    finally:
        _sent_ids_only.reset(token)


class _SentChat(BaseModel):
    id: int
    type: str


class _SentPoll(BaseModel):
    id: str


# What each message read for its ids is copied from: an aiogram Message built field by field
# (model_construct) walks the defaults of its ~150 fields, 0.2 ms. The poll has its id alone,
# which aiogram's typed constructor does not allow for.
_BLANK_MESSAGE: Final = Message.model_validate(
    {"message_id": 0, "date": 0, "chat": {"id": 0, "type": "private"}})
_BLANK_POLL_FIELDS: Final[dict[str, Any]] = {"id": ""}
_BLANK_POLL: Final = Poll.model_construct(**_BLANK_POLL_FIELDS)


class _SentMessage(BaseModel):
    message_id: int
    date: datetime
    chat: _SentChat
    poll: _SentPoll | None = None

    def message(self) -> Message:
        """An aiogram ``Message`` with these fields only (not validated again)."""
        return _BLANK_MESSAGE.model_copy(update={
            "message_id": self.message_id, "date": self.date,
            "chat": _BLANK_MESSAGE.chat.model_copy(update=self.chat.model_dump()),
            "poll": None if self.poll is None else _BLANK_POLL.model_copy(
                update={"id": self.poll.id}),
        })


class _SentResponse(BaseModel):
    ok: bool
    result: _SentMessage | None = None


class JsonBodySession(AiohttpSession):
    async def close(self) -> None:
        if self.api.base.startswith("https:"):
            await super().close()
        elif self._session is not None and not self._session.closed:
            await self._session.close()

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        body = self.json_body(bot, method)
        if body is None:  # files: multipart, as aiogram sends it
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            wait = ClientTimeout(total=self.timeout if timeout is None else timeout)
            async with session.post(url, data=body, headers=JSON_HEADERS, timeout=wait) as resp:
                content = await resp.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            raise TelegramNetworkError(method=method,
                                       message=f"{type(error).__name__}: {error}") from error
        response = self.check_response(bot=bot, method=method, status_code=resp.status,
                                       content=content)
        return cast(TelegramType, response.result)

    def json_body(self, bot: Bot, method: TelegramMethod[TelegramType]) -> bytes | None:
        """The call's parameters as a JSON object, the same ones aiogram's form would carry;
        None when the call uploads files."""
        files: dict[str, InputFile] = {}
        parameters: dict[str, Any] = {}
        # Nones are left out either way (aiogram's form skips them); excluded here, they are
        # never walked.
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            prepared = self._prepared(value, bot, files)
            if prepared is None or prepared == "":  # what the form skips
                continue
            parameters[key] = prepared
        if files:
            return None
        return json.dumps(parameters, ensure_ascii=False).encode()

    def _prepared(self, value: Any, bot: Bot, files: dict[str, InputFile]) -> Any:
        """``prepare_value`` for a JSON body, which walks a post's lists of entities and
        options quicker: JSON's own types are taken as they are (``prepare_value`` keeps them
        too, after trying each other type it knows)."""
        kind = type(value)
        if kind in _JSON_SCALARS:
            return value
        if kind is list:
            return [item for item in (self._prepared(item, bot, files) for item in value)
                    if item is not None]
        if kind is dict:
            return {key: item for key, item in
                    ((key, self._prepared(item, bot, files)) for key, item in value.items())
                    if item is not None}
        return self.prepare_value(value, bot=bot, files=files, _dumps_json=False)

    def check_response(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        status_code: int,
        content: str,
    ) -> Response[TelegramType]:
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            response = self._success(bot, method, content)
            if response is not None:
                return response
        return super().check_response(bot, method, status_code, content)

    @staticmethod
    def _success(
        bot: Bot, method: TelegramMethod[TelegramType], content: str
    ) -> Response[TelegramType] | None:
        """The answer read in one pass, if it is a success; None: aiogram's own path says what
        is wrong with it."""
        try:
            if _sent_ids_only.get() and method.__returning__ is Message:
                sent = _SentResponse.model_validate_json(content)
                if not sent.ok or sent.result is None:
                    return None
                return cast(Response[TelegramType], Response[Message].model_construct(
                    ok=True, result=sent.result.message()))
            model = Response[method.__returning__]  # type: ignore[name-defined]
            response = model.model_validate_json(content, context={"bot": bot})
        except ValidationError:
            return None
        return cast(Response[TelegramType], response) if response.ok else None
