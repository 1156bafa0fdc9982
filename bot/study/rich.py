"""Answer posts as Telegram rich messages (Bot API 10.1 ``sendRichMessage``): the item's Markdown
as blocks, with its formulas as real formulas, tables as tables and the long parts collapsed.

Pure: an item and the post's words in, an ``InputRichMessage`` out. What it cannot say (raw
HTML, an image, a post past the rich limits) raises ``Unexpressible``; the caller then sends the
entity text of ``bot.study.posts.answer_post``, where formulas read as Unicode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyromark
from aiogram.types import (
    InputRichBlockBlockQuotation,
    InputRichBlockDetails,
    InputRichBlockDivider,
    InputRichBlockFooter,
    InputRichBlockList,
    InputRichBlockListItem,
    InputRichBlockMathematicalExpression,
    InputRichBlockParagraph,
    InputRichBlockPreformatted,
    InputRichBlockSectionHeading,
    InputRichBlockTable,
    InputRichMessage,
    RichBlockTableCell,
    RichTextBold,
    RichTextCode,
    RichTextItalic,
    RichTextMathematicalExpression,
    RichTextSpoiler,
    RichTextStrikethrough,
    RichTextUnderline,
    RichTextUrl,
)
from aiogram.types.input_rich_block_union import InputRichBlockUnion
from aiogram.types.rich_text_union import RichTextUnion
from telegramify_markdown.converter import STANDARD_OPTIONS

from bot.platform.content.markdown import Rendered
from bot.platform.content.schema import QuestionItem, QuizItem, ResourceItem, TaskItem
from bot.study.catalog import Card
from bot.study.posts import PostStyle, hashtags, headline

# Telegram's rich message limits ("Rich Message Limits", Bot API 10.1; docs/delivery.md).
RICH_TEXT_MAX = 32_768  # characters of text, formula sources included
RICH_BLOCKS_MAX = 500  # blocks, list items and table rows, the nested ones included
RICH_DEPTH_MAX = 16  # levels of nested blocks and formatting
RICH_TABLE_COLUMNS_MAX = 20

POST_HEADING_SIZE = 2  # the post's own heading; headings inside the Markdown are smaller
# "- **option** — why it is wrong", "- **Option.** Why.": a quiz explanation's wrong options.
WHY_SEPARATORS = frozenset("—–:")
SENTENCE_ENDS = frozenset(".:!?")


class Unexpressible(Exception):
    """The rich builder cannot say this post; ``reason`` is logged, the entity text goes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def rich_answer(card: Card, style: PostStyle, lead: Rendered | None = None) -> InputRichMessage:
    """``bot.study.posts.answer_post`` as a rich message: the lead, the heading (emoji and
    question), the body, a task's solution collapsed under "Решение", a quiz's wrong options
    each collapsed with its "why", and the hashtags and signature in the footer."""
    item = card.content
    blocks: list[InputRichBlockUnion] = []
    if lead is not None:
        blocks.append(InputRichBlockParagraph(text=rich_text(lead)))
    emoji, title = headline(card)
    heading: RichTextUnion = f"{emoji} {title}" if title else emoji
    blocks.append(InputRichBlockSectionHeading(text=heading, size=POST_HEADING_SIZE))
    if isinstance(item, QuizItem):
        blocks += _wrong_options_collapsed(markdown_blocks(item.explanation))
    elif isinstance(item, QuestionItem):
        blocks += markdown_blocks(item.answer)
    elif isinstance(item, TaskItem):
        blocks += _labelled(f"{style.answer_label}: ", markdown_blocks(item.answer))
        blocks.append(InputRichBlockDetails(summary=RichTextBold(text=style.solution_label),
                                            blocks=list(markdown_blocks(item.solution))))
    elif isinstance(item, ResourceItem):
        blocks += markdown_blocks(item.body)
        if item.url:
            url = str(item.url)
            blocks.append(InputRichBlockParagraph(text=RichTextUrl(text=url, url=url)))
    # Plain text: Telegram finds the hashtags and the @signature in it itself.
    blocks.append(InputRichBlockFooter(text=hashtags(card, style)))
    if style.signature:
        blocks.append(InputRichBlockFooter(text=style.signature))
    message = InputRichMessage(blocks=blocks)
    if problems := limit_problems(message):
        raise Unexpressible("; ".join(problems))
    return message


