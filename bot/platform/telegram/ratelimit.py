"""One rate limiter for every message the bot sends, as an aiogram session middleware.

Telegram's limits for bots: about 30 messages per second overall (we keep to 25 by default;
up to 1000 for paid broadcasts), one message per second in a chat, 20 per minute in a group or
channel. Calls over the limit
wait for their turn; nothing is dropped. Only calls that put a message into a chat count
(``send*``, ``copyMessage(s)``, ``forwardMessage(s)``); edits, stopPoll and reads do not.

Register it after :class:`bot.platform.telegram.retry.RetryMiddleware` so every retried attempt
waits for its turn too (the first registered middleware is the outermost).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
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
# Group states idle this long carry no constraint any more and are forgotten (private chats'
# once their interval has passed).
_FORGET_AFTER_SECONDS = 60.0
# The overall limit is kept over a window 2 % longer than a second: requests reach Telegram a
# few milliseconds apart from when they left, and that jitter must not add up to an extra
# message in some second on Telegram's side.
GLOBAL_WINDOW_SECONDS = 1.02
# Telegram counts messages when they arrive. A process short of CPU releases them on time and
# then writes them late, several at once; so besides the pace at release, no more than this
# share of the limit may be on the way or have arrived in the last window, and never more than
# Telegram's own ceiling for the lane (at 25/s, 30; paid broadcasts at 1000/s, 1000).
ARRIVAL_MARGIN = 1.2
# Telegram's overall ceilings: about 30 messages a second, 1000 sent with allow_paid_broadcast.
TELEGRAM_PER_SECOND = 30
PAID_BROADCAST_PER_SECOND = 1000.0
# How often a sender checks for room while every counted message is still on its way.
_IN_FLIGHT_POLL_SECONDS = 0.005

Departure = Callable[[], Awaitable[None]]
#: What must happen once a message's turn has come and before it leaves: the daily posts'
#: write-ahead record (a post still waiting for its turn when its replica dies is known not
#: sent). Set around one send (a context variable: each send runs in its own task); it runs
#: before each request of that send and is not counted as the message being on its way.
before_departure: ContextVar[Departure | None] = ContextVar("before_departure", default=None)


@dataclass
class _ChatState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_send: float | None = None
    recent: deque[float] = field(default_factory=deque)  # group sends in the last minute
    waiters: int = 0


class _Lane:
    """One overall limit: evenly spaced release slots, at most ``per_window`` releases in any
    window, and at most ``arrival_cap`` messages on their way or arrived in any window."""

    def __init__(self, per_second: float, ceiling: float) -> None:
        self.interval = GLOBAL_WINDOW_SECONDS / per_second
        self.per_window = max(1, int(per_second))
        self.arrival_cap = max(self.per_window,
                               int(min(ceiling, per_second * ARRIVAL_MARGIN)))
        self.next_slot = 0.0
        self.released: deque[float] = deque()
        # A message counts as arrived when its response came: it reached Telegram before.
        self.arrived: deque[float] = deque()
        self.in_flight = 0
        # Senders wait for room at each gate one at a time, in order: when the lane is full
        # they would all wake at the same instant for one of them to go (at 1000/s with
        # hundreds waiting, most of the bot's CPU).
        self.release_room = asyncio.Lock()
        self.arrival_room = asyncio.Lock()

    def take_slot(self, now: float) -> float:
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        return slot

    def release_at(self, now: float) -> float | None:
        """When the release window has room for one more; None: it has, now."""
        while self.released and self.released[0] + GLOBAL_WINDOW_SECONDS <= now:
            self.released.popleft()
        if len(self.released) >= self.per_window:
            return self.released[0] + GLOBAL_WINDOW_SECONDS
        return None

    def leave(self, now: float) -> None:
        """One more on its way (counted until its answer, whenever it left)."""
        self.in_flight += 1

    def depart_at(self, now: float) -> float | None:
        """When one more message may be on its way; None: now."""
        while self.arrived and self.arrived[0] + GLOBAL_WINDOW_SECONDS <= now:
            self.arrived.popleft()
        if self.in_flight + len(self.arrived) >= self.arrival_cap:
            return (self.arrived[0] + GLOBAL_WINDOW_SECONDS if self.arrived
                    else now + _IN_FLIGHT_POLL_SECONDS)
        return None


class RateLimiter:
    """``async with limiter.turn(chat_id):`` send the message to ``chat_id`` inside.

    Per chat, callers queue in order (a lock per chat) and wait for the chat's own limits; then
    they take the next slot of the global pace, evenly spaced, so the overall rate is smooth
    rather than bursty; a log of the last ``per_second`` releases makes sure no window of
    :data:`GLOBAL_WINDOW_SECONDS` holds more, even when a busy event loop wakes several late
    senders at once; and a count of the messages still on their way or answered within the
    window keeps what arrives at Telegram to :data:`ARRIVAL_MARGIN` times the limit, within
    Telegram's ceiling, whatever the delay between leaving and arrival. A message counts as on
    its way from when it leaves (``on_its_way``), after what its send does between its turn and
    the wire (``before_departure``), which therefore holds no place of the window.
    ``per_second`` None lifts the global limit (per-chat limits stay). Paid broadcasts
    (``turn(chat_id, paid=True)``) keep to their own overall limit, ``paid_per_second``, when
    one is given.
    """

    def __init__(
        self,
        per_second: float | None = 25.0,
        *,
        paid_per_second: float | None = None,
        chat_interval: float = 1.0,
        group_per_minute: int = 20,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._free = _Lane(per_second, TELEGRAM_PER_SECOND) if per_second else None
        self._paid = (_Lane(paid_per_second, PAID_BROADCAST_PER_SECOND) if paid_per_second
                      else self._free)
        self.chat_interval = chat_interval
        self.group_per_minute = group_per_minute
        self.monotonic = monotonic
        self.sleep = sleep
        self._chats: dict[int | str, _ChatState] = {}
        self._since_sweep = 0

    @asynccontextmanager
    async def turn(self, chat_id: int | str, *, paid: bool = False) -> AsyncIterator[None]:
        """The message's turn; it is on its way to Telegram until the block ends."""
        await self.acquire(chat_id, paid=paid)
        async with self.on_its_way(paid=paid):
            yield

    async def acquire(self, chat_id: int | str, *, paid: bool = False) -> None:
        """Wait for the turn of a message to ``chat_id``: its chat's limits and its release
        slot (then ``on_its_way`` before it leaves)."""
        lane = self._paid if paid else self._free
        state = self._chats.setdefault(chat_id, _ChatState())
        state.waiters += 1
        try:
            async with state.lock:
                await self._wait_until(self._chat_ready_at(chat_id, state))
                if lane is not None:
                    await self._wait_until(lane.take_slot(self.monotonic()))
                    await self._wait_for_room(lane.release_room, lane.release_at,
                                              lane.released.append)
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

    @asynccontextmanager
    async def on_its_way(self, *, paid: bool = False) -> AsyncIterator[None]:
        """A released message leaving: it waits for room among the messages on their way or
        arrived in the window, and counts as on its way until the block ends, then as arrived.
        Counted from here, not from its release: what happens between the two (the daily
        posts' write-ahead record) does not hold places of the window."""
        lane = self._paid if paid else self._free
        if lane is None:
            yield
            return
        await self._wait_for_room(lane.arrival_room, lane.depart_at, lane.leave)
        try:
            yield
        finally:
            lane.in_flight -= 1
            lane.arrived.append(self.monotonic())

    async def _wait_for_room(
        self, room: asyncio.Lock, free_at: Callable[[float], float | None],
        count: Callable[[float], None],
    ) -> None:
        """Wait, one sender at a time, until ``free_at`` finds room, then ``count`` this
        message: without awaits between the check and the count, so concurrent callers
        agree."""
        async with room:
            while (wake_at := free_at(self.monotonic())) is not None:
                await self._wait_until(wake_at)
            count(self.monotonic())

    async def _wait_until(self, instant: float) -> None:
        delay = instant - self.monotonic()
        if delay > 0:
            await self.sleep(delay)

    def _sweep(self) -> None:
        self._since_sweep += 1
        if self._since_sweep < 1000:
            return
        self._since_sweep = 0
        now = self.monotonic()
        # A private chat's only constraint is its one message a second; a group's last minute
        # counts. Kept a minute, a broadcast's private chats held ~1 KB each: 45 MB at 750/s.
        idle = [chat for chat, state in self._chats.items()
                if not state.waiters and (state.last_send or 0.0) < now - (
                    _FORGET_AFTER_SECONDS if _is_group(chat) else self.chat_interval)]
        for chat in idle:
            del self._chats[chat]


