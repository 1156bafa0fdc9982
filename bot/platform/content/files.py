"""Reading content files: YAML or JSON in, validated items out, or every problem located.

Nothing here touches the database: a directory (or a single uploaded file) is either valid as a
whole, and the caller gets every item, or the caller gets the list of problems and nothing else.

A file is ``{items: [item, …]}`` (``{topics: [topic, …]}`` for the topic list) and is read one
entry of that list at a time: each entry is built, validated and dropped before the next one is
read, so a big file (an export of the whole bank) is never in memory twice over as a YAML tree,
the data built from it and the models.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.platform.content.documents import document_hash, item_document
from bot.platform.content.problems import (
    Context,
    english,
    json_problem,
    problem_text,
    schema_problem,
    yaml_problem,
)
from bot.platform.content.schema import TOPIC_ID_PATTERN, ContentFile, Item, Kind, Topic, TopicsFile

TOPICS_FILE = "topics.yaml"
ITEMS_DIR = "items"
CONTENT_SUFFIXES = (".yaml", ".yml", ".json")
# Content nests five levels deep (file → items → item → options → option). Far deeper is an
# attack or an accident, and recursive code (PyYAML's, pydantic's, ours) must never meet it.
MAX_DEPTH = 20
_TOO_DEEP_CONTEXT: Context = {"limit": MAX_DEPTH}


@dataclass(frozen=True)
class ContentProblem:
    """One reason a content file was refused, with everything needed to find it.

    ``code`` names the message (``content-error-<code>`` in the catalogs), ``context`` its values.
    """

    file: str
    code: str
    context: Context = field(default_factory=dict)
    item_id: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return problem_text(self, english())


class ContentError(Exception):
    """Content that must not be loaded; ``problems`` says exactly why."""

    def __init__(self, problems: Sequence[ContentProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class SourcedItem:
    """An item and the file it came from (none for an item an admin wrote in the bot)."""

    item: Item
    file: str | None

    # Computed once, where the bank is parsed (the forked parser, for the fingerprint): they
    # cross back with the item, and the sync compares and writes them as they are.
    @cached_property
    def document(self) -> dict[str, Any]:
        return item_document(self.item)

    @cached_property
    def content_hash(self) -> str:
        return document_hash(self.document)


@dataclass(frozen=True)
class ContentBundle:
    topics: list[Topic]
    items: list[SourcedItem]

    @cached_property
    def fingerprint(self) -> str:
        """One hash of what a sync reads: the topics and every item's document, in order."""
        digest = hashlib.sha256()
        for topic in self.topics:
            digest.update(document_hash(topic.model_dump(mode="json")).encode())
        for sourced in self.items:
            digest.update(sourced.content_hash.encode())
        return digest.hexdigest()


# libyaml's parser is several times faster than PyYAML's own (start-up time), with the same
# marks; PyYAML built without libyaml falls back. Either only parses here: see _Composer.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_item_adapter: TypeAdapter[Item] = TypeAdapter(Item)
_topic_adapter = TypeAdapter(Topic)
_KIND_TAGS = frozenset(kind.value for kind in Kind)
_TOPIC_ID = re.compile(TOPIC_ID_PATTERN)

Location = tuple[str | int, ...]
Model = TypeVar("Model", bound=BaseModel)


def read_content_dir(root: Path) -> ContentBundle:
    """Every topic and item under ``root``; raises :class:`ContentError` listing all problems."""
    topics = read_topics(root / TOPICS_FILE)
    files = sorted(
        path for path in (root / ITEMS_DIR).rglob("*") if path.suffix in CONTENT_SUFFIXES
    )
    documents = ((path.relative_to(root.parent).as_posix(), path.read_bytes()) for path in files)
    return ContentBundle(topics, parse_item_documents(documents, topics))


def parse_item_documents(
    documents: Iterable[tuple[str, bytes]], topics: Sequence[Topic]
) -> list[SourcedItem]:
    """Validate content documents (name, raw bytes) together: ids must be unique across all.

    Every problem of every document is found in one pass: the schema's, references to unknown
    topics and repeated ids (also of items the schema refused), each file's sorted by line.
    """
    known_topics = {topic.id for topic in topics}
    problems: list[ContentProblem] = []
    items: list[SourcedItem] = []
    first_seen: dict[str, str] = {}
    for name, raw in documents:
        found: list[ContentProblem] = []
        for entry in _validated_entries(name, raw, ContentFile, "items", _item_adapter, found):
            topic = entry.field_value("topic")
            if (isinstance(topic, str) and topic not in known_topics
                    and _TOPIC_ID.fullmatch(topic)):  # else the schema has said it
                found.append(entry.problem("unknown-topic", {"topic": topic}, "topic"))
            _check_repeat(entry, first_seen, found)
            if entry.model is not None:
                items.append(SourcedItem(entry.model, name))
        problems += _by_line(found)
    if problems:
        raise ContentError(problems)
    return items