def _labelled(label: str, blocks: Sequence[InputRichBlockUnion]) -> list[InputRichBlockUnion]:
    """The bold label ("Ответ: ") in front of the first paragraph, as the entity text has it."""
    bold = RichTextBold(text=label)
    if blocks and isinstance(blocks[0], InputRichBlockParagraph):
        text = blocks[0].text
        first = InputRichBlockParagraph(text=[bold, *(text if isinstance(text, list) else [text])])
        return [first, *blocks[1:]]
    return [InputRichBlockParagraph(text=bold), *blocks]


def _wrong_options_collapsed(
    blocks: Sequence[InputRichBlockUnion],
) -> list[InputRichBlockUnion]:
    """The explanation's last list whose every item starts with an option in bold (the wrong
    options, each with its "why": ``content/README.md``) becomes one details block per option:
    the option shows, its "why" opens on a tap."""
    for index in reversed(range(len(blocks))):
        listing = blocks[index]
        if not isinstance(listing, InputRichBlockList):
            continue
        whys = [_why(item) for item in listing.items]
        details = [why for why in whys if why is not None]
        if len(details) == len(whys):
            return [*blocks[:index], *details, *blocks[index + 1:]]
    return list(blocks)


def _why(item: InputRichBlockListItem) -> InputRichBlockDetails | None:
    """"**option** — why" (or "**Option.** Why", or "**Option** is wrong because…") as a
    details block: the option as its summary, the why inside (the whole sentence, when the
    option is its subject)."""
    first = item.blocks[0] if item.blocks else None
    if not isinstance(first, InputRichBlockParagraph) or not isinstance(first.text, list):
        return None
    option, *rest = first.text
    if not isinstance(option, RichTextBold) or not rest:
        return None
    head = rest[0].lstrip() if isinstance(rest[0], str) else rest[0]
    if isinstance(head, str) and head[:1] in WHY_SEPARATORS:
        why = [head[1:].lstrip(), *rest[1:]]
    elif _ends_sentence(option.text):
        why = [head, *rest[1:]]
    else:
        why = [option, *rest]
    body = _joined([part for part in why if part != ""])
    return InputRichBlockDetails(summary=option, blocks=[
        *([InputRichBlockParagraph(text=body)] if body not in ("", []) else []),
        *item.blocks[1:],
    ])


def _ends_sentence(text: RichTextUnion) -> bool:
    last = text[-1] if isinstance(text, list) and text else text
    return isinstance(last, str) and last.rstrip()[-1:] in SENTENCE_ENDS


# ---------------------------------------------------------------- Markdown → blocks


@dataclass(frozen=True)
class _DisplayMath:
    """``$$…$$`` met inside a paragraph: the paragraph is cut there and a formula block goes
    between the two halves (where only text fits, a table cell, it stays an inline formula)."""

    expression: str


_Inline = RichTextUnion | _DisplayMath
_STYLES: dict[str, type[RichTextBold | RichTextItalic | RichTextStrikethrough]] = {
    "Strong": RichTextBold, "Emphasis": RichTextItalic, "Strikethrough": RichTextStrikethrough,
}
_ALIGN = {"Left": "left", "Center": "center", "Right": "right", "None": "left"}
_BLOCK_STARTS = frozenset({"Paragraph", "CodeBlock", "List", "BlockQuote", "Table", "Heading",
                           "HtmlBlock", "FootnoteDefinition"})


