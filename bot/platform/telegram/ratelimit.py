"""One rate limiter for every message the bot sends, as an aiogram session middleware.

Telegram's limits for bots: about 30 messages per second overall (we keep to 25 by default),
one message per second in a chat, 20 per minute in a group or channel. Calls over the limit
wait for their turn; nothing is dropped. Only calls that put a message into a chat count
(``send*``, ``copyMessage(s)``, ``forwardMessage(s)``); edits, stopPoll and reads do not.

Register it after :class:`bot.platform.telegram.retry.RetryMiddleware` so every retried attempt
waits for its turn too (the first registered middleware is the outermost).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]

MESSAGE_METHOD_PREFIXES = ("send", "copymessage", "forwardmessage")
NOT_MESSAGES = frozenset({"sendchataction"})
# Chat states idle this long carry no constraint any more and are forgotten.
_FORGET_AFTER_SECONDS = 60.0
# The overall limit is kept over a window 2 % longer than a second: requests reach Telegram a
# few milliseconds apart from when they left, and that jitter must not add up to an extra
# message in some second on Telegram's side.
GLOBAL_WINDOW_SECONDS = 1.02


@dataclass
class _ChatState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_send: float | None = None
    recent: deque[float] = field(default_factory=deque)  # group sends in the last minute
    waiters: int = 0


class RateLimiter:
    """``await limiter.acquire(chat_id)`` returns when a message to ``chat_id`` may go out.

    Per chat, callers queue in order (a lock per chat) and wait for the chat's own limits; then
    they take the next slot of the global pace, evenly spaced, so the overall rate is smooth
    rather than bursty; a log of the last ``per_second`` sends makes sure no window of
    :data:`GLOBAL_WINDOW_SECONDS` holds more, even when a busy event loop wakes several late
    senders at once. ``per_second`` None lifts the global limit (per-chat limits stay).
    """

    def __init__(
        self,
        per_second: float | None = 25.0,
        *,
        chat_interval: float = 1.0,
        group_per_minute: int = 20,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.per_window = int(per_second) if per_second else 0
        self.interval = GLOBAL_WINDOW_SECONDS / per_second if per_second else 0.0
        self._recent: deque[float] = deque()
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self.monotonic = monotonic
        self.sleep = sleep
        self._next_global = 0.0
        self._chats: dict[int | str, _ChatState] = {}
        self._since_sweep = 0

    async def acquire(self, chat_id: int | str) -> None:
        state = self._chats.setdefault(chat_id, _ChatState())
        state.waiters += 1
        try:
            async with state.lock:
                await self._wait_until(self._chat_ready_at(chat_id, state))
                await self._wait_until(self._take_global_slot())
                await self._wait_for_window()
                now = self.monotonic()
                state.last_send = now
                if _is_group(chat_id):
                    state.recent.append(now)
        finally:
            state.waiters -= 1
        self._sweep()

    def _chat_ready_at(self, chat_id: int | str, state: _ChatState) -> float:
        ready = 0.0 if state.last_send is None else state.last_send + self.chat_interval
        if _is_group(chat_id):
            now = self.monotonic()
            while state.recent and state.recent[0] + 60.0 <= now:
                state.recent.popleft()
            if len(state.recent) >= self.group_per_minute:
                ready = max(ready, state.recent[-self.group_per_minute] + 60.0)
        return ready

    def _take_global_slot(self) -> float:
        slot = max(self.monotonic(), self._next_global)
        self._next_global = slot + self.interval
        return slot

    async def _wait_for_window(self) -> None:
        """Wait until fewer than ``per_window`` sends happened in the last window; count this
        one. Without awaits between the check and the count, so concurrent callers agree."""
        if not self.per_window:
            return
        while True:
            now = self.monotonic()
            while self._recent and self._recent[0] + GLOBAL_WINDOW_SECONDS <= now:
                self._recent.popleft()
            if len(self._recent) < self.per_window:
                self._recent.append(now)
                return
            await self._wait_until(self._recent[0] + GLOBAL_WINDOW_SECONDS)

    async def _wait_until(self, instant: float) -> None:
        delay = instant - self.monotonic()
        if delay > 0:
            await self.sleep(delay)

    def _sweep(self) -> None:
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        horizon = self.monotonic() - _FORGET_AFTER_SECONDS
        idle = [chat for chat, state in self._chats.items()
                if not state.waiters and (state.last_send or 0.0) < horizon]
        for chat in idle:
            del self._chats[chat]


class RateLimitMiddleware(BaseRequestMiddleware):
    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None and is_message_method(method.__api_method__):
            await self.limiter.acquire(chat_id)
        return await make_request(bot, method)


def is_message_method(name: str) -> bool:
    lower = name.lower()
    return lower.startswith(MESSAGE_METHOD_PREFIXES) and lower not in NOT_MESSAGES


def _is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or are named by @username)."""
    return isinstance(chat_id, str) or chat_id < 0
