"""The near-duplicate rule the bank's gate and the /add warning share."""

from __future__ import annotations

from bot.platform.content.similarity import closest_duplicate, comparable_text


def test_comparable_text_ignores_case_yo_and_punctuation() -> None:
    assert comparable_text({"question": "Что даёт L2-регуляризация?!", "details": None}) == (
        "что дает l2 регуляризация")


def test_the_closest_near_duplicate_is_found_and_a_merely_related_question_is_not() -> None:
    others = [
        (1, comparable_text({"question": "Как работает ROC-кривая?"})),
        (2, comparable_text({"question": "Как работает PR-кривая?"})),
        (3, comparable_text({"question": "Что такое precision?"})),
    ]
    closest = closest_duplicate(comparable_text({"question": "Как работает ROC кривая"}), others)
    assert closest is not None
    assert closest.key == 1
    assert closest.ratio >= 0.85
    assert closest_duplicate(comparable_text({"question": "Что такое recall и зачем он?"}),
                             others) is None