@lru_cache(maxsize=256)
def markdown_blocks(markdown: str) -> Sequence[InputRichBlockUnion]:
    """Content Markdown (``content/README.md``) as rich blocks; raises ``Unexpressible``.

    Kept for the texts used last: a reveal goes to every subscribed chat with the same body
    (the blocks are never changed in place; a tuple, so no caller can)."""
    walker = _Walker(list(pyromark.events(markdown, options=STANDARD_OPTIONS)))
    blocks = walker.blocks(nested=False)
    if not blocks:
        raise Unexpressible("the text is empty")
    return tuple(blocks)


class _Walker:
    """pyromark's flat Start/End events, read as a tree."""

    def __init__(self, events: list[Any]) -> None:
        self.events = events
        self.at = 0

    def _next(self) -> Any:
        event = self.events[self.at]
        self.at += 1
        return event

    def blocks(self, *, nested: bool) -> list[InputRichBlockUnion]:
        """Blocks up to the End event of the construct just started (``nested``: a list item,
        a quotation), else to the end of the text; text met between blocks (a tight list
        item's) becomes paragraphs."""
        blocks: list[InputRichBlockUnion] = []
        loose: list[_Inline] = []
        while self.at < len(self.events):
            event = self.events[self.at]
            if nested and _name(event, "End") is not None:
                self.at += 1
                break
            start = _name(event, "Start")
            if start in _BLOCK_STARTS or event == "Rule":
                blocks += _paragraphs(loose)
                loose = []
                blocks += self._block()
            else:
                loose += self._inline()
        return blocks + _paragraphs(loose)

    def _block(self) -> list[InputRichBlockUnion]:
        event = self._next()
        if event == "Rule":
            return [InputRichBlockDivider()]
        start = event["Start"]
        kind = _name(event, "Start")
        if kind == "Paragraph":
            return _paragraphs(self._inlines_until())
        if kind == "CodeBlock":
            return [self._code(start["CodeBlock"])]
        if kind == "List":
            return [self._list(start["List"])]
        if kind == "BlockQuote":
            return [InputRichBlockBlockQuotation(blocks=self.blocks(nested=True))]
        if kind == "Table":
            return [self._table(start["Table"])]
        if kind == "Heading":
            level = int(start["Heading"]["level"].removeprefix("H"))
            text = _text_only(self._inlines_until())
            size = min(max(level + POST_HEADING_SIZE, POST_HEADING_SIZE + 1), 6)
            return [InputRichBlockSectionHeading(text=text, size=size)]
        raise Unexpressible(f"raw {kind} is not expressible")

    def _code(self, kind: Any) -> InputRichBlockUnion:
        parts: list[str] = []
        while _name(event := self._next(), "End") is None:
            parts.append(event["Text"])
        code = "".join(parts).removesuffix("\n")
        language = (kind.get("Fenced", "") if isinstance(kind, dict) else "").split(",")[0]
        if not code.strip():
            raise Unexpressible("an empty code block")
        if language.strip().lower() == "math":
            return InputRichBlockMathematicalExpression(expression=code)
        return InputRichBlockPreformatted(text=code, language=language.strip() or None)

    def _list(self, first_number: int | None) -> InputRichBlockUnion:
        items: list[InputRichBlockListItem] = []
        while _name(self._next(), "End") is None:  # Start Item
            checkbox = self._task_marker()
            blocks = self.blocks(nested=True)
            if not blocks:
                raise Unexpressible("an empty list item")
            items.append(InputRichBlockListItem(
                blocks=blocks,
                value=None if first_number is None else first_number + len(items),
                type=None if first_number is None else "1",
                has_checkbox=None if checkbox is None else True, is_checked=checkbox,
            ))
        return InputRichBlockList(items=items)

    def _task_marker(self) -> bool | None:
        """A task list's ``[x]`` / ``[ ]`` (right after the item's start, or its first
        paragraph's), taken out of the text: it becomes the item's checkbox."""
        for offset in (0, 1):
            at = self.at + offset
            if at < len(self.events) and _name(self.events[at], "TaskListMarker") is not None:
                return bool(self.events.pop(at)["TaskListMarker"])
        return None

    def _table(self, alignments: Sequence[str]) -> InputRichBlockUnion:
        if len(alignments) > RICH_TABLE_COLUMNS_MAX:
            raise Unexpressible(f"a table of {len(alignments)} columns")
        rows: list[list[RichBlockTableCell]] = []
        while _name(event := self._next(), "End") is None:  # Start TableHead / TableRow
            header = event["Start"] == "TableHead"
            row: list[RichBlockTableCell] = []
            while _name(self._next(), "End") is None:  # Start TableCell
                text = _text_only(self._inlines_until())
                align = _ALIGN.get(str(alignments[len(row)]), "left")
                row.append(RichBlockTableCell(
                    align=align, valign="top", text=text if text != "" else None,
                    is_header=header or None,
                ))
            rows.append(row)
        return InputRichBlockTable(cells=rows, is_bordered=True)

    def _inlines_until(self) -> list[_Inline]:
        """Inline content up to the End event closing the construct just started."""
        parts: list[_Inline] = []
        while _name(self.events[self.at], "End") is None:
            parts += self._inline()
        self.at += 1
        return parts

    def _inline(self) -> list[_Inline]:
        event = self._next()
        if event in ("SoftBreak", "HardBreak"):
            return ["\n"]
        if not isinstance(event, dict):
            raise Unexpressible(f"{event} is not expressible")
        if "Text" in event:
            return [event["Text"]]
        if "Code" in event:
            return [RichTextCode(text=event["Code"])]
        if "InlineMath" in event:
            return [RichTextMathematicalExpression(expression=event["InlineMath"])]
        if "DisplayMath" in event:
            return [_DisplayMath(event["DisplayMath"])]
        kind = _name(event, "Start")
        if kind in _STYLES:
            return [_STYLES[kind](text=_text_only(self._inlines_until()))]
        if kind == "Link":
            url = event["Start"]["Link"]["dest_url"]
            text = _text_only(self._inlines_until())
            return [RichTextUrl(text=text, url=url) if url else text]
        raise Unexpressible(f"{kind or next(iter(event))} is not expressible")


