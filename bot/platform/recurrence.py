"""When a "daily at local time" rule fires next, as a UTC instant.

A local time that does not exist (inside a spring-forward gap) fires once, at the wall-clock
time it would have had with the offset in force before the gap (02:30 → 03:30); a time that
exists twice (an autumn overlap) fires once, at its first occurrence. Both come from
``fold=0``, which is what :mod:`zoneinfo` gives a freshly built datetime.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_WEEKDAYS = frozenset(range(7))  # Monday is 0, as in ``date.weekday()``


def occurrence_at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local ``day`` ``at`` in ``zone``."""
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(UTC)


def next_occurrence(
    after: datetime,
    times: Sequence[time],
    zone: ZoneInfo,
    weekdays: Collection[int] = ALL_WEEKDAYS,
) -> datetime:
    """The first occurrence strictly after ``after`` (aware) on one of ``weekdays``."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    if not times:
        raise ValueError("at least one time of day is needed")
    if not weekdays:
        raise ValueError("at least one weekday is needed")
    # A UTC instant near midnight can belong to the previous local date, and a gap can push a
    # late time past the next day's early one: look at every candidate of the span, not the
    # first day that has one.
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    days = (first_day + timedelta(days=offset) for offset in range(9))
    return min(
        instant
        for day in days
        if day.weekday() in weekdays
        for instant in (occurrence_at(day, at, zone) for at in times)
        if instant > after
    )
