"""Markdown → Telegram (text, entities), via telegramify-markdown.

Entities rather than parse modes: nothing an author writes can break the markup, and no text is
ever escaped by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import telegramify_markdown
from telegramify_markdown import MessageEntity as LibraryEntity
from telegramify_markdown import split_entities, utf16_len

__all__ = ["Rendered", "render_markdown", "utf16_len"]


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


def plain(text: str) -> Rendered:
    return Rendered(text)


def styled(text: str, entity_type: str) -> Rendered:
    if not text:
        return Rendered("")
    return Rendered(text, (Entity(entity_type, 0, utf16_len(text)),))


def render_markdown(markdown: str) -> Rendered:
    text, entities = telegramify_markdown.convert(markdown, latex_escape=True)
    return Rendered(text.strip("\n"), tuple(_from_library(e) for e in entities))


def _from_library(entity: LibraryEntity) -> Entity:
    return Entity(entity.type, entity.offset, entity.length, entity.url, entity.language)