def _name(event: Any, key: str) -> str | None:
    """The name of a Start/End event (``{"Start": {"List": 1}}`` → "List"), of other keyed
    events the key itself; None for another event."""
    if not isinstance(event, dict) or key not in event:
        return None
    value = event[key]
    if isinstance(value, dict):
        return str(next(iter(value)))
    return str(value) if isinstance(value, str) else key


def _paragraphs(parts: list[_Inline]) -> list[InputRichBlockUnion]:
    """Paragraphs, cut where a display formula stands on its own."""
    blocks: list[InputRichBlockUnion] = []
    run: list[RichTextUnion] = []
    for part in [*parts, None]:
        if isinstance(part, _DisplayMath) or part is None:
            text = _joined(_trimmed(run))
            if text not in ("", []):
                blocks.append(InputRichBlockParagraph(text=text))
            run = []
            if part is not None:
                blocks.append(InputRichBlockMathematicalExpression(expression=part.expression))
        else:
            run.append(part)
    return blocks


def _trimmed(run: list[RichTextUnion]) -> list[RichTextUnion]:
    """Without the line breaks a cut formula leaves at the paragraph's edges."""
    while run and isinstance(run[0], str) and not run[0].strip():
        run = run[1:]
    while run and isinstance(run[-1], str) and not run[-1].strip():
        run = run[:-1]
    return run


def _text_only(parts: list[_Inline]) -> RichTextUnion:
    """Inline content where no block fits: a display formula stays inline."""
    return _joined([RichTextMathematicalExpression(expression=part.expression)
                    if isinstance(part, _DisplayMath) else part for part in parts])


def _joined(parts: Sequence[RichTextUnion]) -> RichTextUnion:
    """Neighbouring strings merged; one part stands alone, several make a list."""
    merged: list[RichTextUnion] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    if len(merged) == 1:
        return merged[0]
    return merged if merged else ""


