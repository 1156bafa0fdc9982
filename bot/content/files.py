"""Reading content files: YAML or JSON in, validated items out, or every problem located.

Nothing here touches the database: a directory (or a single uploaded file) is either valid as a
whole, and the caller gets every item, or the caller gets the list of problems and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.content.schema import ContentFile, Item, Topic, TopicsFile

TOPICS_FILE = "topics.yaml"
ITEMS_DIR = "items"
CONTENT_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class ContentProblem:
    """One reason a content file was refused, with everything needed to find it."""

    file: str
    message: str
    item_id: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.item_id:
            parts.append(f"item {self.item_id!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts) + f": {self.message}"


class ContentError(Exception):
    """Content that must not be loaded; ``problems`` says exactly why."""

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class SourcedItem:
    item: Item
    file: str


@dataclass(frozen=True)
class ContentBundle:
    topics: list[Topic]
    items: list[SourcedItem]


# libyaml's loader parses the bank several times faster than PyYAML's own (start-up time), with
# the same line numbers in nodes and errors; PyYAML built without libyaml falls back.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_topics_adapter = TypeAdapter(TopicsFile)
_file_adapter = TypeAdapter(ContentFile)


def read_content_dir(root: Path) -> ContentBundle:
    """Every topic and item under ``root``; raises :class:`ContentError` listing all problems."""
    topics = read_topics(root / TOPICS_FILE)
    files = sorted(
        path for path in (root / ITEMS_DIR).rglob("*") if path.suffix in CONTENT_SUFFIXES
    )
    documents = [(path.relative_to(root.parent).as_posix(), path.read_bytes()) for path in files]
    return ContentBundle(topics, parse_item_documents(documents, topics))


def parse_item_documents(
    documents: Iterable[tuple[str, bytes]], topics: Sequence[Topic]
) -> list[SourcedItem]:
    """Validate content documents (name, raw bytes) together: ids must be unique across all."""
    known_topics = {topic.id for topic in topics}
    problems: list[ContentProblem] = []
    items: list[SourcedItem] = []
    first_seen: dict[str, str] = {}
    for name, raw in documents:
        parsed = _parse_document(name, raw)
        if isinstance(parsed, list):
            problems.extend(parsed)
            continue
        data, lines = parsed
        try:
            content = _file_adapter.validate_python(data)
        except ValidationError as error:
            problems.extend(_located(name, data, lines, error))
            continue
        for index, item in enumerate(content.items):
            line = lines.get(("items", index))
            if item.topic not in known_topics:
                problems.append(
                    ContentProblem(name, f"unknown topic {item.topic!r}", item.id, "topic",
                                   lines.get(("items", index, "topic"), line))
                )
            if item.id in first_seen:
                problems.append(
                    ContentProblem(name, f"duplicate id, first used in {first_seen[item.id]}",
                                   item.id, "id", line)
                )
            first_seen.setdefault(item.id, name)
            items.append(SourcedItem(item, name))
    if problems:
        raise ContentError(problems)
    return items


def read_topics(path: Path) -> list[Topic]:
    name = path.as_posix()
    if not path.is_file():
        raise ContentError([ContentProblem(name, "the topic list is missing")])
    parsed = _parse_document(name, path.read_bytes())
    if isinstance(parsed, list):
        raise ContentError(parsed)
    data, lines = parsed
    try:
        topics = _topics_adapter.validate_python(data).topics
    except ValidationError as error:
        raise ContentError(_located(name, data, lines, error)) from None
    ids = [topic.id for topic in topics]
    if len(set(ids)) != len(ids):
        raise ContentError([ContentProblem(name, "topic ids repeat", field="id")])
    return topics


Location = tuple[str | int, ...]


def _parse_document(
    name: str, raw: bytes
) -> tuple[Any, dict[Location, int]] | list[ContentProblem]:
    """Parsed data and the line of every mapping key and list element, or the problems."""
    if not raw.strip():
        return [ContentProblem(name, "the file is empty")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [ContentProblem(name, "not a UTF-8 text file")]
    if "\x00" in text:
        return [ContentProblem(name, "not a text file (contains NUL bytes)")]
    if name.endswith(".json"):
        try:
            return json.loads(text), {}
        except json.JSONDecodeError as error:
            return [ContentProblem(name, f"broken JSON: {error.msg}", line=error.lineno)]
    try:
        node, data = _compose_and_construct(text, _YAML_LOADER)
    except yaml.YAMLError as error:
        worded = _worded(text, error)
        mark = getattr(worded, "problem_mark", None)
        return [
            ContentProblem(
                name,
                f"broken YAML: {getattr(worded, 'problem', None) or worded}",
                line=mark.line + 1 if mark else None,
            )
        ]
    lines: dict[Location, int] = {}
    if node is not None:
        _collect_lines(node, (), lines)
    return data, lines


def _compose_and_construct(text: str, loader_class: type[yaml.SafeLoader]) -> tuple[Any, Any]:
    """The document's node tree (for line numbers) and its data, from one parse."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def _worded(text: str, error: yaml.YAMLError) -> yaml.YAMLError:
    """PyYAML's own wording of a syntax error (libyaml's is vaguer); errors are rare."""
    try:
        _compose_and_construct(text, yaml.SafeLoader)
    except yaml.YAMLError as worded:
        return worded
    return error


def _collect_lines(node: yaml.Node, path: Location, lines: dict[Location, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _collect_lines(value, child, lines)
            lines[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _collect_lines(value, (*path, index), lines)


def _located(
    name: str, data: Any, lines: dict[Location, int], error: ValidationError
) -> list[ContentProblem]:
    problems = []
    for detail in error.errors(include_url=False):
        # Drop the discriminator tag pydantic puts into union locations ("quiz", "task", ...).
        loc = tuple(
            part
            for position, part in enumerate(detail["loc"])
            if not (position == 2 and detail["loc"][:1] == ("items",) and isinstance(part, str)
                    and part in {"quiz", "question", "task", "resource"})
        )
        item_id = None
        if len(loc) >= 2 and loc[0] in ("items", "topics") and isinstance(loc[1], int):
            entry = _get(data, loc[:2])
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                item_id = entry["id"]
        field_path = ".".join(str(part) for part in loc[2:]) or None
        line = next((lines[loc[:size]] for size in range(len(loc), -1, -1) if loc[:size] in lines),
                    None)
        message = detail["msg"].removeprefix("Value error, ")
        problems.append(ContentProblem(name, message, item_id, field_path, line))
    return problems


def _get(data: Any, loc: Location) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
