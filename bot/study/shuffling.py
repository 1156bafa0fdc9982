"""A quiz's options in a new order at every send, and answers mapped back to the item's own.

A learner who meets the same quiz again, or a group that sees it a second time, must not be
able to answer from the position alone. The order a poll was sent in is stored with it
(``sent_polls.option_order``): position ``i`` of the poll shows the item's option
``order[i]``. Answers, scores and statistics speak of the item's options, never of positions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from random import Random

OptionOrder = tuple[int, ...]


def shuffled_order(option_count: int, fixed: Collection[int], rng: Random) -> OptionOrder:
    """A random order of ``option_count`` options in which those in ``fixed`` ("all of the
    above") keep their place and the others trade places among themselves."""
    movable = [index for index in range(option_count) if index not in fixed]
    shuffled = iter(rng.sample(movable, len(movable)))
    return tuple(index if index in fixed else next(shuffled) for index in range(option_count))


def identity_order(option_count: int) -> OptionOrder:
    return tuple(range(option_count))


def positions_of(order: Sequence[int], item_option_ids: Collection[int]) -> list[int]:
    """Where the item's options ``item_option_ids`` stand in the poll, ascending (as
    ``correct_option_ids`` must be)."""
    return sorted(position for position, index in enumerate(order) if index in item_option_ids)


def item_options_of(order: Sequence[int] | None, positions: Sequence[int]) -> tuple[int, ...]:
    """The item's options a voter chose at ``positions``, ascending; ``order`` None: the poll
    showed the item's own order (a poll sent before orders were stored). A position the poll
    does not have is dropped."""
    if order is None:
        return tuple(sorted(positions))
    return tuple(sorted(order[position] for position in positions
                        if 0 <= position < len(order)))