# ---------------------------------------------------------------- entity text → rich text

_ENTITY_STYLES: dict[str, type[RichTextBold | RichTextItalic | RichTextUnderline
                              | RichTextStrikethrough | RichTextSpoiler | RichTextCode]] = {
    "bold": RichTextBold, "italic": RichTextItalic, "underline": RichTextUnderline,
    "strikethrough": RichTextStrikethrough, "spoiler": RichTextSpoiler, "code": RichTextCode,
}


def rich_text(rendered: Rendered) -> RichTextUnion:
    """Text with entities (a verdict, a result line) as rich text."""
    units = rendered.text.encode("utf-16-le")

    def text(start: int, end: int) -> str:
        return units[2 * start:2 * end].decode("utf-16-le")

    def spans(start: int, end: int, entities: list[Any]) -> list[RichTextUnion]:
        parts: list[RichTextUnion] = []
        at = start
        while entities:
            outer = entities.pop(0)
            outer_end = outer.offset + outer.length
            inner = [e for e in entities if e.offset + e.length <= outer_end]
            entities = [e for e in entities if e.offset >= outer_end]
            parts += [text(at, outer.offset)] if outer.offset > at else []
            content = _joined(spans(outer.offset, outer_end, inner))
            if outer.type in _ENTITY_STYLES:
                parts.append(_ENTITY_STYLES[outer.type](text=content))
            elif outer.type in ("url", "text_link"):
                parts.append(RichTextUrl(text=content, url=outer.url or text(outer.offset,
                                                                             outer_end)))
            else:
                raise Unexpressible(f"a {outer.type} entity is not expressible")
            at = outer_end
        return parts + ([text(at, end)] if end > at else [])

    ordered = sorted(rendered.entities, key=lambda e: (e.offset, -e.length))
    return _joined(spans(0, len(units) // 2, ordered))


# ---------------------------------------------------------------- limits


@dataclass
class _Size:
    characters: int = 0
    blocks: int = 0
    depth: int = 0


def limit_problems(message: InputRichMessage) -> list[str]:
    """What of Telegram's rich limits the message passes; empty when it fits."""
    size = _Size()
    for block in message.blocks or []:
        _measure(block.model_dump(exclude_none=True), 1, size, counts_as_block=True)
    problems = []
    if size.characters > RICH_TEXT_MAX:
        problems.append(f"{size.characters} characters of text; the limit is {RICH_TEXT_MAX}")
    if size.blocks > RICH_BLOCKS_MAX:
        problems.append(f"{size.blocks} blocks; the limit is {RICH_BLOCKS_MAX}")
    if size.depth > RICH_DEPTH_MAX:
        problems.append(f"nested {size.depth} levels deep; the limit is {RICH_DEPTH_MAX}")
    return problems


_TEXT_KEYS = frozenset({"text", "expression", "summary", "caption", "credit"})


def _measure(value: Any, depth: int, size: _Size, *, counts_as_block: bool = False) -> None:
    """Walk a dumped block: strings under text keys count as characters; every block, list
    item and table row counts as a block; every object or list of text one level deeper."""
    size.depth = max(size.depth, depth)
    size.blocks += counts_as_block
    if isinstance(value, dict):
        for key, child in value.items():
            if key in _TEXT_KEYS and isinstance(child, str):
                size.characters += len(child)
            elif key in ("blocks", "items"):
                for block in child:
                    _measure(block, depth + 1, size, counts_as_block=True)
            elif key == "cells":
                for row in child:
                    size.blocks += 1
                    for cell in row:
                        _measure(cell, depth + 1, size)
            elif isinstance(child, dict | list):
                _measure(child, depth + 1, size)
    elif isinstance(value, list):
        for child in value:
            if isinstance(child, str):
                size.characters += len(child)
            else:
                _measure(child, depth, size)