def read_topics(path: Path) -> list[Topic]:
    name = path.as_posix()
    if not path.is_file():
        raise ContentError([ContentProblem(name, "topics-missing")])
    problems: list[ContentProblem] = []
    topics: list[Topic] = []
    first_seen: dict[str, str] = {}
    for entry in _validated_entries(name, path.read_bytes(), TopicsFile, "topics",
                                    _topic_adapter, problems):
        _check_repeat(entry, first_seen, problems)
        if entry.model is not None:
            topics.append(entry.model)
    if problems:
        raise ContentError(_by_line(problems))
    return topics


def _check_repeat(entry: _Entry[Any], first_seen: dict[str, str],
                  problems: list[ContentProblem]) -> None:
    """An id an earlier entry (of this file or an earlier one) has is a problem."""
    if entry.item_id is None:
        return
    if entry.item_id in first_seen:
        problems.append(entry.problem("duplicate-id",
                                      {"first_file": first_seen[entry.item_id]}, "id"))
    first_seen.setdefault(entry.item_id, entry.file)


@dataclass
class _Entry(Generic[Model]):
    """One entry of a file's top-level list: an item, or a topic of the topic list."""

    file: str
    data: Any  # as the file has it
    node: yaml.Node | None  # where each part of it is in a YAML file; None in JSON
    model: Model | None = None  # None when the schema refused it

    @property
    def item_id(self) -> str | None:
        """The id the entry claims, valid or not (so a repeat is found even in a broken one)."""
        value = self.field_value("id")
        return value if isinstance(value, str) else None

    def field_value(self, name: str) -> Any:
        return self.data.get(name) if isinstance(self.data, dict) else None

    def problem(self, code: str, context: Context, *at: str | int) -> ContentProblem:
        """A problem of this entry, at the field ``at`` ("options", 1) or of the whole entry."""
        return ContentProblem(self.file, code, context, self.item_id, _field(at),
                              _line(self.lines, at))

    def schema_problems(self, error: ValidationError) -> list[ContentProblem]:
        problems = []
        for detail in error.errors(include_url=False):
            loc = detail["loc"]
            if detail["type"].startswith("union_tag_"):  # no kind, or an unknown one
                loc = ("kind",)
            elif loc and loc[0] in _KIND_TAGS:  # the union's tag pydantic puts first: "quiz", …
                loc = loc[1:]
            problems.append(self.problem(*schema_problem(detail), *loc))
        return problems

    @cached_property
    def lines(self) -> dict[Location, int]:
        """Read when a problem needs them: most entries never do."""
        return _lines(self.node) if self.node is not None else {}


def _validated_entries(
    name: str, raw: bytes, file_model: type[BaseModel], list_key: str,
    adapter: TypeAdapter[Model], problems: list[ContentProblem],
) -> Iterator[_Entry[Model]]:
    """The entries of ``{list_key: [...]}``, each validated by ``adapter``, then the rest of the
    file by ``file_model``; the file's problems go to ``problems`` (the caller's too).

    A file that cannot be read to the end (broken syntax…) has that one problem only: what the
    entries are past it is unknown, and the entry it cut short would read as missing fields.
    """
    document = _Document(name, raw, list_key)
    for data, node in document.entries():
        entry: _Entry[Model] = _Entry(name, data, node)
        try:
            entry.model = adapter.validate_python(data)
        except ValidationError as error:
            problems += entry.schema_problems(error)
        yield entry
    if not document.complete:
        problems[:] = document.problems
        return
    problems += document.problems  # entries the YAML constructor refused
    try:
        file_model.model_validate(document.root)
    except ValidationError as error:
        problems += [
            ContentProblem(name, *schema_problem(detail), field=_field(detail["loc"]),
                           line=_line(document.root_lines, detail["loc"]))
            for detail in error.errors(include_url=False)
        ]


