"""Writing an item step by step: the draft, the check of each step, and saving it.

Every step is checked by the content schema itself (``bot.platform.content.schema``), the very
models content files go through, so the dialog and the files cannot disagree on a limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.markdown import utf16_len
from bot.platform.content.problems import schema_problem
from bot.platform.content.schema import POLL_EXPLANATION_MAX, Kind
from bot.platform.content.schema import Item as ContentItem
from bot.platform.content.similarity import closest_duplicate, comparable_text
from bot.platform.content.sync import write_item
from bot.platform.db.models import AdminAction, AdminActionKind, Item, ItemSource, Topic
from bot.study.catalog import Card

SLUG_MAX = 40  # room for a "-2" suffix within the schema's 48
DRAFT_SLUG = "draft"  # stands in for the id until the item is saved and gets its own


class DraftField(StrEnum):
    """What the dialog asks for, named as in the content schema."""

    QUESTION = "question"
    OPTIONS = "options"
    CORRECT_OPTIONS = "correct_option_ids"
    POLL_EXPLANATION = "poll_explanation"
    EXPLANATION = "explanation"
    ANSWER = "answer"
    SOLUTION = "solution"
    TOPIC = "topic"
    TAGS = "tags"
    DIFFICULTY = "difficulty"
    # Optional: offered from the preview, each with a way to leave it out.
    DETAILS = "details"
    KEY_POINTS = "key_points"
    EMOJI = "emoji"
    LANGUAGE = "language"


AUTHORED_KINDS = (Kind.QUIZ, Kind.QUESTION, Kind.TASK)
FIELDS: dict[Kind, tuple[DraftField, ...]] = {
    Kind.QUIZ: (DraftField.QUESTION, DraftField.OPTIONS, DraftField.CORRECT_OPTIONS,
                DraftField.POLL_EXPLANATION, DraftField.EXPLANATION, DraftField.TOPIC,
                DraftField.TAGS, DraftField.DIFFICULTY),
    Kind.QUESTION: (DraftField.QUESTION, DraftField.ANSWER, DraftField.TOPIC, DraftField.TAGS,
                    DraftField.DIFFICULTY),
    Kind.TASK: (DraftField.QUESTION, DraftField.ANSWER, DraftField.SOLUTION, DraftField.TOPIC,
                DraftField.TAGS, DraftField.DIFFICULTY),
}
#: What the content format has beyond the required fields, per kind (a task has no details).
OPTIONAL_FIELDS: dict[Kind, tuple[DraftField, ...]] = {
    Kind.QUIZ: (DraftField.DETAILS, DraftField.EMOJI, DraftField.LANGUAGE),
    Kind.QUESTION: (DraftField.DETAILS, DraftField.KEY_POINTS, DraftField.EMOJI,
                    DraftField.LANGUAGE),
    Kind.TASK: (DraftField.KEY_POINTS, DraftField.EMOJI, DraftField.LANGUAGE),
}
#: Markdown posts that may be longer than one Telegram message: written in several messages.
LONG_FIELDS = frozenset({DraftField.EXPLANATION, DraftField.ANSWER, DraftField.SOLUTION})


def is_markdown(kind: Kind, name: DraftField) -> bool:
    """A field the content schema keeps as Markdown: the admin's formatting is kept in it."""
    return (name in LONG_FIELDS or name is DraftField.DETAILS
            or (kind is Kind.TASK and name is DraftField.QUESTION))


#: Written as "-" when there are none.
NO_TAGS = "-"

# pydantic checks whole models. The fields a draft does not have yet get valid stand-ins, so
# one step is checked by the full schema, rules across fields (options repeat, …) included.
_STAND_INS: dict[str, Any] = {
    "question": "?",
    "options": ["-", "+"],
    "correct_option_ids": [0],
    "poll_explanation": "-",
    "explanation": "-",
    "answer": "-",
    "solution": "-",
    "topic": "stand-in",
}
_LIST_SIZE_CODES = {
    ("options", "too_short"): "too-few-options",
    ("options", "too_long"): "too-many-options",
    ("correct_option_ids", "too_short"): "no-correct",
    ("tags", "too_long"): "too-many-tags",
}
_item_adapter: TypeAdapter[ContentItem] = TypeAdapter(ContentItem)
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


