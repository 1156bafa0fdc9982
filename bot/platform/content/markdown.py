"""Markdown → Telegram (text, entities), via telegramify-markdown.

Entities rather than parse modes: nothing an author writes can break the markup, and no text is
ever escaped by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import telegramify_markdown
from telegramify_markdown import MessageEntity as LibraryEntity
from telegramify_markdown import split_entities, utf16_len

__all__ = ["Rendered", "entity_problems", "render_markdown", "shortened", "utf16_len"]

# Telegram shows nothing inside code, and drops these styles where they wrap code.
CODE_TYPES = frozenset({"code", "pre"})
STYLE_TYPES = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})


@dataclass(frozen=True)
class Entity:
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Rendered:
    """Text with entities; offsets and lengths in UTF-16 code units, as Telegram counts."""

    text: str
    entities: tuple[Entity, ...] = field(default=())

    def __add__(self, other: Rendered) -> Rendered:
        shift = utf16_len(self.text)
        moved = tuple(
            Entity(e.type, e.offset + shift, e.length, e.url, e.language) for e in other.entities
        )
        return Rendered(self.text + other.text, self.entities + moved)

    def split(self, limit: int) -> list[Rendered]:
        """Chunks of at most ``limit`` code units, cut at line ends where possible.

        An entity crossing a cut is closed before it and reopened after it, so a code block or a
        bold run stays formatted on both sides.
        """
        library_entities = [
            LibraryEntity(type=e.type, offset=e.offset, length=e.length, url=e.url,
                          language=e.language)
            for e in self.entities
        ]
        return [
            Rendered(text, tuple(_from_library(e) for e in entities))
            for text, entities in split_entities(self.text, library_entities, limit)
        ]


QUOTE_LIMIT = 64


def shortened(text: str, limit: int = QUOTE_LIMIT) -> str:
    """What a user typed, as a reply quotes it: an absurd argument must not push the reply past
    Telegram's limit (it would be refused, and the user would see nothing)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str) -> Rendered:
    return Rendered(text)


def styled(text: str, entity_type: str) -> Rendered:
    if not text:
        return Rendered("")
    return Rendered(text, (Entity(entity_type, 0, utf16_len(text)),))


def render_markdown(markdown: str) -> Rendered:
    text, library_entities = telegramify_markdown.convert(markdown, latex_escape=True)
    entities = [_from_library(e) for e in library_entities]
    return _without_styles_over_code(_strip_newlines(text, entities))


def entity_problems(rendered: Rendered) -> list[str]:
    """What Telegram would refuse or drop: entities out of the text, partial overlaps, anything
    nested in code, styles wrapping code. Empty when the text can be sent as it is."""
    total = utf16_len(rendered.text)
    problems = [
        f"{e.type} at {e.offset}+{e.length} is outside the text of {total} units"
        for e in rendered.entities if e.length <= 0 or e.offset < 0 or e.offset + e.length > total
    ]
    for a, b in combinations(rendered.entities, 2):
        a_end, b_end = a.offset + a.length, b.offset + b.length
        if a.offset >= b_end or b.offset >= a_end:
            continue
        at = max(a.offset, b.offset)
        inside_a = a.offset <= b.offset and b_end <= a_end
        inside_b = b.offset <= a.offset and a_end <= b_end
        if not (inside_a or inside_b):
            problems.append(f"{a.type} and {b.type} overlap partly at {at}")
        elif (a.type in CODE_TYPES and inside_a) or (b.type in CODE_TYPES and inside_b):
            problems.append(f"{a.type} and {b.type} are nested in code at {at}")
        elif {a.type, b.type} & CODE_TYPES and {a.type, b.type} & STYLE_TYPES:
            problems.append(f"{a.type} and {b.type} wrap code at {at}")
    return problems


def _strip_newlines(text: str, entities: list[Entity]) -> Rendered:
    """The text without its leading and trailing line feeds, entities moved and cut to match
    (a code block's blank last line would otherwise leave it running past the end)."""
    stripped = text.strip("\n")
    lead = len(text) - len(text.lstrip("\n"))  # line feeds: one code unit each
    total = utf16_len(stripped)
    if not lead and all(e.offset + e.length <= total for e in entities):
        return Rendered(stripped, tuple(entities))  # the usual case: nothing moves
    kept = []
    for e in entities:
        start = min(max(e.offset - lead, 0), total)
        end = min(max(e.offset + e.length - lead, 0), total)
        if end > start:
            kept.append(_span(e, start, end))
    return Rendered(stripped, tuple(kept))


def _without_styles_over_code(rendered: Rendered) -> Rendered:
    """``**`x`**`` as plain code: a style over code is dropped by Telegram, so it is cut out of
    the styled run here (what remains of the run around the code stays styled)."""
    code = sorted((e.offset, e.offset + e.length) for e in rendered.entities
                  if e.type in CODE_TYPES)
    if not code:
        return rendered
    entities: list[Entity] = []
    for e in rendered.entities:
        if e.type not in STYLE_TYPES:
            entities.append(e)
            continue
        start, end = e.offset, e.offset + e.length
        for code_start, code_end in code:
            if code_start >= end or code_end <= start:
                continue
            if code_start > start:
                entities.append(_span(e, start, code_start))
            start = max(start, code_end)
        if end > start:
            entities.append(_span(e, start, end))
    return Rendered(rendered.text, tuple(sorted(entities, key=lambda e: (e.offset, -e.length))))


def _span(entity: Entity, start: int, end: int) -> Entity:
    """``entity`` over ``start``..``end`` (built directly: ``dataclasses.replace`` was a third
    of the content check's time)."""
    return Entity(entity.type, start, end - start, entity.url, entity.language)


def _from_library(entity: LibraryEntity) -> Entity:
    return Entity(entity.type, entity.offset, entity.length, entity.url, entity.language)
