"""The drill's pure rules: interval wording, the grade the key points propose, chart width."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.drills.intervals import format_interval
from bot.drills.key_points import proposed_grade, ticked_indexes, toggled
from bot.drills.progress import (
    HISTORY_DAYS,
    MIN_HISTORY_DAYS,
    PointsGrade,
    history_days,
    weakest_points,
)
from bot.platform.i18n import create_i18n
from bot.study.grades import Grade
from bot.study.srs import apply_review, new_card, preview_intervals

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("interval", "ru", "en"), [
    (timedelta(seconds=10), "1 мин", "1 min"),
    (timedelta(minutes=10), "10 мин", "10 min"),
    (timedelta(minutes=59, seconds=29), "59 мин", "59 min"),
    (timedelta(minutes=59, seconds=31), "1 ч", "1 h"),
    (timedelta(hours=5), "5 ч", "5 h"),
    (timedelta(hours=23, minutes=40), "1 д", "1 d"),
    (timedelta(days=12), "12 д", "12 d"),
    (timedelta(days=30), "30 д", "30 d"),
    (timedelta(days=45), "1 мес", "1 mo"),
    (timedelta(days=200), "7 мес", "7 mo"),
    (timedelta(days=365), "1 г", "1 y"),
    (timedelta(days=3 * 365), "3 г", "3 y"),
    (timedelta(days=5 * 365), "5 л", "5 y"),
])
def test_intervals_read_like_ankis(interval: timedelta, ru: str, en: str) -> None:
    i18n = create_i18n("ru")
    with i18n.context():
        with i18n.use_locale("ru"):
            assert format_interval(interval) == ru
        with i18n.use_locale("en"):
            assert format_interval(interval) == en


def test_previews_are_fsrs_own_and_leave_the_card_alone() -> None:
    card = new_card(1, 1, NOW)
    apply_review(card, Grade.GOOD.rating, NOW)
    apply_review(card, Grade.GOOD.rating, NOW + timedelta(minutes=10))
    due = card.due
    later = NOW + timedelta(days=3)
    previews = preview_intervals(card, later)
    assert card.due == due  # a preview is no review
    assert previews[Grade.AGAIN.rating] < previews[Grade.HARD.rating] \
        < previews[Grade.GOOD.rating] < previews[Grade.EASY.rating]
    for grade in Grade:
        reviewed = new_card(1, 1, NOW)
        apply_review(reviewed, Grade.GOOD.rating, NOW)
        apply_review(reviewed, Grade.GOOD.rating, NOW + timedelta(minutes=10))
        apply_review(reviewed, grade.rating, later)
        assert reviewed.due - later == previews[grade.rating]


@pytest.mark.parametrize(("covered", "total", "grade"), [
    (0, 3, Grade.AGAIN), (1, 3, Grade.HARD), (2, 3, Grade.GOOD), (3, 3, Grade.EASY),
    (1, 4, Grade.HARD), (2, 4, Grade.HARD), (3, 4, Grade.GOOD), (4, 4, Grade.EASY),
    (3, 6, Grade.HARD), (4, 6, Grade.GOOD), (5, 6, Grade.GOOD), (6, 6, Grade.EASY),
])
def test_the_share_of_key_points_proposes_the_grade(covered: int, total: int,
                                                    grade: Grade) -> None:
    assert proposed_grade(covered, total) is grade


def test_key_points_toggle_in_a_bit_mask() -> None:
    covered = toggled(toggled(toggled(0, 0), 2), 0)
    assert covered == 0b100
    assert ticked_indexes(covered, 3) == [2]
    assert ticked_indexes(0b111, 3) == [0, 1, 2]


def test_the_chart_starts_at_the_first_answer_and_is_a_week_wide_at_least() -> None:
    today = date(2026, 12, 2)
    assert history_days(None, today) == MIN_HISTORY_DAYS
    assert history_days(today, today) == MIN_HISTORY_DAYS
    assert history_days(today - timedelta(days=10), today) == 11
    assert history_days(today - timedelta(days=400), today) == HISTORY_DAYS


def test_the_weakest_points_are_those_ticked_least_often_per_topic() -> None:
    roc = ["TPR", "FPR", "thresholds"]
    grades = [
        PointsGrade("metrics", "Metrics", roc, [0]),
        PointsGrade("metrics", "Metrics", roc, [0, 1]),
        PointsGrade("ab", "A/B", ["alpha", "power"], [0, 1]),
        PointsGrade("metrics", "Metrics", ["precision", "recall"], [1]),
    ]
    weak = weakest_points(grades, per_topic=2)
    assert [(w.topic_id, w.point, w.covered, w.graded) for w in weak] == [
        ("metrics", "thresholds", 0, 2),  # never ticked, twice graded
        ("metrics", "precision", 0, 1),
    ]
