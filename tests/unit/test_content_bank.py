"""Quality gates of the question bank in content/: size, coverage, mix, no near-duplicates."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher
from functools import cache
from itertools import combinations

from bot.content.files import ContentBundle, read_content_dir
from bot.content.schema import Difficulty, Item, Kind, QuizItem, ResourceItem
from tests.conftest import REPO_ROOT

MIN_ITEMS = 365
MIN_PER_TOPIC = 15
TOPICS_WITHOUT_MINIMUM = {"career"}  # books and articles: as many as are worth reading
SHARE_BOUNDS = {  # share of the drillable bank (resources excluded)
    "quiz": (0.40, 0.60),
    "question": (0.25, 0.42),
    "task": (0.10, 0.30),
}
MIN_DIFFICULTY_SHARE = 0.15
NEAR_DUPLICATE_RATIO = 0.85


@cache
def bank() -> ContentBundle:
    return read_content_dir(REPO_ROOT / "content")


def drillable() -> list[Item]:
    return [s.item for s in bank().items if not isinstance(s.item, ResourceItem)]


def test_the_bank_has_a_year_of_daily_posts() -> None:
    assert len(drillable()) >= MIN_ITEMS


def test_every_topic_has_its_minimum() -> None:
    counts = Counter(item.topic for item in drillable())
    short = {
        topic.id: counts[topic.id] for topic in bank().topics
        if topic.id not in TOPICS_WITHOUT_MINIMUM and counts[topic.id] < MIN_PER_TOPIC
    }
    assert short == {}, f"topics under {MIN_PER_TOPIC} items: {short}"


def test_the_kind_mix_is_within_bounds() -> None:
    items = drillable()
    counts = Counter(item.kind.value for item in items)
    for kind, (low, high) in SHARE_BOUNDS.items():
        share = counts[kind] / len(items)
        assert low <= share <= high, f"{kind}: {share:.0%} of the bank, want {low:.0%}–{high:.0%}"


def test_difficulty_is_spread_over_all_levels() -> None:
    items = drillable()
    counts = Counter(item.difficulty for item in items)
    for level in Difficulty:
        assert counts[level] / len(items) >= MIN_DIFFICULTY_SHARE, f"too few {level} items"


def test_every_quiz_has_right_and_wrong_options() -> None:
    for item in drillable():
        if isinstance(item, QuizItem):
            correct = set(item.correct_option_ids)
            assert correct < set(range(len(item.options))), item.id


def _normalised(item: Item) -> str:
    """What a reader compares: title, question, and the code or details shown with it."""
    parts = [getattr(item, name, None) or "" for name in ("title", "question", "details")]
    text = " ".join(parts)
    return re.sub(r"[^0-9a-zа-яё]+", " ", text.casefold().replace("ё", "е")).strip()


def test_no_two_questions_are_near_duplicates() -> None:
    texts = [(item.id, _normalised(item)) for item in drillable()]
    pairs = []
    for (id_a, a), (id_b, b) in combinations(texts, 2):
        matcher = SequenceMatcher(None, a, b, autojunk=False)
        if matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO and (
            matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
            and matcher.ratio() >= NEAR_DUPLICATE_RATIO
        ):
            pairs.append(f"{id_a} ~ {id_b}: {a!r} / {b!r}")
    assert pairs == [], "near-duplicate questions:\n" + "\n".join(pairs)


def test_kinds_in_the_bank_cover_every_drill() -> None:
    assert {item.kind for item in drillable()} == {Kind.QUIZ, Kind.QUESTION, Kind.TASK}
