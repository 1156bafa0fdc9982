"""Key points of an open question or task: the learner ticks those they covered, and the share
ticked proposes the self-grade."""

from __future__ import annotations

from fractions import Fraction

from bot.study.grades import Grade

# "Most" of the points: two thirds — two of three, three of four, four of six.
MOST = Fraction(2, 3)


def proposed_grade(covered: int, total: int) -> Grade:
    """All points → Easy; at least two thirds → Good; some → Hard; none → Again."""
    if total <= 0 or covered <= 0:
        return Grade.AGAIN
    if covered >= total:
        return Grade.EASY
    if Fraction(covered, total) >= MOST:
        return Grade.GOOD
    return Grade.HARD


def toggled(covered: int, index: int) -> int:
    """The bit mask of ticked points with point ``index`` flipped."""
    return covered ^ (1 << index)


def ticked_indexes(covered: int, total: int) -> list[int]:
    """The indexes of the points ticked in the mask, among the item's ``total`` points."""
    return [index for index in range(total) if covered >> index & 1]
