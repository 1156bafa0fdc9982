"""Content validation: every Telegram limit, located errors, all-or-nothing files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_core import ErrorDetails

from bot.platform.content import schema
from bot.platform.content.__main__ import main as check_command
from bot.platform.content.files import ContentError, parse_item_documents, read_content_dir
from bot.platform.content.markdown import Entity, Rendered
from bot.platform.content.problems import english, problem_message, schema_problem
from bot.platform.content.schema import Topic

TOPICS = [Topic.model_validate({"id": "metrics", "hashtag": "метрики",
                                "title": {"ru": "Метрики", "en": "Metrics"}})]


def quiz(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "metrics-f1",
        "kind": "quiz",
        "topic": "metrics",
        "question": "Как считается F1?",
        "options": ["2PR/(P+R)", "(P+R)/2", "P·R"],
        "correct_option_ids": [0],
        "poll_explanation": "F1 — гармоническое среднее точности и полноты.",
        "explanation": "**F1** = `2·P·R / (P + R)`.",
    }
    item.update(overrides)
    return item


def load(*items: dict[str, Any], name: str = "items/a.yaml") -> list[str]:
    document = yaml.safe_dump({"items": list(items)}, allow_unicode=True).encode()
    return [sourced.item.id for sourced in parse_item_documents([(name, document)], TOPICS)]


def problems(*items: dict[str, Any]) -> list[str]:
    with pytest.raises(ContentError) as error:
        load(*items)
    return [str(problem) for problem in error.value.problems]


def test_a_valid_quiz_loads() -> None:
    assert load(quiz()) == ["metrics-f1"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"question": "?" * 301}, "question", "Telegram allows 1–300"),
        ({"question": "😀" * 151}, "question", "length 302;"),
        ({"options": ["a"]}, "options", "at least 2"),
        ({"options": [f"o{i}" for i in range(13)]}, "options", "at most 12"),
        ({"options": ["a", "x" * 101]}, "options.1", "Telegram allows 1–100"),
        ({"options": ["a", "A", "b"]}, None, "options repeat"),
        ({"correct_option_ids": []}, "correct_option_ids", "at least 1"),
        ({"correct_option_ids": [3]}, None, "within 0–2"),
        ({"correct_option_ids": [1, 0]}, None, "ascending"),
        ({"correct_option_ids": [0, 1, 2]}, None, "at least one must be wrong"),
        ({"poll_explanation": "x" * 201}, "poll_explanation", "Telegram allows 1–200"),
        ({"poll_explanation": "a\nb\nc\nd"}, "poll_explanation", "line feeds: 3"),
        ({"explanation": "x" * 12_001}, "explanation", "limit is 12000"),
        ({"details": "y" * 1025}, "details", "limit is 1024"),
        ({"id": "Bad Id"}, "id", "cannot be an id"),
        ({"tags": ["с пробелом"]}, "tags.0", "cannot be a tag"),
        ({"surprise": 1}, "surprise", "no such field in the schema"),
    ],
)
def test_each_limit_is_enforced_and_located(
    overrides: dict[str, Any], field: str | None, message: str
) -> None:
    (problem,) = problems(quiz(**overrides))
    assert "items/a.yaml" in problem
    assert "item 'metrics-f1'" in problem or overrides.get("id")
    if field:
        assert f"field {field!r}" in problem
    assert message in problem


def test_tags_with_capital_letters_are_taken_lowercased() -> None:
    document = yaml.safe_dump({"items": [quiz(tags=["NLP", "Регуляризация", "l2"])]},
                              allow_unicode=True).encode()
    (loaded,) = parse_item_documents([("items/a.yaml", document)], TOPICS)
    assert loaded.item.tags == ["nlp", "регуляризация", "l2"]
    with pytest.raises(ContentError, match="tags repeat"):
        load(quiz(tags=["SQL", "sql"]))


def test_unknown_topic_and_duplicate_ids_are_reported_together() -> None:
    found = problems(quiz(), quiz(topic="astrology"))
    assert any("unknown topic “astrology”" in problem for problem in found)
    assert any("duplicate id" in problem for problem in found)


def test_other_kinds_need_their_own_fields() -> None:
    (problem,) = problems({"id": "t", "kind": "task", "topic": "metrics", "question": "q",
                           "answer": "a"})
    assert "field 'solution'" in problem
    assert "a required field is missing" in problem


def test_problem_lines_point_into_the_yaml_file() -> None:
    text = (
        "items:\n"
        "  - id: metrics-ok\n    kind: question\n    topic: metrics\n"
        "    question: Что такое AUC?\n    answer: Площадь под ROC-кривой.\n"
        "  - id: metrics-bad\n    kind: question\n    topic: metrics\n"
        "    question: ''\n    answer: ok\n"
    )
    with pytest.raises(ContentError) as error:
        parse_item_documents([("items/b.yaml", text.encode())], TOPICS)
    (problem,) = error.value.problems
    assert (problem.item_id, problem.field, problem.line) == ("metrics-bad", "question", 10)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the file is empty"),
        (b"items: [\n  - id: x\n", "items/c.yaml:2:3: YAML syntax error"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file"),
        (b"items:\n  - \x00\n", "control characters"),
        (b"items: [\xff]\n", "not a UTF-8 text file"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(raw: bytes, message: str) -> None:
    with pytest.raises(ContentError) as error:
        parse_item_documents([("items/c.yaml", raw)], TOPICS)
    assert message in str(error.value)


def test_broken_json_reports_its_line() -> None:
    with pytest.raises(ContentError) as error:
        parse_item_documents([("items/d.json", b'{"items": [\n  {"id": }\n]}')], TOPICS)
    assert error.value.problems[0].line == 2


TOPICS_YAML = """\
topics:
  - id: metrics
    hashtag: метрики
    title: {ru: Метрики, en: Metrics}