class _Document:
    """A content file's top-level list, one entry at a time, and then the rest of the file."""

    def __init__(self, name: str, raw: bytes, list_key: str) -> None:
        self.name = name
        self.raw = raw
        self.list_key = list_key
        # Why the file could not be read to the end, or an entry could not be built.
        self.problems: list[ContentProblem] = []
        self.complete = False  # read to the end: ``root`` holds the file without its entries
        self.root: Any = None
        self.root_lines: dict[Location, int] = {}

    def entries(self) -> Iterator[tuple[Any, yaml.Node | None]]:
        if not self.raw or self.raw.isspace():
            self._refuse("empty")
        elif b"\x00" in self.raw:
            self._refuse("not-text")
        elif self.name.lower().endswith(".json"):
            yield from self._json_entries()
        else:
            yield from self._yaml_entries()

    def _json_entries(self) -> Iterator[tuple[Any, None]]:
        try:
            data = json.loads(self.raw)
        except UnicodeDecodeError:
            self._refuse("not-utf8")
            return
        except json.JSONDecodeError as error:
            self._refuse(json_problem(error), line=error.lineno, column=error.colno)
            return
        except RecursionError:
            data = _TOO_DEEP
        if data is _TOO_DEEP or _deeper_than(data, MAX_DEPTH):
            self._refuse("too-deep", _TOO_DEEP_CONTEXT)
            return
        entries = data.get(self.list_key) if isinstance(data, dict) else None
        if isinstance(entries, list):
            self.root = {**data, self.list_key: []}
            for entry in entries:
                yield entry, None
        else:
            self.root = data
        self.complete = True

    def _yaml_entries(self) -> Iterator[tuple[Any, yaml.Node]]:
        composer = _Composer(self.raw)
        try:
            for node in composer.entries(self.list_key):
                try:
                    data = composer.construct(node)
                except yaml.constructor.ConstructorError as error:
                    self._refuse_yaml(error)
                    continue
                yield data, node
            if composer.root is None:  # nothing but comments
                self._refuse("empty")
                return
            self.root = composer.construct(composer.root)
            self.root_lines = _lines(composer.root)
            self.complete = True
        except _Refused as refused:
            self._refuse(refused.code, refused.context, line=refused.mark.line + 1,
                         column=refused.mark.column + 1)
        except yaml.YAMLError as error:
            self._refuse_yaml(error)
        finally:
            composer.close()

    def _refuse_yaml(self, error: yaml.YAMLError) -> None:
        mark = getattr(error, "problem_mark", None)
        code = yaml_problem(error)
        self._refuse(code, _TOO_DEEP_CONTEXT if code == "too-deep" else None,
                     line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None)

    def _refuse(self, code: str, context: Context | None = None, *, line: int | None = None,
                column: int | None = None) -> None:
        self.problems.append(ContentProblem(self.name, code, context or {}, line=line,
                                            column=column))


