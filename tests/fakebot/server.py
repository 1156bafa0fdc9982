"""A fake Telegram Bot API server for tests: aiohttp on 127.0.0.1, owned by the test.

The bot under test talks HTTP to it exactly as it talks to Telegram (aiogram's
``TelegramAPIServer.from_base(api.url)``): ``POST {url}/bot{token}/{method}`` with
multipart/form-data, urlencoded or JSON parameters; files at ``{url}/file/bot{token}/{path}``.

Every answer is a valid Bot API response (checked against aiogram's types by
``test_fakebot.py``). The test pushes updates (see ``updates.py``), injects faults, and reads
back every call the bot made (``api.calls``), with the result it got.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import mimetypes
import re
import secrets
import struct
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import ClientError, ClientSession, web

from . import ephemeral as _ephemeral
from . import updates as _updates
from .formatting import FormattingError, UnsupportedParseMode, apply_formatting, utf16_len
from .forums import ForumTopic, ForumTopics
from .inline import InlineAnswer, InlineMode
from .rich import RichRefused, checked_rich_message, plain_text

__all__ = [
    "DEFAULT_TOKEN",
    "GROUP_ANONYMOUS_BOT_ID",
    "ApiError",
    "Call",
    "ChatState",
    "DroppedUpdate",
    "FakeBotAPI",
    "Fault",
    "PollState",
    "StoredFile",
    "UploadedFile",
    "api_error",
    "bad_request",
    "delay",
    "forbidden",
    "migrated",
    "server_error",
    "too_many_requests",
]

JSONDict = dict[str, Any]
UserRef = Mapping[str, Any] | int
ChatType = Literal["private", "group", "supergroup", "channel"]
Handler = Callable[["Params"], Any]

log = logging.getLogger("fakebot")

DEFAULT_TOKEN = "123456789:AAH-fake-token-for-tests-only-xxxxx"
GROUP_ANONYMOUS_BOT_ID = 1087968824

MESSAGE_TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
POLL_QUESTION_LIMIT = 300
POLL_OPTION_LIMIT = 100
POLL_MAX_OPTIONS = 12
POLL_EXPLANATION_LIMIT = 200
POLL_EXPLANATION_MAX_LINE_FEEDS = 2
POLL_DESCRIPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
# What the bot's catalogs use for values filled at run time: "Тренировать: {topic}".
UNFILLED_PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}")
GET_FILE_LIMIT = 20 * 1024 * 1024

#: Update types Telegram leaves out when ``allowed_updates`` is empty or was never set.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})

# Parameters that are plain strings in the Bot API: never JSON-decoded (a text "123" stays "123").
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "question",
        "explanation",
        "description",
        "short_description",
        "name",
        "parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "url",
        "secret_token",
        "ip_address",
        "action",
        "emoji",
        "title",
        "custom_title",
        "language_code",
        "type",
        "photo",
        "document",
        "audio",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "file_id",
        "certificate",
    }
)


# --------------------------------------------------------------------------------------------
# Errors and faults


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": status, "description": ..., ...}``."""

    def __init__(
        self, status: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters) if parameters else None

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body


