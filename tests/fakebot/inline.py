"""Inline mode in the fake Bot API: ``@bot words`` typed in any chat, and answerInlineQuery.

Telegram's rules kept here:
- a bot gets ``inline_query`` updates only once inline mode is switched on in @BotFather
  (``api.inline_mode``; getMe's ``supports_inline_queries`` says it);
- a query is answered once; an unknown or answered id fails with 400 "query is too old and
  response timeout expired or query ID is invalid";
- at most 50 results, each with a unique ``id`` of 1–64 bytes ("RESULT_ID_DUPLICATE",
  "RESULT_ID_INVALID"); an article needs a title and content, its text 1–4096 characters
  ("MESSAGE_EMPTY", "MESSAGE_TOO_LONG"); its keyboard is checked as a message's;
- ``cache_time`` is 0 or more seconds (default 300);
- a message with a ``switch_inline_query`` button is refused while inline mode is off
  ("BUTTON_TYPE_INVALID", as bot authors report it; checked with the other buttons in
  server.py): the strict side, so the bot never depends on Telegram accepting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server import FakeBotAPI, Params
    from .updates import UserRef

JSONDict = dict[str, Any]

MAX_RESULTS = 50
RESULT_ID_BYTES = 64
DEFAULT_CACHE_TIME = 300
TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class InlineAnswer:
    """What the bot answered to one inline query."""

    results: list[JSONDict]
    cache_time: int
    is_personal: bool


class InlineMode:
    """Mixed into FakeBotAPI: ``api.send_inline_query(user, "roc")``, ``api.inline_answers``."""

    #: Switched on in @BotFather (/setinline); off, Telegram sends the bot no inline queries.
    inline_mode: bool
    #: inline_query_id -> None until answered, then the answer.
    inline_answers: dict[str, InlineAnswer | None]
    _inline_seq: int

    def _inline_api(self) -> FakeBotAPI:
        from .server import FakeBotAPI

        assert isinstance(self, FakeBotAPI)
        return self

    def send_inline_query(
        self, user: UserRef, query: str, *, chat_type: str = "supergroup"
    ) -> JSONDict:
        """``user`` types ``@bot query`` in a chat of ``chat_type`` ("sender" for the private
        chat with the bot itself)."""
        api = self._inline_api()
        if not self.inline_mode:
            raise ValueError("inline mode is off: Telegram sends no inline queries")
        if len(query) > 256:
            raise ValueError("Telegram cuts inline queries at 256 characters")
        sender = api.add_user(user) if not isinstance(user, int) else api.user(user)
        self._inline_seq += 1
        query_id = str(8_100_000_000_000_000_000 + self._inline_seq)
        self.inline_answers[query_id] = None
        return api.push_update("inline_query", {
            "id": query_id, "from": sender, "query": query, "offset": "", "chat_type": chat_type,
        })

    def _answer_inline_query(self, p: Params) -> bool:
        from .server import _bad

        query_id = p.get_str("inline_query_id", required=True)
        assert query_id is not None
        if query_id not in self.inline_answers or self.inline_answers[query_id] is not None:
            raise _bad(TOO_OLD)
        results = p.get_list("results")
        if results is None:
            raise _bad("results is empty")  # Telegram wants the list, empty or not
        if len(results) > MAX_RESULTS:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._check_result(p, result, seen)
        cache_time = p.get_int("cache_time")
        if cache_time is not None and cache_time < 0:
            raise _bad("cache_time must be non-negative")
        self.inline_answers[query_id] = InlineAnswer(
            results=list(results),
            cache_time=DEFAULT_CACHE_TIME if cache_time is None else cache_time,
            is_personal=p.get_bool("is_personal"),
        )
        return True

    def _check_result(self, p: Params, result: Any, seen: set[str]) -> None:
        from .server import MESSAGE_TEXT_LIMIT, Params, _bad

        if not isinstance(result, dict) or not isinstance(result.get("type"), str):
            raise _bad("can't parse InlineQueryResult JSON object")
        result_id = str(result.get("id") or "")
        if not 1 <= len(result_id.encode()) <= RESULT_ID_BYTES:
            raise _bad("RESULT_ID_INVALID")
        if result_id in seen:
            raise _bad("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] != "article":
            raise _bad(f"the fake knows article results only, not {result['type']!r}")
        if not str(result.get("title") or "").strip():
            raise _bad("RESULT_TITLE_EMPTY")
        content = result.get("input_message_content")
        if not isinstance(content, dict) or "message_text" not in content:
            raise _bad("can't parse InputMessageContent JSON object")
        api = self._inline_api()
        api._formatted(Params(p.method, content, {}), "message_text", "parse_mode", "entities",
                       limit=MESSAGE_TEXT_LIMIT, too_long="MESSAGE_TOO_LONG",
                       empty="MESSAGE_EMPTY")
        if "reply_markup" in result:
            api._markup(Params(p.method, {"reply_markup": result["reply_markup"]}, {}))
