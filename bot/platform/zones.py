"""Time zones as people type them and pick them: IANA names, and the common ones as buttons."""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

COMMON_ZONES = (
    "Europe/Kaliningrad", "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg",
    "Asia/Omsk", "Asia/Novosibirsk", "Asia/Krasnoyarsk", "Asia/Irkutsk", "Asia/Vladivostok",
    "Europe/Minsk", "Europe/Kyiv", "Asia/Almaty", "Asia/Tashkent", "Asia/Tbilisi",
    "Europe/Berlin", "Europe/London", "America/New_York", "UTC",
)
# "+3", "UTC+3", "GMT-05:00", "Etc/GMT-3": a fixed offset knows nothing about summer time.
_OFFSET = re.compile(r"(?:etc/)?(?:utc|gmt)?\s*[+\-−]\s*\d{1,2}(?::?\d{2})?", re.IGNORECASE)


class ZoneProblem(StrEnum):
    OFFSET_NOT_ZONE = "offset-not-zone"
    UNKNOWN_ZONE = "unknown-zone"


class ZoneInputError(ValueError):
    def __init__(self, problem: ZoneProblem, part: str) -> None:
        super().__init__(f"{problem}: {part}")
        self.problem = problem
        self.part = part


def parse_zone(text: str) -> str:
    """An IANA time zone name in its canonical spelling (``europe/berlin`` → ``Europe/Berlin``)."""
    name = text.strip()
    if _OFFSET.fullmatch(name):
        raise ZoneInputError(ZoneProblem.OFFSET_NOT_ZONE, name)
    canonical = _zone_names().get(name.lower())
    if canonical is None:
        raise ZoneInputError(ZoneProblem.UNKNOWN_ZONE, name)
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        raise ZoneInputError(ZoneProblem.UNKNOWN_ZONE, name) from None
    return canonical


@cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone the system knows, by its lower-case name (a directory walk: done once).

    The zone database's directory also holds files that are not zones anyone lives in:
    ``localtime`` (the server's own zone), ``posixrules``, ``Factory``."""
    return {name.lower(): name for name in available_timezones()
            if name not in _NOT_IANA_ZONES and not name.startswith(("posix/", "right/"))}


_NOT_IANA_ZONES = frozenset({"localtime", "posixrules", "Factory"})