def _bad(description: str, parameters: Mapping[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", parameters)


@dataclass(frozen=True)
class Fault:
    """Something that goes wrong with one call: an error answer, or a late answer.

    ``delay_seconds`` > 0 and ``status`` == 0: the call is answered normally, but late.
    ``delay_seconds`` > 0 and ``status`` != 0: the error is answered late.
    """

    status: int = 0
    description: str = ""
    parameters: Mapping[str, Any] | None = None
    delay_seconds: float = 0.0
    name: str = ""

    def error(self) -> ApiError | None:
        if not self.status:
            return None
        return ApiError(self.status, self.description, self.parameters)


def api_error(status: int, description: str, parameters: Mapping[str, Any] | None = None) -> Fault:
    """Any error answer, e.g. ``api_error(409, "Conflict: ...")``."""
    return Fault(status, description, parameters, name=f"error {status}")


def too_many_requests(retry_after: int = 5) -> Fault:
    """429 with ``parameters.retry_after`` (aiogram: TelegramRetryAfter)."""
    return Fault(
        429,
        f"Too Many Requests: retry after {retry_after}",
        {"retry_after": retry_after},
        name="too_many_requests",
    )


def server_error(code: int = 500) -> Fault:
    """5xx (aiogram: TelegramServerError)."""
    texts = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return Fault(code, texts.get(code, "Internal Server Error"), name=f"server_error {code}")


def delay(seconds: float) -> Fault:
    """Answer normally, but only after ``seconds`` (provokes client timeouts)."""
    return Fault(delay_seconds=seconds, name=f"delay {seconds}")


def forbidden(reason: str = "bot was blocked by the user") -> Fault:
    """403 (aiogram: TelegramForbiddenError)."""
    return Fault(403, f"Forbidden: {reason}", name="forbidden")


def bad_request(reason: str = "chat not found") -> Fault:
    """400 (aiogram: TelegramBadRequest)."""
    return Fault(400, f"Bad Request: {reason}", name="bad_request")


def migrated(new_chat_id: int) -> Fault:
    """400 with ``parameters.migrate_to_chat_id`` (aiogram: TelegramMigrateToChat)."""
    return Fault(
        400,
        "Bad Request: group chat was upgraded to a supergroup chat",
        {"migrate_to_chat_id": new_chat_id},
        name="migrated",
    )


@dataclass
class _OneShotFault:
    method: str  # lower-case; "*" = any method but getUpdates
    fault: Fault
    times: int
    chat_id: int | str | None
    after: int  # matching calls still let through before the fault applies


# --------------------------------------------------------------------------------------------
# Records


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    field_name: str
    filename: str
    content_type: str
    content: bytes


@dataclass
class Call:
    """One request the bot made, and what it got back."""

    index: int
    method: str  # canonical name (e.g. "sendMessage"), or as sent for unknown methods
    params: JSONDict  # JSON fields decoded
    at: float  # time.monotonic() when the request arrived
    files: dict[str, UploadedFile] = field(default_factory=dict)
    status: int | None = None  # HTTP status; None while the call is in progress
    result: Any = None  # the "result" of a successful answer (a snapshot)
    error: str | None = None  # the "description" of an error answer
    response: JSONDict | None = None  # the whole answer body
    fault: Fault | None = None  # the injected fault, if any
    finished_at: float | None = None
    content_type: str = ""  # of the request body: application/json, multipart/form-data, …

    @property
    def done(self) -> bool:
        return self.status is not None

    @property
    def ok(self) -> bool:
        return self.status == 200

    def __repr__(self) -> str:
        state = "…" if self.status is None else str(self.status)
        return f"<Call #{self.index} {self.method} {state} {self.params!r}>"


@dataclass(frozen=True)
class DroppedUpdate:
    """An update pushed by the test that the bot never got, and why."""

    update: JSONDict
    reason: str


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str
    mime_type: str
    file_path: str

    def file_object(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class ChatState:
    """A chat as the fake server knows it."""

    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    owner: JSONDict | None = None
    admins: dict[int, JSONDict] = field(default_factory=dict)
    members: dict[int, JSONDict] = field(default_factory=dict)
    bot_status: str = "member"
    blocked: bool = False  # private chats: the user blocked the bot
    migrated_to: int | None = None
    pinned: list[int] = field(default_factory=list)
    # Rights that differ from make_chat_member's defaults, by user id (the bot's id included).
    rights: dict[int, JSONDict] = field(default_factory=dict)
    next_message_id: int = 1

    def short(self) -> JSONDict:
        """The ``Chat`` object."""
        chat: JSONDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or f"User{self.id}"
            if self.last_name:
                chat["last_name"] = self.last_name
        else:
            chat["title"] = self.title or f"Chat {self.id}"
        if self.username:
            chat["username"] = self.username
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    @property
    def kind_name(self) -> str:
        """How Telegram names the chat in errors: "group", "supergroup", "channel"."""
        return "group" if self.type == "group" else self.type


@dataclass
class PollState:
    """A poll the fake server knows: the Poll object and where it was posted."""

    poll: JSONDict
    chat_id: int
    message_id: int
    sent_by_bot: bool
    close_at: float | None = None
    votes: dict[int, list[int]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.poll["id"])

    @property
    def persistent_ids(self) -> list[str]:
        return [str(option["persistent_id"]) for option in self.poll["options"]]

    def recount(self) -> None:
        counts = [0] * len(self.poll["options"])
        for option_ids in self.votes.values():
            for option_id in option_ids:
                counts[option_id] += 1
        for option, count in zip(self.poll["options"], counts, strict=True):
            option["voter_count"] = count
        self.poll["total_voter_count"] = sum(1 for ids in self.votes.values() if ids)


# --------------------------------------------------------------------------------------------
# Request parameters


def _decode_value(key: str, value: Any) -> Any:
    if key in STRING_PARAMS or key.endswith("_parse_mode") or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _update_id(update: JSONDict | int) -> int:
    return update if isinstance(update, int) else int(update["update_id"])


def _same(a: Any, b: Any) -> bool:
    return bool(a == b or str(a) == str(b))


class Params:
    """The parameters of one call, with Telegram-like errors for wrong or missing ones."""

    def __init__(self, method: str, data: JSONDict, files: Mapping[str, UploadedFile]) -> None:
        self.method = method
        self.data = data
        self.files = files

    def has(self, key: str) -> bool:
        return self.data.get(key) not in (None, "")

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    def get_str(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise _bad(f"{key} is empty")
            return None if value is None else ""
        return value if isinstance(value, str) else str(value)

    def get_int(self, key: str, *, required: bool = False) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise _bad(f"{key} is empty")
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return int(value.strip())
        raise _bad(f"invalid {key} specified")

    def get_bool(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def get_list(self, key: str) -> list[Any] | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {key} JSON object") from None
        if not isinstance(value, list):
            raise _bad(f"can't parse {key} JSON object")
        return value

    def get_dict(self, key: str) -> JSONDict | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {key} JSON object") from None
        if not isinstance(value, dict):
            raise _bad(f"can't parse {key} JSON object")
        return value

    def get_input_file(self, key: str) -> UploadedFile | str | None:
        """An uploaded file (direct part or ``attach://name``), or a file_id / URL string."""
        if key in self.files:
            return self.files[key]
        value = self.data.get(key)
        if value is None or value == "":
            return None
        text = str(value)
        if text.startswith("attach://"):
            name = text[len("attach://") :]
            if name not in self.files:
                raise _bad(f"file {name!r} must be uploaded as a multipart part")
            return self.files[name]
        return text


# --------------------------------------------------------------------------------------------
# Helpers


def _image_size(content: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG image, or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return int(width), int(height)
    if content.startswith(b"\xff\xd8"):
        pos = 2
        while pos + 9 < len(content):
            if content[pos] != 0xFF:
                return None
            marker = content[pos + 1]
            length = int.from_bytes(content[pos + 2 : pos + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2, 0xC3):
                height = int.from_bytes(content[pos + 5 : pos + 7], "big")
                width = int.from_bytes(content[pos + 7 : pos + 9], "big")
                return width, height
            pos += 2 + length
    return None


def _user_short(user: Mapping[str, Any]) -> JSONDict:
    keys = ("id", "is_bot", "first_name", "last_name", "username", "language_code", "is_premium")
    return {key: user[key] for key in keys if user.get(key) is not None}


# --------------------------------------------------------------------------------------------
# Update builders as methods (implemented in updates.py)


class _Builders:
    """Mixed into FakeBotAPI below so that ``api.send_text(...)`` etc. work."""

    def send_text(
        self,
        user: UserRef,
        text: str,
        chat: int | Mapping[str, Any] | None = None,
        *,
        reply_to: Mapping[str, Any] | None = None,
        entities: Sequence[Mapping[str, Any]] | None = None,
        anonymous_admin: bool = False,
        thread_id: int | None = None,
    ) -> JSONDict:
        """A user's text message (private chat by default); see updates.send_text."""
        return _updates.send_text(
            self._api(),
            user,
            text,
            chat,
            reply_to=reply_to,
            entities=entities,
            anonymous_admin=anonymous_admin,
            thread_id=thread_id,
        )

    def click(self, user: UserRef, message: Mapping[str, Any], data: str) -> JSONDict:
        """A callback_query: ``user`` pressed a button with ``data`` under ``message``."""
        return _updates.click(self._api(), user, message, data)

    def answer_poll(
        self, user: UserRef, poll_id: str, option_ids: Sequence[int], *, poll_update: bool = True
    ) -> JSONDict:
        """A poll_answer (non-anonymous polls) or a poll update (anonymous ones)."""
        return _updates.answer_poll(self._api(), user, poll_id, option_ids, poll_update=poll_update)

    def chat_member_update(
        self,
        chat: int | Mapping[str, Any] | None,
        user: UserRef,
        old_status: str,
        new_status: str,
    ) -> JSONDict:
        """A my_chat_member: ``user`` changed the bot's status in ``chat``."""
        return _updates.chat_member_update(self._api(), chat, user, old_status, new_status)

    def migrate_group(
        self, old_chat_id: int, new_chat_id: int, *, by: UserRef | None = None
    ) -> JSONDict:
        """A group becomes a supergroup: service messages; the old id now fails with 400."""
        return _updates.migrate_group(self._api(), old_chat_id, new_chat_id, by=by)

    def forward_text(
        self, user: UserRef, text: str, forward_from: Mapping[str, Any]
    ) -> JSONDict:
        """A user forwards a text message (a channel's post, say) to the bot."""
        return _updates.forward_text(self._api(), user, text, forward_from)

    def send_document(
        self,
        user: UserRef,
        file_id: str,
        caption: str | None = None,
        chat: int | Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """A user's message with a document stored by ``add_file``."""
        return _updates.send_document(self._api(), user, file_id, caption, chat)

    def send_user_poll(
        self,
        user: UserRef,
        question: str,
        options: Sequence[str],
        *,
        type: str = "quiz",
        correct_option_ids: Sequence[int] | None = None,
        explanation: str | None = None,
        is_anonymous: bool = True,
        is_closed: bool = False,
        forward_from: Mapping[str, Any] | None = None,
        chat: int | Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """A user sends (or forwards, with ``forward_from``) a poll to the bot."""
        return _updates.send_user_poll(
            self._api(),
            user,
            question,
            options,
            type=type,
            correct_option_ids=correct_option_ids,
            explanation=explanation,
            is_anonymous=is_anonymous,
            is_closed=is_closed,
            forward_from=forward_from,
            chat=chat,
        )

    def forward_poll(
        self,
        user: UserRef,
        question: str,
        options: Sequence[str],
        *,
        forward_from: Mapping[str, Any],
        type: str = "quiz",
        correct_option_ids: Sequence[int] | None = None,
        is_closed: bool = False,
    ) -> JSONDict:
        """A user forwards someone's poll to the bot (quiz answers hidden unless closed)."""
        return _updates.send_user_poll(
            self._api(),
            user,
            question,
            options,
            type=type,
            correct_option_ids=correct_option_ids,
            is_closed=is_closed,
            forward_from=forward_from,
        )

    def _api(self) -> FakeBotAPI:
        assert isinstance(self, FakeBotAPI)
        return self


# --------------------------------------------------------------------------------------------
# The server


class FakeBotAPI(_Builders, ForumTopics, InlineMode):
    """A fake Bot API server. ``async with FakeBotAPI() as api: ... api.url ...``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "interview_drill_bot",
        first_name: str = "Interview Drill Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        long_poll_cap: float = 1.0,
        privacy_mode: bool = True,
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not sep or not bot_id.isdigit() or not secret:
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(bot_id)
        self.username = username
        self.first_name = first_name
        self.host = host
        self.port = port
        self.long_poll_cap = long_poll_cap
        #: Groups deliver only commands, replies to the bot and service messages.
        self.privacy_mode = privacy_mode
        #: The clock for message dates and poll closing (seconds since the epoch).
        self.clock: Callable[[], float] = time.time

        # recording
        #: Every request, in order. Tests may clear it; Call.index keeps counting.
        self.calls: list[Call] = []
        self._call_seq = 0
        self.internal_errors: list[str] = []
        self._returned: set[int] = set()
        self._changed = asyncio.Event()

        # faults
        self._one_shot: list[_OneShotFault] = []
        self._chat_faults: dict[int | str, Fault] = {}
        self._rich_refused: set[int | str] = set()

        # updates
        self._queue: list[JSONDict] = []
        self._next_update_id = 100_000_001
        self._poll_wakeup = asyncio.Event()
        self._poll_generation = 0
        self._delivered: set[int] = set()
        #: Set by a harness that runs the bot in the test's event loop: returns once the bot
        #: handles no update (a bot polling elsewhere tells Telegram nothing of the kind).
        self.bot_idle: Callable[[], Awaitable[None]] | None = None
        self.delivered_updates: list[JSONDict] = []
        self.dropped_updates: list[DroppedUpdate] = []
        #: The last ``allowed_updates`` received (None: never received).
        self.allowed_updates: list[str] | None = None
        #: Every ``allowed_updates`` list received, in order (one per getUpdates carrying it).
        self.allowed_updates_history: list[list[str]] = []

        # state
        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int, ChatState] = {}
        self._messages: dict[tuple[int, int], JSONDict] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._bot_sent: list[tuple[int, int]] = []
        self._forum_topics: dict[tuple[int, int], ForumTopic] = {}
        self.inline_mode = False
        self.inline_answers: dict[str, InlineAnswer | None] = {}
        self._inline_seq = 0
        self._polls: dict[str, PollState] = {}
        self._poll_seq = 0
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_seq = 0
        self._callback_seq = 0
        #: callback_query_id -> None until answered, then the answerCallbackQuery parameters.
        self.callback_queries: dict[str, JSONDict | None] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        #: "description" / "short_description" / "name" -> {language_code: value}
        self.bot_texts: dict[str, dict[str, str]] = {
            "description": {},
            "short_description": {},
            "name": {},
        }
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.default_admin_rights: dict[bool, JSONDict] = {}
        self.webhook: JSONDict | None = None
        self.logged_out = False
        self.closed = False
        self.chat_actions: list[tuple[int, str]] = []
        #: Ephemeral messages sent (not in any chat's history), in order.
        self.ephemeral_messages: list[JSONDict] = []

        self._custom: dict[str, Handler] = {}
        self._handlers: dict[str, tuple[str, Handler]] = {}
        self._register_builtin_handlers()

        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

        # webhook delivery (see route_webhook)
        self._webhook_target: str | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._webhook_client: ClientSession | None = None
        #: (update_id, HTTP status; 0 = no connection) of every webhook delivery attempt.
        self.webhook_deliveries: list[tuple[int, int]] = []
        self._url: str | None = None

    # ---------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Base URL, for ``TelegramAPIServer.from_base(api.url)`` / TELEGRAM_API_URL."""
        if self._url is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._url

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_route("*", "/bot{token}/", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self.port = int(port)
        self._url = f"http://{host}:{self.port}"
        log.debug("fake Bot API listening on %s", self._url)

    async def close(self) -> None:
        if self._runner is None:
            return
        self._closing.set()
        self._wake_polls()
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
        if self._webhook_client is not None:
            await self._webhook_client.close()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # ---------------------------------------------------------------- webhook delivery

    def route_webhook(self, local_url: str) -> None:
        """Deliver queued updates to ``local_url`` while a webhook is set, as Telegram POSTs
        them to the webhook's public https URL (which a test maps to the bot's local port).

        One update at a time, with the webhook's secret token; an update stays queued until
        the bot answers 200, and is retried otherwise, as Telegram does.
        """
        self._webhook_target = local_url
        if self._webhook_task is None:
            self._webhook_task = asyncio.create_task(self._deliver_to_webhook())

    async def post_to_webhook(
        self, url: str, update: Mapping[str, Any], secret_token: str | None
    ) -> tuple[int, str]:
        """POST ``update`` to ``url`` as Telegram would, with ``secret_token`` in
        X-Telegram-Bot-Api-Secret-Token (None: no header); the HTTP status and body."""
        if self._webhook_client is None:
            self._webhook_client = ClientSession()
        headers = {} if secret_token is None else {"X-Telegram-Bot-Api-Secret-Token": secret_token}
        async with self._webhook_client.post(url, json=dict(update), headers=headers) as response:
            return response.status, await response.text()

    async def _deliver_to_webhook(self) -> None:
        while not self._closing.is_set():
            wakeup = self._poll_wakeup
            _updates.expire_polls(self)
            batch = self._take(1) if self.webhook is not None else []
            if not batch or self._webhook_target is None or self.webhook is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), self.long_poll_cap)
                continue
            update = batch[0]
            try:
                status, _ = await self.post_to_webhook(
                    self._webhook_target, update, self.webhook.get("secret_token")
                )
            except ClientError:
                status = 0
            self.webhook_deliveries.append((int(update["update_id"]), status))
            if status != 200:
                await asyncio.sleep(0.2)  # the bot is down or failed: Telegram retries later
                continue
            self._queue = [queued for queued in self._queue if queued is not update]
            if update["update_id"] not in self._delivered:
                self._delivered.add(update["update_id"])
                self.delivered_updates.append(copy.deepcopy(update))
            self._notify()

    # ---------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        fault: Fault,
        times: int = 1,
        chat_id: int | str | None = None,
        *,
        after: int = 0,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat_id``, if given) meet ``fault``,
        once ``after`` such calls have gone through (the second part of a long post, say).

        ``method`` is case-insensitive; "*" means any method except getUpdates.
        """
        if times < 1 or after < 0:
            raise ValueError("times must be >= 1 and after >= 0")
        self._one_shot.append(_OneShotFault(method.lower(), fault, times, chat_id, after))

    def fail_chat(self, chat_id: int | str, fault: Fault) -> None:
        """Every call with this ``chat_id`` meets ``fault`` until ``clear_faults()``."""
        self._chat_faults[self._chat_key(chat_id)] = fault

    def refuse_rich_messages(self, chat_id: int | str) -> None:
        """sendRichMessage to this chat is refused with 400 (as Telegram refuses a rich message
        where it cannot be shown) until ``clear_faults()``; other methods go through."""
        self._rich_refused.add(self._chat_key(chat_id))

    def clear_faults(self) -> None:
        self._one_shot.clear()
        self._chat_faults.clear()
        self._rich_refused.clear()

    @staticmethod
    def _chat_key(value: Any) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            return text.lower()

    def _take_fault(self, method: str, params: JSONDict) -> Fault | None:
        lower = method.lower()
        chat = params.get("chat_id")
        for entry in self._one_shot:
            if entry.method == "*" and lower == "getupdates":
                continue
            if entry.method not in ("*", lower):
                continue
            if entry.chat_id is not None and (
                chat is None or self._chat_key(chat) != self._chat_key(entry.chat_id)
            ):
                continue
            if entry.after:
                entry.after -= 1
                continue
            entry.times -= 1
            if entry.times <= 0:
                self._one_shot.remove(entry)
            return entry.fault
        if chat is not None:
            return self._chat_faults.get(self._chat_key(chat))
        return None

    # ---------------------------------------------------------------- recording

    def calls_of(self, method: str | None = None, **match: Any) -> list[Call]:
        """Calls of ``method`` (case-insensitive; None = any) whose params match ``match``."""
        result = []
        for call in self.calls:
            if method is not None and call.method.lower() != method.lower():
                continue
            if all(key in call.params and _same(call.params[key], v) for key, v in match.items()):
                result.append(call)
        return result

    async def wait_for_call(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
        after: int | None = None,
        *,
        finished: bool = True,
    ) -> Call:
        """The first call of ``method`` matching ``predicate`` not returned by an earlier wait.

        Sequential waits thus return successive calls. ``after``: only calls with
        ``index >= after`` (take ``mark = api.mark()`` — or ``len(api.calls)`` if the test never
        clears ``api.calls`` — before acting). ``finished``: wait until the call has been
        answered (its ``result`` / ``error`` is set). Raises TimeoutError.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        start = after or 0
        while True:
            changed = self._changed
            for call in self.calls:
                if call.index < start or call.index in self._returned:
                    continue
                if method is not None and call.method.lower() != method.lower():
                    continue
                if finished and not call.done:
                    continue
                if predicate is not None and not predicate(call):
                    continue
                self._returned.add(call.index)
                return call
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                recent = "\n  ".join(repr(c) for c in self.calls[-15:]) or "(none)"
                raise TimeoutError(
                    f"no matching {method or 'any'} call within {timeout}s; last calls:\n  {recent}"
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def mark(self) -> int:
        """The index the next call will get (for ``wait_for_call(after=...)``)."""
        return self._call_seq

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def sent_messages(self, chat_id: int | str, *, include_deleted: bool = False) -> list[JSONDict]:
        """Messages the bot sent to ``chat_id``, in order, as they are now (after edits)."""
        key = self._chat_key(chat_id)
        result = []
        for cid, mid in self._bot_sent:
            if cid != key:
                continue
            if (cid, mid) in self._deleted and not include_deleted:
                continue
            result.append(copy.deepcopy(self._messages[(cid, mid)]))
        return result

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """The texts (or captions, or poll questions, or rich messages as plain text) of
        ``sent_messages(chat_id)``."""
        texts = []
        for message in self.sent_messages(chat_id):
            if "text" in message:
                texts.append(str(message["text"]))
            elif "rich_message" in message:
                texts.append(plain_text(message["rich_message"]))
            elif "caption" in message:
                texts.append(str(message["caption"]))
            elif "poll" in message:
                texts.append(str(message["poll"]["question"]))
        return texts

    # ---------------------------------------------------------------- registries

    @property
    def bot_user(self) -> JSONDict:
        """The bot as ``User`` (as in ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def add_user(
        self,
        user: UserRef,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        is_bot: bool = False,
    ) -> JSONDict:
        """Register a user (a ``make_user`` dict or an id); return the User dict."""
        if isinstance(user, Mapping):
            data = _user_short(user)
        else:
            data = _user_short(
                _updates.make_user(
                    user,
                    first_name or f"User{user}",
                    language_code=language_code,
                    last_name=last_name,
                    username=username,
                    is_bot=is_bot,
                )
            )
        self._users[int(data["id"])] = data
        chat = self._chats.get(int(data["id"]))
        if chat is not None and chat.type == "private":
            chat.first_name = data["first_name"]
            chat.last_name = data.get("last_name")
            chat.username = data.get("username")
        return dict(data)

    def user(self, user_id: int) -> JSONDict:
        """A registered user, or a made-up one for an unknown id."""
        known = self._users.get(user_id)
        if known is not None:
            return dict(known)
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def _user_ref(self, ref: UserRef) -> JSONDict:
        if isinstance(ref, Mapping):
            return self.add_user(ref)
        return self.user(int(ref))

    def add_chat(
        self,
        chat_id: int,
        type: ChatType = "supergroup",
        title: str | None = None,
        *,
        username: str | None = None,
        admins: Iterable[UserRef] = (),
        members: Iterable[UserRef] = (),
        owner: UserRef | None = None,
        bot_status: str | None = None,
        is_forum: bool = False,
    ) -> JSONDict:
        """Register a group, supergroup or channel (or a private chat); return the Chat dict.

        ``bot_status``: the bot's membership ("member", "administrator", "left", "kicked"...);
        by default "administrator" in channels and "member" elsewhere.
        """
        if type == "private":
            if chat_id <= 0:
                raise ValueError("private chat ids are positive (the user's id)")
        elif chat_id >= 0:
            raise ValueError(f"{type} ids are negative")
        elif type in ("supergroup", "channel") and not str(chat_id).startswith("-100"):
            raise ValueError(f"{type} ids look like -100xxxxxxxxxx")
        if bot_status is not None and bot_status not in MEMBER_STATUSES:
            raise ValueError(f"unknown status {bot_status!r}")
        state = ChatState(
            id=chat_id,
            type=type,
            title=title if type != "private" else None,
            username=username.lstrip("@") if username else None,
            is_forum=is_forum,
            bot_status=bot_status or ("administrator" if type == "channel" else "member"),
        )
        if type == "private":
            user = self.user(chat_id)
            state.first_name = title or user["first_name"]
            state.last_name = user.get("last_name")
            state.username = state.username or user.get("username")
        if owner is not None:
            state.owner = self._user_ref(owner)
        for ref in admins:
            admin = self._user_ref(ref)
            state.admins[int(admin["id"])] = admin
        for ref in members:
            member = self._user_ref(ref)
            state.members[int(member["id"])] = member
        old = self._chats.get(chat_id)
        if old is not None:
            state.next_message_id = old.next_message_id
            state.pinned = old.pinned
        self._chats[chat_id] = state
        return state.short()

    def set_rights(self, chat_id: int, user_id: int, **rights: bool) -> None:
        """Override rights of an admin or restricted member (``user_id`` may be the bot's id).

        ``api.set_rights(channel_id, api.bot_id, can_post_messages=False)``: the bot is an admin
        of the channel that may not post (sends there then fail with 400, as on Telegram).
        """
        self.chat_state(chat_id).rights.setdefault(user_id, {}).update(rights)

    def chat_state(self, chat_id: int) -> ChatState:
        """The state of a chat; a positive unknown id is the private chat with that user."""
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_id <= 0:
                raise KeyError(f"unknown chat {chat_id}; register it with api.add_chat()")
            user = self.user(chat_id)
            chat = ChatState(
                id=chat_id,
                type="private",
                first_name=user["first_name"],
                last_name=user.get("last_name"),
                username=user.get("username"),
            )
            self._chats[chat_id] = chat
        return chat

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """A stored message (sent by anyone) as it is now; None if unknown or deleted."""
        key = (chat_id, message_id)
        if key in self._deleted:
            return None
        message = self._messages.get(key)
        return copy.deepcopy(message) if message is not None else None

    def poll(self, poll_id: str) -> PollState | None:
        """A known poll (sent by the bot or by a user)."""
        return self._polls.get(poll_id)

    def polls_sent(self, chat_id: int | None = None) -> list[PollState]:
        """Polls the bot sent (to ``chat_id``, if given), in order."""
        return [
            state
            for state in self._polls.values()
            if state.sent_by_bot and (chat_id is None or state.chat_id == chat_id)
        ]

    def file(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def add_file(
        self,
        content: bytes,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
    ) -> str:
        """Store a file (as if a user uploaded it); return its file_id."""
        return self._store_file(content, file_name, mime_type, "documents").file_id

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JSONDict] | None:
        """Commands set for a scope and language (None: never set)."""
        key = (self._scope_key(dict(scope) if scope else None), language_code)
        stored = self._commands.get(key)
        return copy.deepcopy(stored) if stored is not None else None

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by the bot."""
        return copy.deepcopy(self._queue)

    # ---------------------------------------------------------------- state helpers (builders)

    def now(self) -> int:
        return int(self.clock())

    def store_message(self, chat: ChatState, sender: JSONDict | None, **content: Any) -> JSONDict:
        """Create a message in ``chat`` (``sender`` None = the bot) and store it."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message: JSONDict = {"message_id": message_id}
        if sender is None:
            if chat.type == "channel":
                message["sender_chat"] = chat.short()
            else:
                message["from"] = self.bot_user
        else:
            message["from"] = _user_short(sender)
        message["chat"] = chat.short()
        message["date"] = self.now()
        message.update({key: value for key, value in content.items() if value is not None})
        self._messages[(chat.id, message_id)] = message
        if sender is None:
            self._bot_sent.append((chat.id, message_id))
        return message

    def register_poll(self, state: PollState) -> None:
        self._polls[state.id] = state

    def new_poll_id(self) -> tuple[str, int]:
        self._poll_seq += 1
        return str(5_200_000_000_000_000_000 + self._poll_seq), self._poll_seq

    def new_callback_query_id(self) -> str:
        self._callback_seq += 1
        query_id = str(4_300_000_000_000_000_000 + self._callback_seq)
        self.callback_queries[query_id] = None
        return query_id

    def push_update(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queue ``{"update_id": n, kind: payload}`` for getUpdates; return it."""
        update: JSONDict = {"update_id": self._next_update_id, kind: payload}
        self._next_update_id += 1
        self._queue.append(update)
        self._wake_polls()
        return update

    def push_updates(self, kind: str, payloads: Iterable[JSONDict]) -> list[JSONDict]:
        """Queue many ``kind`` updates at once (benchmarks); return them."""
        queued = [{"update_id": self._next_update_id + n, kind: payload}
                  for n, payload in enumerate(payloads)]
        self._next_update_id += len(queued)
        self._queue.extend(queued)
        self._wake_polls()
        return queued

    @property
    def unconfirmed_count(self) -> int:
        """How many queued updates the bot has not confirmed yet (no copies: cheap)."""
        return len(self._queue)

    def drop_update(self, kind: str, payload: JSONDict, reason: str) -> JSONDict:
        """Record an update Telegram would not deliver (e.g. privacy mode); return it."""
        update: JSONDict = {kind: payload}
        self.dropped_updates.append(DroppedUpdate(update, reason))
        return update

    def is_delivered(self, update: JSONDict | int) -> bool:
        return _update_id(update) in self._delivered

    async def wait_delivered(
        self,
        update: JSONDict | int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot has received ``update`` in a getUpdates answer."""
        update_id = _update_id(update)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while update_id not in self._delivered:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"update {update_id} not delivered within {timeout}s")
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_handled(
        self,
        update: JSONDict | int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until the bot is done with ``update``, its transaction committed: delivered
        (by webhook: answered with 200 once handled) and, for a bot in the test's event loop,
        that bot idle (``bot_idle``). A bot polling in another process is only waited for
        until the update was delivered: it confirms a page before its commands are handled."""
        await self.wait_delivered(update, timeout)
        if self.bot_idle is not None:
            await self.bot_idle()

    def _wake_polls(self) -> None:
        self._poll_wakeup.set()
        self._poll_wakeup = asyncio.Event()

    def _store_file(
        self, content: bytes, file_name: str, mime_type: str, folder: str
    ) -> StoredFile:
        self._file_seq += 1
        prefix = {"photos": "AgACAgIAAxkBAAI", "documents": "BQACAgIAAxkBAAI"}.get(folder, "CAAC")
        file_id = f"{prefix}{self._file_seq:04d}{secrets.token_urlsafe(18)}"
        unique = f"AQAD{self._file_seq:04d}{secrets.token_urlsafe(6)}"
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        path = f"{folder}/file_{self._file_seq}.{extension}"
        stored = StoredFile(file_id, unique, content, file_name, mime_type, path)
        self._files[file_id] = stored
        self._files_by_path[path] = stored
        return stored

    # ---------------------------------------------------------------- HTTP

    def set_handler(self, method: str, handler: Handler) -> None:
        """Answer ``method`` with ``handler(params) -> result`` (sync or async).

        The handler may raise ApiError; it overrides a built-in method of the same name.
        """
        self._custom[method.lower()] = handler
        if method.lower() not in self._handlers:
            self._handlers[method.lower()] = (method, handler)

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
        data: JSONDict = dict(request.query.items())
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if not isinstance(body, dict):
                    raise _bad("can't parse JSON request body: expected an object")
                data.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        files[key] = UploadedFile(
                            key,
                            value.filename,
                            value.content_type,
                            value.file.read(),
                        )
                    else:
                        data[key] = value
        decoded = {key: _decode_value(key, value) for key, value in data.items()}
        return decoded, files

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method_name = request.match_info.get("method", "")
        at = time.monotonic()
        parse_error: ApiError | None = None
        try:
            params, files = await self._read_params(request)
        except ApiError as exc:
            params, files = {}, {}
            parse_error = exc
        except ValueError:
            params, files = {}, {}
            parse_error = _bad("can't parse request body")
        entry = self._handlers.get(method_name.lower())
        call = Call(
            index=self._call_seq,
            method=entry[0] if entry else method_name,
            params=params,
            at=at,
            files=files,
            content_type=request.content_type if request.body_exists else "",
        )
        self._call_seq += 1
        self.calls.append(call)
        self._notify()

        if token != self.token:
            return self._finish(call, ApiError(401, "Unauthorized"))
        if entry is None:
            return self._finish(call, ApiError(404, "Not Found"))
        if parse_error is not None:
            return self._finish(call, parse_error)

        fault = self._take_fault(call.method, params)
        call.fault = fault
        if fault is not None:
            if fault.delay_seconds > 0:
                await self._sleep(fault.delay_seconds)
            fault_error = fault.error()
            if fault_error is not None:
                return self._finish(call, fault_error)

        handler = self._custom.get(method_name.lower(), entry[1])
        try:
            result = handler(Params(call.method, params, files))
            if isinstance(result, Awaitable):
                result = await result
        except ApiError as error:
            return self._finish(call, error)
        except Exception:
            text = traceback.format_exc()
            self.internal_errors.append(f"{call!r}\n{text}")
            log.error("fake Bot API failed on %r:\n%s", call, text)
            return self._finish(call, ApiError(500, "Internal Server Error"))
        return self._finish(call, None, result)

    def _finish(self, call: Call, error: ApiError | None, result: Any = None) -> web.Response:
        if error is not None:
            body = error.body()
            call.status = error.status
            call.error = error.description
        else:
            snapshot = copy.deepcopy(result)
            body = {"ok": True, "result": snapshot}
            call.status = 200
            call.result = copy.deepcopy(snapshot)
        call.response = copy.deepcopy(body)
        call.finished_at = time.monotonic()
        self._notify()
        return web.json_response(
            body, status=call.status, dumps=lambda obj: json.dumps(obj, ensure_ascii=False)
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        return web.Response(body=stored.content, content_type=stored.mime_type)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    # ---------------------------------------------------------------- common checks

    def _chat_param(self, p: Params, key: str = "chat_id", *, for_send: bool = False) -> ChatState:
        value = p.raw(key)
        if value is None or value == "":
            raise _bad(f"{key} is empty")
        chat: ChatState | None = None
        if isinstance(value, str) and value.startswith("@"):
            wanted = value[1:].lower()
            for candidate in self._chats.values():
                if candidate.username and candidate.username.lower() == wanted:
                    chat = candidate
                    break
            if chat is None:
                raise _bad("chat not found")
        else:
            chat_id = p.get_int(key)
            assert chat_id is not None
            if chat_id == 0:
                raise _bad("chat not found")
            if chat_id < 0 and chat_id not in self._chats:
                raise _bad("chat not found")
            chat = self.chat_state(chat_id)
        if chat.migrated_to is not None:
            raise _bad(
                "group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": chat.migrated_to},
            )
        if for_send:
            self._check_can_send(chat)
        return chat

    def _check_can_send(self, chat: ChatState) -> None:
        if chat.type == "private":
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if self._users.get(chat.id, {}).get("is_bot"):
                raise ApiError(403, "Forbidden: bot can't send messages to bots")
            return
        if chat.bot_status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.kind_name} chat")
        if chat.bot_status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.kind_name} chat")
        if chat.type == "channel" and (
            chat.bot_status not in ("administrator", "creator")
            or chat.rights.get(self.bot_id, {}).get("can_post_messages") is False
        ):
            raise _bad("need administrator rights in the channel chat")

    def _formatted(
        self,
        p: Params,
        text_key: str,
        mode_key: str,
        entities_key: str,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
        max_line_feeds: int | None = None,
    ) -> tuple[str, list[JSONDict]]:
        text = p.get_str(text_key) or ""
        try:
            text, entities = apply_formatting(text, p.get_str(mode_key), p.get_list(entities_key))
        except UnsupportedParseMode:
            raise _bad(f"unsupported {mode_key}") from None
        except FormattingError as error:
            raise _bad(f"can't parse entities: {error}") from None
        if empty is not None and not text.strip():
            raise _bad(empty)
        if utf16_len(text) > limit:
            raise _bad(too_long)
        if max_line_feeds is not None and text.count("\n") > max_line_feeds:
            raise _bad(f"{text_key} can't contain more than {max_line_feeds} line feeds")
        self._check_filled(p.method, text, entities)
        return text, entities

    def _check_filled(self, method: str, text: str, entities: Sequence[JSONDict] = ()) -> None:
        """A catalog placeholder left in the text (``{topic}``) is the bot's bug, not a refusal:
        Telegram would show it. Recorded as the fake's own failure, so every test that sends it
        fails. Code is skipped: a snippet may well hold ``{name}``."""
        units = text.encode("utf-16-le")
        for entity in entities:
            if entity["type"] in ("code", "pre"):
                start, end = 2 * entity["offset"], 2 * (entity["offset"] + entity["length"])
                units = units[:start] + b" \x00" * (entity["length"]) + units[end:]
        for placeholder in UNFILLED_PLACEHOLDER.findall(units.decode("utf-16-le")):
            self.internal_errors.append(
                f"{method} sent an unfilled placeholder {placeholder} in {text!r}"
            )

    def _markup(self, p: Params) -> JSONDict | None:
        """Validate ``reply_markup``; return what Telegram echoes (inline keyboards only)."""
        markup = p.get_dict("reply_markup")
        if markup is None:
            return None
        if "inline_keyboard" not in markup:
            if not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
                raise _bad("can't parse reply keyboard markup JSON object")
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad("can't parse inline keyboard markup JSON object")
        actions = (
            "url",
            "callback_data",
            "web_app",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad("can't parse inline keyboard button: Text must be a String")
                if not button["text"].strip():
                    raise _bad("text must be non-empty")
                self._check_filled("reply_markup", button["text"])
                present = [key for key in actions if key in button]
                if not present:
                    raise _bad(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8"))
                    if not isinstance(data, str) or not 1 <= size <= CALLBACK_DATA_LIMIT:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).strip():
                    raise _bad("BUTTON_URL_INVALID")
                if "switch_inline_query" in button and not self.inline_mode:
                    raise _bad("BUTTON_TYPE_INVALID")  # inline mode is off in @BotFather
        if not rows or not any(rows):
            return None
        return copy.deepcopy(markup)

    def _reply(self, chat: ChatState, p: Params) -> JSONDict | None:
        params = p.get_dict("reply_parameters")
        allow_missing = p.get_bool("allow_sending_without_reply")
        if params is not None:
            message_id = params.get("message_id")
            allow_missing = bool(params.get("allow_sending_without_reply", allow_missing))
            target_chat = chat
            if params.get("chat_id") not in (None, ""):
                target_chat = self._chat_param(Params(p.method, params, {}), "chat_id")
        else:
            message_id = p.get_int("reply_to_message_id")
            target_chat = chat
        if message_id is None:
            return None
        original = self.message(target_chat.id, int(message_id))
        if original is None:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        original.pop("reply_to_message", None)
        return original

    def _send_common(self, chat: ChatState, p: Params, **content: Any) -> JSONDict:
        markup = self._markup(p)
        reply = self._reply(chat, p)
        thread = p.get_int("message_thread_id")
        self.check_thread(chat, thread)
        extra: JSONDict = {}
        if thread is not None:
            extra["message_thread_id"] = thread
            extra["is_topic_message"] = True if chat.is_forum else None
        if reply is not None:
            extra["reply_to_message"] = reply
        if p.get_bool("protect_content"):
            extra["has_protected_content"] = True
        message = self.store_message(chat, None, **extra, **content)
        if markup is not None:
            message["reply_markup"] = markup
        return message

    def _target_message(self, p: Params, not_found: str) -> tuple[ChatState, JSONDict]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._chat_param(p)
        message_id = p.get_int("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        key = (chat.id, message_id)
        if key in self._deleted or key not in self._messages:
            raise _bad(not_found)
        return chat, self._messages[key]

    def _is_bot_message(self, message: JSONDict) -> bool:
        sender = message.get("from")
        if sender is not None:
            return bool(sender.get("id") == self.bot_id)
        return (message["chat"]["id"], message["message_id"]) in set(self._bot_sent)

    # ---------------------------------------------------------------- methods

    def _register_builtin_handlers(self) -> None:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._log_out,
            "close": self._close_method,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_bot_text("description", 512),
            "getMyDescription": self._get_bot_text("description"),
            "setMyShortDescription": self._set_bot_text("short_description", 120),
            "getMyShortDescription": self._get_bot_text("short_description"),
            "setMyName": self._set_bot_text("name", 64),
            "getMyName": self._get_bot_text("name"),
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDefaultAdministratorRights": self._set_default_admin_rights,
            "getMyDefaultAdministratorRights": self._get_default_admin_rights,
            "sendMessage": self._send_message,
            "sendRichMessage": self._send_rich_message,
            "sendPoll": self._send_poll,
            "stopPoll": self._stop_poll,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "getFile": self._get_file,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMemberCount": self._get_chat_member_count,
            "leaveChat": self._leave_chat,
            "pinChatMessage": self._pin_chat_message,
            "unpinChatMessage": self._unpin_chat_message,
            "unpinAllChatMessages": self._unpin_all_chat_messages,
            "sendChatAction": self._send_chat_action,
            "setMessageReaction": self._set_message_reaction,
        }
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}

    def _get_me(self, p: Params) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": self.inline_mode,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _log_out(self, p: Params) -> bool:
        self.logged_out = True
        return True

    def _close_method(self, p: Params) -> bool:
        self.closed = True
        return True

    # getUpdates and webhooks

    def _allowed(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in NOT_DELIVERED_BY_DEFAULT
        return kind in self.allowed_updates

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._queue = self._queue[offset:]
        else:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]

    def _take(self, limit: int) -> list[JSONDict]:
        batch: list[JSONDict] = []
        kept: list[JSONDict] = []
        for update in self._queue:
            kind = next(key for key in update if key != "update_id")
            if not self._allowed(kind):
                self.dropped_updates.append(
                    DroppedUpdate(update, f"{kind!r} not in allowed_updates")
                )
                continue
            kept.append(update)
            if len(batch) < limit:
                batch.append(update)
        self._queue = kept
        return batch

    async def _get_updates(self, p: Params) -> list[JSONDict]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.get_int("offset")
        limit = p.get_int("limit") or 100
        limit = max(1, min(limit, 100))
        timeout = max(0, p.get_int("timeout") or 0)
        allowed = p.get_list("allowed_updates")
        if allowed is not None:
            self.allowed_updates = [str(kind) for kind in allowed]
            self.allowed_updates_history.append(list(self.allowed_updates))
        self._confirm(offset)
        _updates.expire_polls(self)

        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_polls()  # an older long poll gets 409, as on Telegram
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(timeout), self.long_poll_cap)
        while True:
            batch = self._take(limit)
            if batch:
                break
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0 or self._closing.is_set():
                break
            wakeup = self._poll_wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), remaining)
            _updates.expire_polls(self)
        for update in batch:
            if update["update_id"] not in self._delivered:
                self._delivered.add(update["update_id"])
                self.delivered_updates.append(copy.deepcopy(update))
        return batch

    def _set_webhook(self, p: Params) -> bool:
        url = p.get_str("url") or ""
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get_bool("drop_pending_updates"):
            self._queue.clear()
        allowed = p.get_list("allowed_updates")
        if allowed is not None:
            self.allowed_updates = [str(kind) for kind in allowed]
            self.allowed_updates_history.append(list(self.allowed_updates))
        self.webhook = {
            "url": url,
            "secret_token": p.get_str("secret_token"),
            "max_connections": p.get_int("max_connections") or 40,
            "allowed_updates": allowed,
        }
        return True

    def _delete_webhook(self, p: Params) -> bool:
        self.webhook = None
        if p.get_bool("drop_pending_updates"):
            for update in self._queue:
                self.dropped_updates.append(DroppedUpdate(update, "drop_pending_updates"))
            self._queue.clear()
        return True

    def _get_webhook_info(self, p: Params) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = list(self.webhook["allowed_updates"])
        return info

    # commands and bot texts

    def _scope_key(self, scope: JSONDict | None) -> str:
        if not scope:
            return json.dumps({"type": "default"})
        normalized = dict(scope)
        if "chat_id" in normalized:
            normalized["chat_id"] = self._chat_key(normalized["chat_id"])
        return json.dumps(normalized, sort_keys=True)

    def _scope_param(self, p: Params) -> str:
        scope = p.get_dict("scope")
        if scope is not None:
            kind = scope.get("type")
            if kind not in COMMAND_SCOPES:
                raise _bad("unsupported bot command scope type")
            if kind in ("chat", "chat_administrators", "chat_member"):
                chat = self._chat_param(Params(p.method, scope, {}))
                scope = {**scope, "chat_id": chat.id}
                if kind == "chat_member" and scope.get("user_id") in (None, ""):
                    raise _bad("user_id is empty")
            if kind == "default":
                scope = None
        return self._scope_key(scope)

    def _language_param(self, p: Params) -> str:
        language = p.get_str("language_code") or ""
        if language and (len(language) != 2 or not language.isalpha()):
            raise _bad("invalid language code specified")
        return language

    def _set_my_commands(self, p: Params) -> bool:
        commands = p.get_list("commands")
        if commands is None:
            raise _bad("commands is empty")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        checked = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand: expected an Object")
            name = command.get("command")
            description = command.get("description")
            if (
                not isinstance(name, str)
                or not 1 <= len(name.lstrip("/")) <= 32
                or not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name.lstrip("/"))
                or name.lstrip("/") != name.lstrip("/").lower()
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": name.lstrip("/"), "description": description})
        key = (self._scope_param(p), self._language_param(p))
        if checked:
            self._commands[key] = checked
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: Params) -> list[JSONDict]:
        key = (self._scope_param(p), self._language_param(p))
        return list(self._commands.get(key, []))

    def _delete_my_commands(self, p: Params) -> bool:
        key = (self._scope_param(p), self._language_param(p))
        self._commands.pop(key, None)
        return True

    def _set_bot_text(self, kind: str, limit: int) -> Handler:
        def handler(p: Params) -> bool:
            value = p.get_str(kind) or ""
            if len(value) > limit:
                raise _bad(f"{kind.replace('_', ' ')} is too long")
            language = self._language_param(p)
            if value:
                self.bot_texts[kind][language] = value
            else:
                self.bot_texts[kind].pop(language, None)
            return True

        return handler

    def _get_bot_text(self, kind: str) -> Handler:
        def handler(p: Params) -> JSONDict:
            language = self._language_param(p)
            texts = self.bot_texts[kind]
            value = texts.get(language, texts.get("", ""))
            if kind == "name" and not value:
                value = self.first_name
            return {kind: value}

        return handler

    def _set_chat_menu_button(self, p: Params) -> bool:
        chat_id = p.get_int("chat_id")
        button = p.get_dict("menu_button") or {"type": "default"}
        self.menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, p: Params) -> JSONDict:
        chat_id = p.get_int("chat_id")
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "commands"}))

    def _set_default_admin_rights(self, p: Params) -> bool:
        rights = p.get_dict("rights")
        key = p.get_bool("for_channels")
        if rights is None:
            self.default_admin_rights.pop(key, None)
        else:
            self.default_admin_rights[key] = rights
        return True

    def _get_default_admin_rights(self, p: Params) -> JSONDict:
        stored = self.default_admin_rights.get(p.get_bool("for_channels"))
        rights = dict.fromkeys(_updates.ADMIN_RIGHTS, False)
        rights["is_anonymous"] = False
        if stored:
            rights.update(stored)
        return rights

    # messages

    def _send_message(self, p: Params) -> JSONDict:
        chat = self._chat_param(p, for_send=True)
        text, entities = self._formatted(
            p,
            "text",
            "parse_mode",
            "entities",
            limit=MESSAGE_TEXT_LIMIT,
            too_long="message is too long",
            empty="message text is empty",
        )
        if _ephemeral.is_ephemeral(p):
            return _ephemeral.send(self, chat, p, self._markup(p), text=text,
                                   entities=entities or None)
        return self._send_common(chat, p, text=text, entities=entities or None)

    def _send_rich_message(self, p: Params) -> JSONDict:
        chat = self._chat_param(p, for_send=True)
        if self._chat_key(chat.id) in self._rich_refused:
            raise _bad("RICH_MESSAGE_NOT_ALLOWED")
        try:
            rich_message = checked_rich_message(p.get_dict("rich_message"))
        except RichRefused as refusal:
            raise _bad(str(refusal)) from None
        self._check_filled(p.method, plain_text(rich_message, code=False))
        return self._send_common(chat, p, rich_message=rich_message)

    def _edit_message_text(self, p: Params) -> JSONDict:
        _, message = self._target_message(p, "message to edit not found")
        if not self._is_bot_message(message):
            raise _bad("message can't be edited")
        if "text" not in message:
            raise _bad("there is no text in the message to edit")
        text, entities = self._formatted(
            p,
            "text",
            "parse_mode",
            "entities",
            limit=MESSAGE_TEXT_LIMIT,
            too_long="MESSAGE_TOO_LONG",
            empty="message text is empty",
        )
        markup = self._markup(p)
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _not_modified()
        message["text"] = text
        self._set_or_drop(message, "entities", entities or None)
        self._set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = self.now()
        return message

    def _edit_message_caption(self, p: Params) -> JSONDict:
        _, message = self._target_message(p, "message to edit not found")
        if not self._is_bot_message(message):
            raise _bad("message can't be edited")
        if not any(key in message for key in ("photo", "document", "video", "audio", "animation")):
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._formatted(
            p,
            "caption",
            "parse_mode",
            "caption_entities",
            limit=CAPTION_LIMIT,
            too_long="message caption is too long",
            empty=None,
        )
        markup = self._markup(p)
        if (
            caption == message.get("caption", "")
            and entities == message.get("caption_entities", [])
            and markup == message.get("reply_markup")
        ):
            raise _not_modified()
        self._set_or_drop(message, "caption", caption or None)
        self._set_or_drop(message, "caption_entities", entities or None)
        self._set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = self.now()
        return message

    def _edit_message_reply_markup(self, p: Params) -> JSONDict:
        _, message = self._target_message(p, "message to edit not found")
        if not self._is_bot_message(message):
            raise _bad("message can't be edited")
        markup = self._markup(p)
        if markup == message.get("reply_markup"):
            raise _not_modified()
        self._set_or_drop(message, "reply_markup", markup)
        if "poll" not in message:
            message["edit_date"] = self.now()
        return message

    @staticmethod
    def _set_or_drop(message: JSONDict, key: str, value: Any) -> None:
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value

    def _can_delete(self, chat: ChatState, message: JSONDict) -> bool:
        if chat.type == "private" or self._is_bot_message(message):
            return True
        return chat.bot_status in ("administrator", "creator")

    def _delete_message(self, p: Params) -> bool:
        chat, message = self._target_message(p, "message to delete not found")
        if not self._can_delete(chat, message):
            raise _bad("message can't be deleted")
        self._deleted.add((chat.id, int(message["message_id"])))
        return True

    def _delete_messages(self, p: Params) -> bool:
        chat = self._chat_param(p)
        ids = p.get_list("message_ids") or []
        if not 1 <= len(ids) <= 100:
            raise _bad("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            key = (chat.id, int(message_id))
            message = self._messages.get(key)
            if message is not None and self._can_delete(chat, message):
                self._deleted.add(key)
        return True

    def _answer_callback_query(self, p: Params) -> bool:
        query_id = p.get_str("callback_query_id", required=True)
        assert query_id is not None
        if query_id not in self.callback_queries or self.callback_queries[query_id] is not None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = p.get_str("text") or ""
        if len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.callback_queries[query_id] = dict(p.data)
        return True

    # files

    def _input_file(self, p: Params, key: str, folder: str) -> StoredFile:
        value = p.get_input_file(key)
        if value is None:
            raise _bad(f"there is no {key} in the request")
        if isinstance(value, UploadedFile):
            if not value.content:
                raise _bad("file must be non-empty")
            name = value.filename or key
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return self._store_file(value.content, name, mime, folder)
        known = self._files.get(value)
        if known is not None:
            return known
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or key
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return self._store_file(b"downloaded:" + value.encode(), name, mime, folder)
        raise _bad("wrong file identifier/HTTP URL specified")

    def _caption(self, p: Params) -> tuple[str, list[JSONDict]]:
        return self._formatted(
            p,
            "caption",
            "parse_mode",
            "caption_entities",
            limit=CAPTION_LIMIT,
            too_long="message caption is too long",
            empty=None,
        )

    def _send_photo(self, p: Params) -> JSONDict:
        chat = self._chat_param(p, for_send=True)
        caption, entities = self._caption(p)
        stored = self._input_file(p, "photo", "photos")
        width, height = _image_size(stored.content) or (800, 600)
        sizes: list[JSONDict] = []
        for target in (90, 320, 800, 1280):
            if target >= max(width, height):
                break
            scale = target / max(width, height)
            thumb = self._store_file(stored.content, stored.file_name, stored.mime_type, "photos")
            sizes.append(
                {
                    "file_id": thumb.file_id,
                    "file_unique_id": thumb.file_unique_id,
                    "file_size": len(thumb.content),
                    "width": max(1, round(width * scale)),
                    "height": max(1, round(height * scale)),
                }
            )
        sizes.append(
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
                "width": width,
                "height": height,
            }
        )
        return self._send_common(
            chat,
            p,
            photo=sizes,
            caption=caption or None,
            caption_entities=entities or None,
            has_media_spoiler=True if p.get_bool("has_spoiler") else None,
        )

    def _send_document(self, p: Params) -> JSONDict:
        chat = self._chat_param(p, for_send=True)
        caption, entities = self._caption(p)
        stored = self._input_file(p, "document", "documents")
        document = {
            "file_name": stored.file_name,
            "mime_type": stored.mime_type,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        return self._send_common(
            chat,
            p,
            document=document,
            caption=caption or None,
            caption_entities=entities or None,
        )

    def _get_file(self, p: Params) -> JSONDict:
        file_id = p.get_str("file_id", required=True)
        assert file_id is not None
        stored = self._files.get(file_id)
        if stored is None:
            raise _bad("invalid file_id")
        if len(stored.content) > GET_FILE_LIMIT:
            raise _bad("file is too big")
        return stored.file_object()

    # chats

    def _get_chat(self, p: Params) -> JSONDict:
        chat = self._chat_param(p)
        info: JSONDict = {
            **chat.short(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }
        if chat.pinned:
            pinned = self.message(chat.id, chat.pinned[-1])
            if pinned is not None:
                info["pinned_message"] = pinned
        return info

    def _member_of(self, chat: ChatState, user_id: int) -> JSONDict:
        return self._with_rights(chat, self._default_member_of(chat, user_id))

    @staticmethod
    def _with_rights(chat: ChatState, member: JSONDict) -> JSONDict:
        overrides = chat.rights.get(int(member["user"]["id"]))
        if overrides and member["status"] in ("administrator", "restricted"):
            member.update(overrides)
        return member

    def _default_member_of(self, chat: ChatState, user_id: int) -> JSONDict:
        if user_id == self.bot_id:
            return _updates.make_chat_member(self.bot_user, chat.bot_status, chat.type)
        if chat.type == "private":
            if user_id != chat.id:
                raise _bad("user not found")
            return _updates.make_chat_member(self.user(user_id), "member", chat.type)
        if chat.owner is not None and chat.owner["id"] == user_id:
            return _updates.make_chat_member(chat.owner, "creator", chat.type)
        if user_id in chat.admins:
            return _updates.make_chat_member(chat.admins[user_id], "administrator", chat.type)
        if user_id in chat.members:
            return _updates.make_chat_member(chat.members[user_id], "member", chat.type)
        if user_id in self._users:
            return _updates.make_chat_member(self._users[user_id], "left", chat.type)
        raise _bad("user not found")

    def _get_chat_member(self, p: Params) -> JSONDict:
        chat = self._chat_param(p)
        user_id = p.get_int("user_id", required=True)
        assert user_id is not None
        return self._member_of(chat, user_id)

    def _get_chat_administrators(self, p: Params) -> list[JSONDict]:
        chat = self._chat_param(p)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        result = []
        if chat.owner is not None:
            result.append(_updates.make_chat_member(chat.owner, "creator", chat.type))
        for admin in chat.admins.values():
            result.append(_updates.make_chat_member(admin, "administrator", chat.type))
        if chat.bot_status in ("administrator", "creator"):
            result.append(_updates.make_chat_member(self.bot_user, chat.bot_status, chat.type))
        return [self._with_rights(chat, member) for member in result]

    def _get_chat_member_count(self, p: Params) -> int:
        chat = self._chat_param(p)
        if chat.type == "private":
            return 2
        people = set(chat.members) | set(chat.admins)
        if chat.owner is not None:
            people.add(int(chat.owner["id"]))
        if chat.bot_status not in ("left", "kicked"):
            people.add(self.bot_id)
        return len(people)

    def _leave_chat(self, p: Params) -> bool:
        chat = self._chat_param(p)
        if chat.type == "private":
            raise _bad("chat member status can't be changed in private chats")
        if chat.bot_status in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.kind_name} chat")
        old = chat.bot_status
        chat.bot_status = "left"
        self.push_update(
            "my_chat_member",
            {
                "chat": chat.short(),
                "from": self.bot_user,
                "date": self.now(),
                "old_chat_member": _updates.make_chat_member(self.bot_user, old, chat.type),
                "new_chat_member": _updates.make_chat_member(self.bot_user, "left", chat.type),
            },
        )
        return True

    def _pin_chat_message(self, p: Params) -> bool:
        chat, message = self._target_message(p, "message to pin not found")
        if chat.type != "private" and chat.bot_status not in ("administrator", "creator"):
            raise _bad("not enough rights to manage pinned messages in the chat")
        chat.pinned.append(int(message["message_id"]))
        return True

    def _unpin_chat_message(self, p: Params) -> bool:
        chat = self._chat_param(p)
        message_id = p.get_int("message_id")
        if message_id is None:
            if chat.pinned:
                chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        return True

    def _unpin_all_chat_messages(self, p: Params) -> bool:
        self._chat_param(p).pinned.clear()
        return True

    def _send_chat_action(self, p: Params) -> bool:
        chat = self._chat_param(p, for_send=True)
        action = p.get_str("action") or ""
        if action not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append((chat.id, action))
        return True

    def _set_message_reaction(self, p: Params) -> bool:
        self._target_message(p, "message to react not found")
        return True

    # polls

    def _send_poll(self, p: Params) -> JSONDict:
        chat = self._chat_param(p, for_send=True)
        question, question_entities = self._formatted(
            p,
            "question",
            "question_parse_mode",
            "question_entities",
            limit=POLL_QUESTION_LIMIT,
            too_long=f"poll question length must not exceed {POLL_QUESTION_LIMIT}",
            empty="poll question must be non-empty",
        )
        raw_options = p.get_list("options") or []
        kind = p.get_str("type") or "regular"
        if kind not in ("regular", "quiz"):
            raise _bad("unsupported poll type specified")
        if not raw_options:
            raise _bad("poll must have at least one answer option")
        if kind == "quiz" and len(raw_options) < 2:
            raise _bad("quiz must have at least 2 answer options")
        if len(raw_options) > POLL_MAX_OPTIONS:
            raise _bad(f"poll can't have more than {POLL_MAX_OPTIONS} options")
        poll_id, sequence = self.new_poll_id()
        options: list[JSONDict] = []
        for position, raw in enumerate(raw_options):
            option = raw if isinstance(raw, dict) else {"text": raw}
            if not isinstance(option.get("text"), str):
                raise _bad('can\'t parse InputPollOption: Field "text" must be of type String')
            text, entities = self._formatted(
                Params(p.method, option, {}),
                "text",
                "text_parse_mode",
                "text_entities",
                limit=POLL_OPTION_LIMIT,
                too_long=f"poll options length must not exceed {POLL_OPTION_LIMIT}",
                empty="poll options must be non-empty",
            )
            entry: JSONDict = {
                "persistent_id": f"{chr(ord('a') + position)}{sequence}",
                "text": text,
                "voter_count": 0,
            }
            if entities:
                entry["text_entities"] = entities
            options.append(entry)

        is_anonymous = p.get_bool("is_anonymous", default=True)
        if chat.type == "channel" and not is_anonymous:
            raise _bad("non-anonymous polls can't be sent to channel chats")
        correct = p.get_list("correct_option_ids")
        if correct is None and p.has("correct_option_id"):
            correct = [p.get_int("correct_option_id")]
        if kind == "quiz":
            if not correct:
                raise _bad("correct_option_ids must be specified for quizzes")
            ids = [value for value in correct if isinstance(value, int)]
            if (
                len(ids) != len(correct)
                or any(not 0 <= value < len(options) for value in ids)
                or ids != sorted(set(ids))
                or len(ids) == len(options)
            ):
                raise _bad("wrong correct option ids specified")
            if len(ids) > 1 and not p.get_bool("allows_multiple_answers"):
                raise _bad("several correct options are allowed only in multiple answer quizzes")
            correct = ids
        explanation, explanation_entities = self._formatted(
            p,
            "explanation",
            "explanation_parse_mode",
            "explanation_entities",
            limit=POLL_EXPLANATION_LIMIT,
            too_long="explanation is too long",
            empty=None,
            max_line_feeds=POLL_EXPLANATION_MAX_LINE_FEEDS,
        )
        description, description_entities = self._formatted(
            p,
            "description",
            "description_parse_mode",
            "description_entities",
            limit=POLL_DESCRIPTION_LIMIT,
            too_long="poll description is too long",
            empty=None,
        )
        open_period = p.get_int("open_period")
        close_date = p.get_int("close_date")
        now = self.now()
        if open_period is not None and close_date is not None:
            raise _bad("can't use open_period and close_date together")
        if open_period is not None and not 5 <= open_period <= 2_628_000:
            raise _bad("wrong open period specified")
        if close_date is not None and not 5 <= close_date - now <= 2_628_000:
            raise _bad("wrong close date specified")
        poll: JSONDict = {
            "id": poll_id,
            "question": question,
            "options": options,
            "total_voter_count": 0,
            "is_closed": p.get_bool("is_closed"),
            "is_anonymous": is_anonymous,
            "type": kind,
            "allows_multiple_answers": p.get_bool("allows_multiple_answers"),
            "allows_revoting": p.get_bool("allows_revoting", default=kind == "regular"),
            "members_only": p.get_bool("members_only"),
        }
        if question_entities:
            poll["question_entities"] = question_entities
        if kind == "quiz":
            poll["correct_option_ids"] = correct
            if explanation:
                poll["explanation"] = explanation
                if explanation_entities:
                    poll["explanation_entities"] = explanation_entities
        if description:
            poll["description"] = description
            if description_entities:
                poll["description_entities"] = description_entities
        close_at: float | None = None
        if open_period is not None:
            poll["open_period"] = open_period
            close_at = float(now + open_period)
        if close_date is not None:
            poll["close_date"] = close_date
            close_at = float(close_date)
        country_codes = p.get_list("country_codes")
        if country_codes:
            poll["country_codes"] = country_codes
        message = self._send_common(chat, p, poll=poll)
        self.register_poll(
            PollState(
                poll=poll,
                chat_id=chat.id,
                message_id=int(message["message_id"]),
                sent_by_bot=True,
                close_at=close_at,
            )
        )
        return message

    def _stop_poll(self, p: Params) -> JSONDict:
        _chat, message = self._target_message(p, "message with poll to stop not found")
        if "poll" not in message:
            raise _bad("message with poll to stop not found")
        if not self._is_bot_message(message):
            raise _bad("poll can't be stopped")
        _updates.expire_polls(self)
        poll: JSONDict = message["poll"]
        if poll["is_closed"]:
            raise _bad("poll has already been closed")
        markup = self._markup(p)
        if p.has("reply_markup"):
            self._set_or_drop(message, "reply_markup", markup)
        state = self._polls.get(str(poll["id"]))
        if state is not None:
            _updates.close_poll(self, state)
        else:
            poll["is_closed"] = True
        return poll


def _not_modified() -> ApiError:
    return _bad(
        "message is not modified: specified new message content and reply markup are exactly "
        "the same as a current content and reply markup of the message"
    )
