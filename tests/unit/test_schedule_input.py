"""Schedules as people type them after /subscribe."""

from __future__ import annotations

from datetime import time

import pytest

from bot.daily.schedule_input import (
    Problem,
    ScheduleInputError,
    ScheduleRequest,
    parse_schedule,
    parse_zone,
)


def test_nothing_typed_leaves_everything_to_the_defaults() -> None:
    assert parse_schedule("") == ScheduleRequest()
    assert parse_schedule(None) == ScheduleRequest()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("09:30 Europe/Berlin", ScheduleRequest((time(9, 30),), "Europe/Berlin")),
        ("9:30", ScheduleRequest((time(9, 30),))),
        ("Europe/Berlin 9:30", ScheduleRequest((time(9, 30),), "Europe/Berlin")),
        ("18:00,09:30", ScheduleRequest((time(9, 30), time(18)))),
        ("09:30, 18:00 asia/tokyo", ScheduleRequest((time(9, 30), time(18)), "Asia/Tokyo")),
        ("@ml_channel 8:00", ScheduleRequest((time(8),), None, "@ml_channel")),
        ("-1001234567890", ScheduleRequest(chat=-1001234567890)),
        ("UTC", ScheduleRequest(zone="UTC")),
    ],
)
def test_times_zone_and_channel_in_any_order(typed: str, expected: ScheduleRequest) -> None:
    assert parse_schedule(typed) == expected


@pytest.mark.parametrize(
    ("typed", "problem", "part"),
    [
        ("25:00", Problem.BAD_TIME, "25:00"),
        ("09:30,9:61", Problem.BAD_TIME, "9:61"),
        ("9", Problem.BAD_TIME, "9"),
        ("09:30 UTC+3", Problem.OFFSET_NOT_ZONE, "UTC+3"),
        ("+03:00", Problem.OFFSET_NOT_ZONE, "+03:00"),
        ("Etc/GMT-3", Problem.OFFSET_NOT_ZONE, "Etc/GMT-3"),
        ("10:00 Europe/Berlinn", Problem.UNKNOWN_ZONE, "Europe/Berlinn"),
        ("Europe/Berlin Asia/Tokyo", Problem.TWO_ZONES, "Asia/Tokyo"),
        ("@one_channel @two_channel", Problem.TWO_CHATS, "@two_channel"),
        ("1:00,2:00,3:00,4:00,5:00,6:00,7:00", Problem.TOO_MANY_TIMES,
         "1:00,2:00,3:00,4:00,5:00,6:00,7:00"),
        ("../../etc/passwd", Problem.UNKNOWN_ZONE, "../../etc/passwd"),
        ("localtime", Problem.UNKNOWN_ZONE, "localtime"),  # the server's zone, not a name
        ("09:00 posixrules", Problem.UNKNOWN_ZONE, "posixrules"),
    ],
)
def test_a_bad_part_is_named(typed: str, problem: Problem, part: str) -> None:
    with pytest.raises(ScheduleInputError) as caught:
        parse_schedule(typed)
    assert (caught.value.problem, caught.value.part) == (problem, part)


def test_zone_names_are_spelled_canonically() -> None:
    assert parse_zone(" america/new_york ") == "America/New_York"