class Draft(BaseModel):
    """An item being written or edited; kept in the dialog state between messages, as JSON."""

    kind: Kind
    #: Fields accepted so far, as they go into the content document.
    values: dict[str, Any] = {}
    #: The item being edited; None for a new one.
    item_id: int | None = None

    def missing(self) -> DraftField | None:
        """The next field to ask for; None when the draft is ready for the preview."""
        return next((name for name in FIELDS[self.kind] if name.value not in self.values), None)

    def without(self, name: DraftField) -> Draft:
        """The draft with ``name`` to be asked again (and what depends on it)."""
        dropped = {name.value}
        if name is DraftField.OPTIONS:
            dropped.add(DraftField.CORRECT_OPTIONS.value)
        values = {key: value for key, value in self.values.items() if key not in dropped}
        return self.model_copy(update={"values": values})


@dataclass(frozen=True)
class Problem:
    """Why a value was refused; ``code`` names the message, ``context`` its numbers."""

    code: str
    position: int | None = None  # 1-based number of the option or tag at fault
    context: Mapping[str, Any] = field(default_factory=dict)
    # The code is a content file's (content-error-<code>): a rule the dialog has no words of its
    # own for, worded as /import words it.
    schema: bool = False


class DraftRejected(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(problem.code for problem in problems))
        self.problems = problems


@dataclass(frozen=True)
class TopicChoice:
    id: str
    title_ru: str
    title_en: str


@dataclass(frozen=True)
class SavedItem:
    id: int
    slug: str
    version: int


def new_draft(kind: Kind) -> Draft:
    if kind not in AUTHORED_KINDS:
        raise DraftRejected([Problem("bad-kind")])
    return Draft(kind=kind)


