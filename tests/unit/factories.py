"""Small builders of content for service tests."""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import TypeAdapter

from bot.platform.content.files import SourcedItem
from bot.platform.content.schema import Item, Topic
from bot.study.learners import Learner

TOPICS = [
    Topic.model_validate({"id": "metrics", "hashtag": "метрики",
                          "title": {"ru": "Метрики", "en": "Metrics"}}),
    Topic.model_validate({"id": "sql", "hashtag": "sql", "title": {"ru": "SQL", "en": "SQL"}}),
]
_adapter: TypeAdapter[Item] = TypeAdapter(Item)


def quiz(item_id: str, **overrides: Any) -> SourcedItem:
    data: dict[str, Any] = {
        "id": item_id, "kind": "quiz", "topic": "metrics",
        "question": f"Вопрос {item_id}?", "options": ["да", "нет", "не знаю"],
        "correct_option_ids": [1], "poll_explanation": "Потому что.",
        "explanation": "Подробный **разбор**.",
    }
    data.update(overrides)
    return SourcedItem(_adapter.validate_python(data), "content/items/test.yaml")


def question(item_id: str, **overrides: Any) -> SourcedItem:
    data: dict[str, Any] = {
        "id": item_id, "kind": "question", "topic": "metrics",
        "question": f"Открытый вопрос {item_id}?", "answer": "Ответ.",
    }
    data.update(overrides)
    return SourcedItem(_adapter.validate_python(data), "content/items/test.yaml")


def quiz_data(item_id: str = "precision", **overrides: Any) -> dict[str, Any]:
    """A quiz as a content file holds it, unchecked: a test may make it invalid."""
    data: dict[str, Any] = {
        "id": item_id, "kind": "quiz", "topic": "metrics",
        "question": f"Что такое {item_id}?", "options": ["Доля TP среди предсказанных", "Другое"],
        "correct_option_ids": [0], "poll_explanation": "По определению.",
        "explanation": "Precision = **TP / (TP + FP)**.",
    }
    data.update(overrides)
    return data


def yaml_file(*documents: dict[str, Any]) -> bytes:
    """A YAML content file of these items, as an admin uploads it."""
    return yaml.safe_dump({"items": list(documents)}, allow_unicode=True,
                          sort_keys=False).encode()


def learner(user_id: int, *, new_cards_per_day: int = 10, topic_ids: frozenset[str] = frozenset(),
            zone: str = "Europe/Moscow") -> Learner:
    return Learner(user_id, ZoneInfo(zone), new_cards_per_day, topic_ids)


def alias_bomb(levels: int = 10, width: int = 10) -> bytes:
    """"Billion laughs": a few hundred bytes of YAML aliases standing for ``width ** levels``
    strings, each level a list of ``width`` references to the one before."""
    names = [f"l{level}" for level in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{previous}'] * width)}]"
              for previous, name in pairwise(names)]
    return "\n".join([*lines, f"items: [*{names[-1]}]", ""]).encode()