class _Refused(Exception):
    def __init__(self, code: str, mark: yaml.Mark, context: Context | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.mark = mark
        self.context = context or {}


class _Composer:
    """YAML nodes built here from libyaml's events, instead of by PyYAML's composer, so that:

    - anchors and aliases are refused where they appear, before anything is built: content never
      needs them, and a few hundred bytes of aliases ("billion laughs") stand for billions of
      values;
    - nesting stops at MAX_DEPTH, long before a recursive walk would overflow the stack;
    - the top-level list comes one entry at a time (see the module's docstring).
    """

    def __init__(self, raw: bytes) -> None:
        # Bytes, which libyaml reads in place: no decoded copy. Any: the stubs leave events untyped.
        self._loader: Any = _YAML_LOADER(raw)
        self.root: yaml.Node | None = None  # once the entries are read: the rest of the document

    def close(self) -> None:
        self._loader.dispose()

    def construct(self, node: yaml.Node | None) -> Any:
        return None if node is None else self._loader.construct_document(node)

    def entries(self, list_key: str) -> Iterator[yaml.Node]:
        loader = self._loader
        loader.get_event()  # the stream's start
        if loader.check_event(yaml.StreamEndEvent):
            return  # no document: nothing but comments
        loader.get_event()  # the document's start
        if loader.check_event(yaml.MappingStartEvent):
            self.root = yield from self._root_mapping(list_key)
        else:
            self.root = self._node(1)
        loader.get_event()  # the document's end
        if not loader.check_event(yaml.StreamEndEvent):
            raise _Refused("yaml-many-documents", loader.peek_event().start_mark)

    def _root_mapping(self, list_key: str) -> Generator[yaml.Node, None, yaml.Node]:
        loader = self._loader
        start = self._open(1)
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        while not loader.check_event(yaml.MappingEndEvent):
            key = self._node(2)
            if (isinstance(key, yaml.ScalarNode) and key.value == list_key
                    and loader.check_event(yaml.SequenceStartEvent)):
                begin = self._open(2)
                while not loader.check_event(yaml.SequenceEndEvent):
                    yield self._node(3)
                end = loader.get_event()
                # Read and gone: the rest of the document keeps an empty list in its place.
                value: yaml.Node = yaml.SequenceNode(self._tag(yaml.SequenceNode, begin), [],
                                                     begin.start_mark, end.end_mark)
            else:
                value = self._node(2)
            pairs.append((key, value))
        end = loader.get_event()
        return yaml.MappingNode(self._tag(yaml.MappingNode, start), pairs, start.start_mark,
                                end.end_mark)

    def _node(self, depth: int) -> yaml.Node:
        loader = self._loader
        if loader.check_event(yaml.ScalarEvent):
            event = self._open(depth)
            return yaml.ScalarNode(self._tag(yaml.ScalarNode, event, event.value), event.value,
                                   event.start_mark, event.end_mark, style=event.style)
        if loader.check_event(yaml.SequenceStartEvent):
            event = self._open(depth)
            values = []
            while not loader.check_event(yaml.SequenceEndEvent):
                values.append(self._node(depth + 1))
            end = loader.get_event()
            return yaml.SequenceNode(self._tag(yaml.SequenceNode, event), values,
                                     event.start_mark, end.end_mark, flow_style=event.flow_style)
        event = self._open(depth)  # a mapping (an alias never gets past _open)
        pairs = []
        while not loader.check_event(yaml.MappingEndEvent):
            pairs.append((self._node(depth + 1), self._node(depth + 1)))
        end = loader.get_event()
        return yaml.MappingNode(self._tag(yaml.MappingNode, event), pairs, event.start_mark,
                                end.end_mark, flow_style=event.flow_style)

    def _open(self, depth: int) -> Any:
        """The next node's first event, unless it is an alias, has an anchor or is too deep."""
        event = self._loader.get_event()
        if event.anchor is not None:  # an alias's anchor is the one it refers to
            raise _Refused("yaml-alias", event.start_mark)
        if depth > MAX_DEPTH:
            raise _Refused("too-deep", event.start_mark, _TOO_DEEP_CONTEXT)
        return event

    def _tag(self, kind: type[yaml.Node], event: Any, value: str | None = None) -> str:
        if event.tag not in (None, "!"):
            return str(event.tag)
        return str(self._loader.resolve(kind, value, event.implicit))


_TOO_DEEP = object()


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether ``data`` nests more than ``limit`` levels (a scalar in a list in a dict is 3)."""
    level: list[Any] = [data]
    for _ in range(limit):
        level = [child for value in level if isinstance(value, dict | list)
                 for child in (value.values() if isinstance(value, dict) else value)]
        if not level:
            return False
    return True


def _lines(node: yaml.Node) -> dict[Location, int]:
    """The line of every mapping key and list entry under ``node``, by its location."""
    lines: dict[Location, int] = {}
    pending: list[tuple[yaml.Node, Location]] = [(node, ())]
    while pending:
        current, path = pending.pop()
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                child = (*path, str(key.value))
                lines[child] = key.start_mark.line + 1  # a key's line, even for a block value
                pending.append((value, child))
        elif isinstance(current, yaml.SequenceNode):
            pending += [(value, (*path, index)) for index, value in enumerate(current.value)]
    return lines


def _line(lines: Mapping[Location, int], loc: Sequence[str | int]) -> int | None:
    """The line of ``loc``, or of the nearest part of it in the file (a missing field: its item)."""
    return next((lines[tuple(loc[:size])] for size in range(len(loc), -1, -1)
                 if tuple(loc[:size]) in lines), None)


def _field(loc: Sequence[str | int]) -> str | None:
    """"options.1": where in an item or in the file; None for the whole of it."""
    return ".".join(str(part) for part in loc) or None


def _by_line(problems: list[ContentProblem]) -> list[ContentProblem]:
    return sorted(problems, key=lambda problem: problem.line or 0)
