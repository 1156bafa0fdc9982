"""A Telegram message's formatting (its entities) as the content's Markdown.

aiogram's ``MarkdownDecoration`` walks the entities (nesting, UTF-16 offsets) and writes
Telegram's MarkdownV2; the content Markdown is CommonMark as telegramify-markdown reads it
(``markdown.py``), which differs in a few marks: bold is ``**``, strikethrough ``~~``, there is
no underline, and a backslash inside code is a backslash. This decoration writes those, so
``render_markdown(typed_markdown(text, entities))`` gives the admin's text and formatting back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from aiogram.types import MessageEntity
from aiogram.utils.text_decorations import MarkdownDecoration

FORMATTING = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre",
                        "text_link", "blockquote", "expandable_blockquote"})
_ESCAPED = re.compile(r"\\([_*\[\]()~`>#+\-=|{}.!\\])")
_BACKTICKS = re.compile(r"`+")


class _ContentMarkdown(MarkdownDecoration):
    def bold(self, value: str) -> str:
        return f"**{value}**"

    def italic(self, value: str) -> str:
        return f"*{value}*"

    def underline(self, value: str) -> str:
        return value  # CommonMark has none: the words stay, unstyled

    def strikethrough(self, value: str) -> str:
        return f"~~{value}~~"

    def code(self, value: str) -> str:
        raw = _unescaped(value)
        fence = "`" * (_longest_backticks(raw) + 1)
        padding = " " if raw.startswith("`") or raw.endswith("`") else ""
        return f"{fence}{padding}{raw}{padding}{fence}"

    def pre(self, value: str) -> str:
        return self.pre_language(value, "")

    def pre_language(self, value: str, language: str) -> str:
        raw = _unescaped(value)
        fence = "`" * max(3, _longest_backticks(raw) + 1)
        return f"{fence}{language}\n{raw}\n{fence}"

    def blockquote(self, value: str) -> str:
        # A blank line after it, or the next line would continue the quote.
        return "\n".join(f">{line}" for line in value.splitlines()) + "\n"

    def expandable_blockquote(self, value: str) -> str:
        return self.blockquote(value)


_decoration = _ContentMarkdown()


def typed_markdown(text: str, entities: Sequence[MessageEntity] | None) -> str:
    """The content Markdown of a message an admin typed (bold, italic, code, pre with its
    language, links, spoilers, blockquotes; anything else as plain text).

    A message without formatting is taken as it is: the dialog asks for Markdown, and an admin
    may have written ``**bold**`` by hand (in a client that does not turn it into formatting).
    """
    if not any(entity.type in FORMATTING for entity in entities or ()):
        return text
    return _decoration.unparse(text, list(entities or [])).strip("\n")


def _unescaped(value: str) -> str:
    """Code as typed: the decoration escaped it as plain text on the way in."""
    return _ESCAPED.sub(r"\1", value)


def _longest_backticks(value: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(value)), default=0)
