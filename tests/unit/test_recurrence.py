"""Properties of next_occurrence across zones, weekdays and DST (gaps, overlaps, odd offsets)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.platform.recurrence import next_occurrence, occurrence_at

ZONES = [
    "UTC", "Europe/Moscow", "Europe/Berlin", "Europe/London", "America/New_York",
    "America/St_Johns",  # -03:30 with DST
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Australia/Sydney", "America/Santiago", "Pacific/Chatham", "Asia/Tehran", "Pacific/Apia",
    "America/Havana",  # DST changes at midnight: 00:xx does not exist on the spring day
]

zones = st.sampled_from(ZONES).map(ZoneInfo)
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31)
).map(lambda naive: naive.replace(tzinfo=UTC))
times_of_day = st.lists(st.times().map(lambda t: t.replace(second=0, microsecond=0)),
                        min_size=1, max_size=4, unique=True)
weekday_sets = st.sets(st.integers(0, 6), min_size=1)


def all_occurrences(
    start: date, days: int, times: list[time], zone: ZoneInfo, weekdays: set[int]
) -> list[tuple[date, datetime]]:
    """Every (local day, instant) in a span, by brute force: the oracle."""
    return [
        (day, occurrence_at(day, at, zone))
        for day in (start + timedelta(days=offset) for offset in range(days))
        if day.weekday() in weekdays
        for at in times
    ]


@settings(max_examples=400, deadline=None)
@given(after=instants, times=times_of_day, zone=zones, weekdays=weekday_sets)
def test_the_next_run_is_the_first_allowed_local_time_after_now(
    after: datetime, times: list[time], zone: ZoneInfo, weekdays: set[int]
) -> None:
    result = next_occurrence(after, times, zone, weekdays)

    assert result > after
    start = after.astimezone(zone).date() - timedelta(days=2)
    candidates = all_occurrences(start, 14, times, zone, weekdays)
    # It is one of the allowed local times on an allowed weekday (or its gap-shifted twin) …
    assert any(instant == result for _, instant in candidates)
    # … and no allowed occurrence between ``after`` and it was skipped.
    assert not [instant for _, instant in candidates if after < instant < result]


@settings(max_examples=200, deadline=None)
@given(after=instants, at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       zone=zones, weekdays=weekday_sets)
def test_following_the_schedule_posts_once_on_every_allowed_day(
    after: datetime, at: time, zone: ZoneInfo, weekdays: set[int]
) -> None:
    runs = [next_occurrence(after, [at], zone, weekdays)]
    for _ in range(20):
        runs.append(next_occurrence(runs[-1], [at], zone, weekdays))

    days = [_local_day_of(run, at, zone) for run in runs]
    allowed = [day for day in (days[0] + timedelta(days=n) for n in range(200))
               if day.weekday() in weekdays][: len(days)]
    assert days == allowed  # consecutive allowed days, none twice, none missing


def _local_day_of(instant: datetime, at: time, zone: ZoneInfo) -> date:
    """The local day whose ``at`` produced ``instant`` (a gap can push it past midnight)."""
    local_day = instant.astimezone(zone).date()
    for day in (local_day, local_day - timedelta(days=1)):
        if occurrence_at(day, at, zone) == instant:
            return day
    raise AssertionError(f"{instant} is not {at} of any day in {zone}")


def test_a_time_in_the_spring_gap_fires_once_an_hour_later() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    after = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    first = next_occurrence(after, [time(2, 30)], berlin)
    second = next_occurrence(first, [time(2, 30)], berlin)
    assert first.astimezone(berlin).replace(tzinfo=None) == datetime(2026, 3, 29, 3, 30)
    assert second.astimezone(berlin).replace(tzinfo=None) == datetime(2026, 3, 30, 2, 30)


def test_a_time_in_the_autumn_overlap_fires_once_at_its_first_occurrence() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    after = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    first = next_occurrence(after, [time(2, 30)], berlin)
    second = next_occurrence(first, [time(2, 30)], berlin)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not 02:30 CET
    assert second.astimezone(berlin).date() == date(2026, 10, 26)


def test_lord_howe_half_hour_shift_and_kathmandu_quarter_offset() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    # 2026-10-04 02:00 → 02:30 on Lord Howe: 02:15 does not exist that day.
    gap_day = next_occurrence(datetime(2026, 10, 3, 0, 0, tzinfo=UTC), [time(2, 15)], lord_howe)
    assert gap_day.astimezone(lord_howe).replace(tzinfo=None) == datetime(2026, 10, 4, 2, 45)
    kathmandu = next_occurrence(datetime(2026, 1, 1, tzinfo=UTC), [time(9, 0)],
                                ZoneInfo("Asia/Kathmandu"))
    assert kathmandu == datetime(2026, 1, 1, 3, 15, tzinfo=UTC)