"""


def content_dir(root: Path, topics: str, **items: str) -> Path:
    (root / "items").mkdir(parents=True)
    (root / "topics.yaml").write_text(topics, encoding="utf-8")
    for name, text in items.items():
        (root / "items" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root


def test_start_up_refuses_anchors_and_deep_nesting_as_an_import_does(tmp_path: Path) -> None:
    shared_tags = yaml.safe_dump({"items": [quiz(id="a", tags=["f1"])]}, allow_unicode=True)
    aliased = shared_tags.replace("tags:", "tags: &shared", 1) + "- {id: b, tags: *shared}\n"
    root = content_dir(tmp_path / "content", TOPICS_YAML, aliased=aliased,
                       deep="items: " + "[" * 50 + "]" * 50 + "\n")
    with pytest.raises(ContentError) as error:
        read_content_dir(root)
    assert [(problem.file, problem.code, problem.line) for problem in error.value.problems] == [
        ("content/items/aliased.yaml", "yaml-alias", 13),
        ("content/items/deep.yaml", "too-deep", 1),
    ]
    assert "content/items/aliased.yaml:13:9: YAML anchors (&) and aliases (*) are not " \
           "accepted" in str(error.value)


@pytest.mark.parametrize(
    ("topics", "code", "line"),
    [
        (None, "topics-missing", None),
        (TOPICS_YAML + TOPICS_YAML.removeprefix("topics:\n"), "duplicate-id", 5),
        ("topics: &all []\nmore: *all\n", "yaml-alias", 1),
    ],
)
def test_a_topic_list_that_is_missing_or_wrong_stops_the_start(
    tmp_path: Path, topics: str | None, code: str, line: int | None
) -> None:
    root = content_dir(tmp_path / "content", topics or "")
    if topics is None:
        (root / "topics.yaml").unlink()
    with pytest.raises(ContentError) as error:
        read_content_dir(root)
    assert [(problem.code, problem.line) for problem in error.value.problems] == [(code, line)]


def test_a_pydantic_error_the_schema_does_not_raise_still_reads_in_words() -> None:
    detail: ErrorDetails = {"type": "bool_type", "loc": ("x",), "msg": "Input should be a valid "
                            "boolean", "input": 1}
    code, context = schema_problem(detail)
    assert problem_message(code, context, english()) == "invalid value (bool_type)"


def test_the_check_command_counts_with_the_nouns_agreeing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one_item = yaml.safe_dump({"items": [quiz()]}, allow_unicode=True)
    good = content_dir(tmp_path / "good", TOPICS_YAML, quiz=one_item)
    assert check_command(["check", str(good)]) == 0
    assert capsys.readouterr().out == "ok: 1 item, 1 topic\n"
    bad = content_dir(tmp_path / "bad", TOPICS_YAML, quiz=one_item.replace("metrics-f1", "F1"))
    assert check_command(["check", str(bad)]) == 1
    assert capsys.readouterr().err.endswith("\n1 problem; nothing would be loaded\n")


def test_markdown_that_renders_to_entities_telegram_refuses_is_a_content_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The renderer avoids such entities itself; this guards against a regression of it (or of
    # the library under it) reaching Telegram as a 400 on every send of the item.
    overlapping = Rendered("bold italic", (Entity("bold", 0, 6), Entity("italic", 4, 7)))
    monkeypatch.setattr(schema, "render_markdown", lambda markdown: overlapping)
    (problem,) = problems(quiz())
    assert "field 'explanation'" in problem
    assert "formatting Telegram refuses" in problem
