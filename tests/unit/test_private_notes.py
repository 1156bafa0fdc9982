"""The private note's rules: a streak counts back from the newest answer; a group gets at most
its budget of notes a minute, whatever the number of answers."""

from __future__ import annotations

from unittest.mock import MagicMock

from bot.daily.answer_notes import streak
from bot.daily.private_notes import PrivateNotes


def test_a_streak_counts_right_answers_back_from_the_newest() -> None:
    assert streak([True, True, False, True]) == 2
    assert streak([False, True]) == 0
    assert streak([]) == 0


def test_a_group_gets_at_most_its_budget_of_notes_a_minute() -> None:
    now = [0.0]
    notes = PrivateNotes(MagicMock(), MagicMock(), "bot", per_minute=2,
                         monotonic=lambda: now[0])
    assert [notes.take_turn(-100) for _ in range(3)] == [True, True, False]
    assert notes.take_turn(-200)  # another group has its own budget
    now[0] = 59.9
    assert not notes.take_turn(-100)
    now[0] = 60.0
    assert notes.take_turn(-100)
