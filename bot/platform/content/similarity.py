"""When two items ask the same thing: the rule of the bank's near-duplicate gate
(``tests/unit/test_content_bank.py``) and of the admin dialog's warning before a save.

Two items are near-duplicates when what a reader compares (title, question and the details shown
with it; casefolded, "ё" as "е", punctuation as spaces) has a ``SequenceMatcher`` ratio of at
least :data:`NEAR_DUPLICATE_RATIO`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Generic, TypeVar

NEAR_DUPLICATE_RATIO = 0.85
_NOT_A_WORD = re.compile(r"[^0-9a-zа-яё]+")
Key = TypeVar("Key")


def comparable_text(document: Mapping[str, Any]) -> str:
    """What a reader compares: title, question, and the code or details shown with it."""
    parts = [str(document.get(name) or "") for name in ("title", "question", "details")]
    return _NOT_A_WORD.sub(" ", " ".join(parts).casefold().replace("ё", "е")).strip()


@dataclass(frozen=True)
class Closest(Generic[Key]):
    key: Key
    ratio: float


def closest_duplicate(text: str, others: Iterable[tuple[Key, str]]) -> Closest[Key] | None:
    """The most similar of ``others`` (key, comparable text) if it is a near-duplicate."""
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(text)
    best: Closest[Key] | None = None
    for key, other in others:
        matcher.set_seq1(other)
        # The cheap upper bounds first: most pairs are far apart.
        if matcher.real_quick_ratio() < NEAR_DUPLICATE_RATIO:
            continue
        if matcher.quick_ratio() < NEAR_DUPLICATE_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= NEAR_DUPLICATE_RATIO and (best is None or ratio > best.ratio):
            best = Closest(key, ratio)
    return best
