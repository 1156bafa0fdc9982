"""Reading a schedule typed by a person: ``09:30,18:00 Europe/Berlin``, ``@channel 9:30``.

Pure functions; a bad part raises :class:`ScheduleInputError` naming the part and the kind of
problem, so the reply can quote it with an example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from enum import StrEnum

from bot.daily.subscriptions import MAX_TIMES_PER_DAY
from bot.platform import zones
from bot.platform.zones import ZoneInputError

_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
_CHANNEL_ID = re.compile(r"-100\d{5,}")
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")


class Problem(StrEnum):
    BAD_TIME = "bad-time"
    TOO_MANY_TIMES = "too-many-times"
    OFFSET_NOT_ZONE = "offset-not-zone"
    UNKNOWN_ZONE = "unknown-zone"
    TWO_ZONES = "two-zones"
    TWO_CHATS = "two-chats"


class ScheduleInputError(ValueError):
    def __init__(self, problem: Problem, part: str) -> None:
        super().__init__(f"{problem}: {part}")
        self.problem = problem
        self.part = part


@dataclass(frozen=True)
class ScheduleRequest:
    """What was typed; anything left out is ``None`` (the caller's default or current value)."""

    times: tuple[time, ...] | None = None
    zone: str | None = None
    chat: str | int | None = None  # "@channel" or a channel id, to subscribe from a private chat


def parse_schedule(text: str | None) -> ScheduleRequest:
    """The arguments of /subscribe or /settings: times, a time zone and a channel, any order."""
    times: tuple[time, ...] | None = None
    zone: str | None = None
    chat: str | int | None = None
    for token in re.sub(r"\s*,\s*", ",", (text or "").strip()).split():
        if _USERNAME.fullmatch(token) or _CHANNEL_ID.fullmatch(token):
            if chat is not None:
                raise ScheduleInputError(Problem.TWO_CHATS, token)
            chat = int(token) if token.startswith("-") else token
        elif token[0].isdigit():
            times = tuple(sorted({*(times or ()), *parse_times(token)}))
            if len(times) > MAX_TIMES_PER_DAY:
                raise ScheduleInputError(Problem.TOO_MANY_TIMES, token)
        else:
            if zone is not None:
                raise ScheduleInputError(Problem.TWO_ZONES, token)
            zone = parse_zone(token)
    return ScheduleRequest(times, zone, chat)


def parse_times(text: str) -> tuple[time, ...]:
    """``"9:30"``, ``"09:30,18:00"`` (commas or spaces) → sorted distinct times of day."""
    parts = [part for part in re.split(r"[,\s]+", text.strip()) if part]
    if not parts:
        raise ScheduleInputError(Problem.BAD_TIME, text)
    found: set[time] = set()
    for part in parts:
        match = _TIME.fullmatch(part)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise ScheduleInputError(Problem.BAD_TIME, part)
        found.add(time(int(match[1]), int(match[2])))
    if len(found) > MAX_TIMES_PER_DAY:
        raise ScheduleInputError(Problem.TOO_MANY_TIMES, text)
    return tuple(sorted(found))


def parse_zone(text: str) -> str:
    """An IANA time zone name in its canonical spelling (``europe/berlin`` → ``Europe/Berlin``)."""
    try:
        return zones.parse_zone(text)
    except ZoneInputError as error:
        raise ScheduleInputError(Problem(error.problem.value), error.part) from None