def parse_options(text: str) -> list[str]:
    """One option per line; blank lines are ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_tags(text: str) -> list[str]:
    """Tags separated by spaces or commas, with or without '#'; "-" for none."""
    if text.strip() == NO_TAGS:
        return []
    return [tag.lstrip("#") for tag in re.split(r"[\s,]+", text.strip()) if tag.lstrip("#")]


def accept(draft: Draft, name: DraftField, value: Any) -> Draft:
    """The draft with ``name`` set to ``value``, checked by the content schema.

    Raises DraftRejected with the problems of this field (and of rules across fields). An
    optional field's ``None`` leaves it out.
    """
    if name not in FIELDS[draft.kind] + OPTIONAL_FIELDS[draft.kind]:
        raise DraftRejected([Problem("invalid")])
    candidate = draft.model_copy(update={"values": {**draft.values, name.value: value}})
    try:
        item = _validate(candidate, DRAFT_SLUG, stand_ins=True)
    except ValidationError as error:
        problems = [_problem(name, detail) for detail in error.errors(include_url=False)
                    if _location(detail)[:1] in ((), (name.value,))]
        raise DraftRejected(problems or [Problem("invalid")]) from None
    # Keep what the schema made of it (stripped text, the difficulty's own spelling).
    normalized = item.model_dump(mode="json")[name.value]
    return draft.model_copy(update={"values": {**draft.values, name.value: normalized}})


def accept_text(draft: Draft, name: DraftField, text: str) -> Draft:
    """A value typed in one message: options and key points one per line, tags split by spaces
    or commas."""
    if name in (DraftField.OPTIONS, DraftField.KEY_POINTS):
        return accept(draft, name, parse_options(text))
    if name is DraftField.TAGS:
        return accept(draft, name, parse_tags(text))
    return accept(draft, name, text)


def accept_parts(draft: Draft, name: DraftField, parts: list[str]) -> Draft:
    """A long text written in several messages, each of them a paragraph."""
    if not parts:
        raise DraftRejected([Problem("empty")])
    return accept(draft, name, "\n\n".join(parts))


async def accept_value(
    session: AsyncSession, draft: Draft, name: DraftField, value: Any
) -> Draft:
    """``accept`` for any field: a topic must also exist, a long text comes as its parts."""
    if name is DraftField.TOPIC and await session.get(Topic, value) is None:
        raise DraftRejected([Problem("unknown-topic", context={"topic": value})])
    if name in LONG_FIELDS:
        return accept_parts(draft, name, list(value))
    return accept(draft, name, value)


async def list_topics(session: AsyncSession) -> list[TopicChoice]:
    topics = await session.scalars(select(Topic).order_by(Topic.title_ru))
    return [TopicChoice(topic.id, topic.title_ru, topic.title_en) for topic in topics]


def draft_from_quiz(
    question: str, options: list[str], correct_option_ids: list[int], explanation: str | None
) -> Draft:
    """A draft from a quiz made in Telegram's poll editor; each part checked like a typed one.

    The poll's explanation is optional there: when it is missing the dialog asks for it.
    """
    draft = new_draft(Kind.QUIZ)
    draft = accept(draft, DraftField.QUESTION, question)
    draft = accept(draft, DraftField.OPTIONS, options)
    draft = accept(draft, DraftField.CORRECT_OPTIONS, sorted(correct_option_ids))
    if explanation:
        draft = accept(draft, DraftField.POLL_EXPLANATION, explanation)
    return draft


async def draft_of_item(session: AsyncSession, slug: str) -> Draft | None:
    """The item ``slug`` as a draft to edit; None when there is none the dialog can edit."""
    row = await session.scalar(select(Item).where(Item.slug == slug))
    if row is None or row.kind not in {kind.value for kind in AUTHORED_KINDS}:
        return None
    return Draft(kind=Kind(row.kind), values=dict(row.document), item_id=row.id)


@dataclass(frozen=True)
class CheckedDraft:
    """A complete draft that passed every rule, as the content item it will be saved as."""

    item_id: int | None
    item: ContentItem
    topic_hashtag: str

    def card(self) -> Card:
        """The item as learners will see it: what the preview shows."""
        return Card(self.item_id or 0, self.item, self.topic_hashtag)


async def check_draft(session: AsyncSession, draft: Draft) -> CheckedDraft:
    """Every rule again on the complete draft, the topic and the item's id included.

    Only reads: the dialog ends (its state is written) between this and ``save_checked``.
    """
    missing = draft.missing()
    if missing is not None:
        raise DraftRejected([Problem("missing", context={"field": missing.value})])
    if draft.item_id is None:
        slug = await _free_slug(session, slugify(str(draft.values["question"])))
    else:
        slug = await session.scalar(select(Item.slug).where(Item.id == draft.item_id)) or ""
        if not slug:
            raise DraftRejected([Problem("item-gone")])
    topic = str(draft.values["topic"])
    hashtag = await session.scalar(select(Topic.hashtag).where(Topic.id == topic))
    if hashtag is None:
        raise DraftRejected([Problem("unknown-topic", context={"topic": topic})])
    try:
        item = _validate(draft, slug, stand_ins=False)
    except ValidationError as error:
        raise DraftRejected([_problem(None, detail)
                             for detail in error.errors(include_url=False)]) from None
    return CheckedDraft(draft.item_id, item, hashtag)


async def save_checked(
    session: AsyncSession, checked: CheckedDraft, *, author_id: int, now: datetime
) -> SavedItem:
    """A new item, or the next version of the edited one; who saved it is kept with it.

    Either way the item becomes the bot's own (``ItemSource.ADMIN``): the content files no longer
    overwrite it at the next start.
    """
    row = await session.get(Item, checked.item_id) if checked.item_id is not None else None
    saved = await write_item(
        session, row, checked.item,
        source=ItemSource.ADMIN, source_file=row.source_file if row else None,
        changed_by=author_id, now=now,
    )
    action = AdminActionKind.ADD if row is None else AdminActionKind.EDIT
    session.add(AdminAction(actor_id=author_id, action=action, target=saved.slug, created_at=now))
    await session.flush()
    return SavedItem(saved.id, saved.slug, saved.version)


@dataclass(frozen=True)
class SimilarItem:
    id: int
    slug: str
    question: str


async def near_duplicate(session: AsyncSession, draft: Draft) -> SimilarItem | None:
    """The existing item most like the draft, when the bank's near-duplicate rule calls them
    the same question (``bot.platform.content.similarity``); the edited item itself aside."""
    rows = {row.id: row for row in await session.execute(
        select(Item.id, Item.slug, Item.document).where(Item.archived_at.is_(None)))}
    closest = closest_duplicate(
        comparable_text(draft.values),
        ((item_id, comparable_text(row.document)) for item_id, row in rows.items()
         if item_id != draft.item_id))
    if closest is None:
        return None
    row = rows[closest.key]
    return SimilarItem(row.id, row.slug, str(row.document.get("question", "")))


def poll_explanation_count(draft: Draft) -> tuple[int, int]:
    """Its length as Telegram counts it, and the limit: "143/200"."""
    return utf16_len(str(draft.values.get(DraftField.POLL_EXPLANATION.value, ""))), \
        POLL_EXPLANATION_MAX


def slugify(text: str) -> str:
    """A readable id from the question: "Что такое ROC-AUC?" → "chto-takoe-roc-auc"."""
    latin = "".join(_TRANSLIT.get(char, char) for char in text.casefold())
    words = re.findall(r"[a-z0-9]+", latin)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > SLUG_MAX:
            break
        slug = candidate
    return slug or (words[0][:SLUG_MAX] if words else "item")


async def _free_slug(session: AsyncSession, base: str) -> str:
    taken = set(await session.scalars(select(Item.slug).where(Item.slug.startswith(base))))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


def _validate(draft: Draft, slug: str, *, stand_ins: bool) -> ContentItem:
    document: dict[str, Any] = {}
    if stand_ins:
        wanted = {name.value for name in FIELDS[draft.kind]}
        document.update({key: value for key, value in _STAND_INS.items() if key in wanted})
    document.update(draft.values)
    document.update(id=slug, kind=draft.kind.value)
    return _item_adapter.validate_python(document)


def _location(detail: Any) -> tuple[str | int, ...]:
    """Where the error is within the item (pydantic puts the kind, the union's tag, first)."""
    return tuple(detail["loc"][1:])


def _problem(name: DraftField | None, detail: Any) -> Problem:
    """One pydantic error as a Problem the dialog can word in the admin's language."""
    kind: str = detail["type"]
    context: dict[str, Any] = dict(detail.get("ctx") or {})
    loc = _location(detail)
    field_name = str(loc[0]) if loc else (name.value if name else "")
    position = loc[1] + 1 if len(loc) > 1 and isinstance(loc[1], int) else None
    if kind in ("text_length", "rendered_length"):
        if context["length"] == 0:
            return Problem("empty", position)
        return Problem("too-long", position,
                       {"length": context["length"], "limit": context["high"]})
    if kind in ("rendered_empty", "missing"):
        return Problem("empty", position)
    if kind == "line_feeds":
        return Problem("too-many-line-feeds", position,
                       {"count": context["count"], "limit": context["high"]})
    if (field_name, kind) in _LIST_SIZE_CODES:
        count = {"count": context.get("actual_length", 0),
                 "limit": context.get("min_length", context.get("max_length"))}
        return Problem(_LIST_SIZE_CODES[field_name, kind], None, count)
    if kind == "string_pattern_mismatch" and field_name == DraftField.TAGS.value:
        return Problem("bad-tag", position, {"tag": detail.get("input", "")})
    if kind == "enum" and field_name == DraftField.DIFFICULTY.value:
        return Problem("bad-difficulty", None, {"value": detail.get("input", "")})
    if kind in ("options_repeat", "all_correct", "tags_repeat"):
        return Problem(kind.replace("_", "-"))
    code, values = schema_problem(detail)
    return Problem(code, position, values, schema=True)