class RateLimitMiddleware(BaseRequestMiddleware):
    """Every message waits for its turn; then its ``before_departure`` runs, and it leaves."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter
        self._departure = DeparturePoint()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if chat_id is None or not is_message_method(method.__api_method__):
            return await make_request(bot, method)
        paid = bool(getattr(method, "allow_paid_broadcast", False))
        await self.limiter.acquire(chat_id, paid=paid)

        async def leave(bot: Bot, method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
            async with self.limiter.on_its_way(paid=paid):
                return await make_request(bot, method)

        return await self._departure(leave, bot, method)


class DeparturePoint(BaseRequestMiddleware):
    """The request, after the current ``before_departure``, if any: once (the middlewares
    inside see none). The rate limiter runs it between a message's turn and its leaving;
    registered innermost, it runs it where no limiter did (a call that is no message, a Bot
    without the limiter)."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        hook = before_departure.get()
        if hook is None:
            return await make_request(bot, method)
        await hook()
        token = before_departure.set(None)
        try:
            return await make_request(bot, method)
        finally:
            before_departure.reset(token)


def is_message_method(name: str) -> bool:
    lower = name.lower()
    return lower.startswith(MESSAGE_METHOD_PREFIXES) and lower not in NOT_MESSAGES


def _is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or are named by @username)."""
    return isinstance(chat_id, str) or chat_id < 0
