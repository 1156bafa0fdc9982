"""The content format: one pydantic model per kind of post, checked against Telegram's limits.

Content files (``content/items/**/*.yaml``) and admin edits both go through these models, so
whatever passes here can be sent to Telegram as it is. Errors are typed, with their numbers in
the context (``PydanticCustomError``), so the admin dialog can say them in the admin's language.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.platform.content.markdown import entity_problems, render_markdown, utf16_len

# Telegram's limits (see shared/telegram-bot-api-facts.md); lengths are UTF-16 code units.
POLL_QUESTION_MAX = 300
POLL_OPTION_MAX = 100
POLL_OPTIONS_MIN = 2
POLL_OPTIONS_MAX = 12
POLL_EXPLANATION_MAX = 200
POLL_EXPLANATION_MAX_LINE_FEEDS = 2
POLL_DESCRIPTION_MAX = 1024
# Long texts are split into several messages; the cap keeps one post to a handful of them.
LONG_TEXT_MAX = 12_000
HEADLINE_MAX = 1_000
ITEM_ID_MAX = 48  # "q_" + id must fit a 64-character deep-link payload.
KEY_POINTS_MIN = 3
KEY_POINTS_MAX = 6
# A key point becomes a toggle button a learner ticks after reading the answer: it must read at a
# glance and fit a button on a phone.
KEY_POINT_MAX = 80

ITEM_ID_PATTERN = rf"^[a-z0-9][a-z0-9_-]{{0,{ITEM_ID_MAX - 1}}}$"
TOPIC_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"
TAG_PATTERN = r"^[0-9a-zа-яё_]{1,32}$"


def _lowercased(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


ItemId = Annotated[
    str,
    StringConstraints(pattern=ITEM_ID_PATTERN),
    Field(description="Stable id: lowercase latin letters, digits, '-' and '_'; never reused."),
]
TopicId = Annotated[str, StringConstraints(pattern=TOPIC_ID_PATTERN)]
Tag = Annotated[
    str,
    StringConstraints(pattern=TAG_PATTERN),
    Field(description="Shown as a hashtag: lowercase letters (latin or cyrillic), digits, '_'."),
    # Authors write "SQL" or "NLP" as they say them: taken lowercased, as posts show every tag.
    # Last in the list, so it runs before the pattern, which the published schema keeps.
    BeforeValidator(_lowercased),
]


def _utf16_between(low: int, high: int) -> AfterValidator:
    def check(text: str) -> str:
        length = utf16_len(text)
        if not low <= length <= high:
            raise PydanticCustomError(
                "text_length",
                "length is {length} UTF-16 code units; Telegram allows {low}–{high}",
                {"length": length, "low": low, "high": high},
            )
        return text

    return AfterValidator(check)


def _renders_within(high: int) -> AfterValidator:
    """Markdown must parse, and the text Telegram receives must fit ``high`` code units."""

    def check(markdown: str) -> str:
        rendered = render_markdown(markdown)
        if not rendered.text.strip():
            raise PydanticCustomError("rendered_empty", "renders to empty text")
        if entity_problems(rendered):
            raise PydanticCustomError(
                "rendered_entities",
                "renders to formatting Telegram refuses (overlapping, or nested in code)",
            )
        length = utf16_len(rendered.text)
        if length > high:
            raise PydanticCustomError(
                "rendered_length",
                "renders to {length} UTF-16 code units; the limit is {high}",
                {"length": length, "high": high},
            )
        return markdown

    return AfterValidator(check)


def _at_most_line_feeds(count: int) -> AfterValidator:
    def check(text: str) -> str:
        if text.count("\n") > count:
            raise PydanticCustomError(
                "line_feeds",
                "has {count} line feeds; Telegram allows {high}",
                {"count": text.count("\n"), "high": count},
            )
        return text

    return AfterValidator(check)


PlainText = Annotated[str, StringConstraints(strip_whitespace=True)]
KeyPoints = Annotated[
    list[Annotated[PlainText, _utf16_between(1, KEY_POINT_MAX)]],
    Field(
        min_length=KEY_POINTS_MIN,
        max_length=KEY_POINTS_MAX,
        description="What a complete answer covers: short points a learner can tick.",
    ),
]
Markdown = Annotated[str, Field(description="CommonMark; rendered to Telegram entities.")]
LongMarkdown = Annotated[Markdown, _renders_within(LONG_TEXT_MAX)]
Headline = Annotated[PlainText, _utf16_between(1, HEADLINE_MAX)]


class Kind(StrEnum):
    QUIZ = "quiz"
    QUESTION = "question"
    TASK = "task"
    RESOURCE = "resource"


class Difficulty(StrEnum):
    JUNIOR = "junior"
    MIDDLE = "middle"
    SENIOR = "senior"


class Language(StrEnum):
    RU = "ru"
    EN = "en"


class _ItemBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ItemId
    topic: TopicId = Field(description="One of the ids in content/topics.yaml.")
    tags: Annotated[list[Tag], Field(max_length=8)] = []
    difficulty: Difficulty = Difficulty.MIDDLE
    language: Language = Language.RU
    emoji: Annotated[str, StringConstraints(min_length=1, max_length=4)] | None = Field(
        default=None, description="Headline emoji of the post; each kind has a default."
    )

    @model_validator(mode="after")
    def _tags_unique(self) -> _ItemBase:
        if len(set(self.tags)) != len(self.tags):
            raise PydanticCustomError("tags_repeat", "tags repeat")
        return self


class QuizItem(_ItemBase):
    """A native Telegram quiz poll, followed by the explanation post."""

    kind: Literal[Kind.QUIZ]
    question: Annotated[PlainText, _utf16_between(1, POLL_QUESTION_MAX)]
    details: Annotated[Markdown, _renders_within(POLL_DESCRIPTION_MAX)] | None = Field(
        default=None, description="Shown above the options (code, a table): the poll description."
    )
    options: Annotated[
        list[Annotated[PlainText, _utf16_between(1, POLL_OPTION_MAX)]],
        Field(min_length=POLL_OPTIONS_MIN, max_length=POLL_OPTIONS_MAX),
    ]
    correct_option_ids: Annotated[list[int], Field(min_length=1)] = Field(
        description="0-based indexes of the correct options, ascending."
    )
    fixed_options: list[int] = Field(
        default=[],
        description="0-based indexes of options that keep their place when the options are "
        "shuffled at each send (\"all of the above\", \"оба варианта\"); ascending.",
    )
    poll_explanation: Annotated[
        PlainText,
        _utf16_between(1, POLL_EXPLANATION_MAX),
        _at_most_line_feeds(POLL_EXPLANATION_MAX_LINE_FEEDS),
    ] = Field(description="Shown by Telegram on a wrong answer or the lamp icon.")
    explanation: LongMarkdown = Field(description="The long explanation post.")

    @model_validator(mode="after")
    def _options_consistent(self) -> QuizItem:
        if len({option.casefold() for option in self.options}) != len(self.options):
            raise PydanticCustomError("options_repeat", "options repeat")
        ids = self.correct_option_ids
        if ids != sorted(set(ids)):
            raise PydanticCustomError(
                "correct_ids_order", "correct_option_ids must be ascending and unique"
            )
        if ids[0] < 0 or ids[-1] >= len(self.options):
            raise PydanticCustomError(
                "correct_ids_range",
                "correct_option_ids must be within 0–{last}",
                {"last": len(self.options) - 1},
            )
        if len(ids) == len(self.options):
            raise PydanticCustomError(
                "all_correct", "every option is correct: at least one must be wrong"
            )
        fixed = self.fixed_options
        if fixed != sorted(set(fixed)) or any(not 0 <= i < len(self.options) for i in fixed):
            raise PydanticCustomError(
                "fixed_options",
                "fixed_options must be ascending, unique and within 0–{last}",
                {"last": len(self.options) - 1},
            )
        return self


class QuestionItem(_ItemBase):
    """An open interview question: question post, then the model answer on request."""

    kind: Literal[Kind.QUESTION]
    question: Headline
    details: LongMarkdown | None = None
    answer: LongMarkdown
    key_points: KeyPoints | None = None


class TaskItem(_ItemBase):
    """A task or case: statement, then "Ответ" and "Решение" on request."""

    kind: Literal[Kind.TASK]
    title: Headline | None = Field(default=None, description='For example "Задача про метрики".')
    question: LongMarkdown
    answer: LongMarkdown
    solution: LongMarkdown
    key_points: KeyPoints | None = None


class ResourceItem(_ItemBase):
    """A book, an article or a course worth reading."""

    kind: Literal[Kind.RESOURCE]
    title: Headline
    body: LongMarkdown
    url: HttpUrl | None = None


Item = Annotated[
    QuizItem | QuestionItem | TaskItem | ResourceItem, Field(discriminator="kind")
]


class ContentFile(BaseModel):
    """One file of ``content/items/``."""

    model_config = ConfigDict(extra="forbid")

    items: list[Item]


class LocalizedTitle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ru: Headline
    en: Headline


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: TopicId
    hashtag: Tag
    title: LocalizedTitle


class TopicsFile(BaseModel):
    """``content/topics.yaml``: the topics items may use."""

    model_config = ConfigDict(extra="forbid")

    topics: list[Topic]


def json_schema() -> str:
    """The JSON Schema of a content file, as published in ``content/schema.json``."""
    schema = ContentFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Interview bot content file"
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
