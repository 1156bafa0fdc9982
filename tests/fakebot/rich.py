"""``sendRichMessage`` as Telegram takes it: an ``InputRichMessage`` checked block by block.

The shape (known block and rich text kinds, required fields, their types) is checked by
aiogram's own models (``InputRichMessage``: Bot API 10.3); what the models leave to the server
is checked here, from the Bot API's text: exactly one of html / markdown / blocks, no empty
text where text is required, values from the allowed sets, no "thinking" block outside a draft,
and the rich message limits. Written from the spec, not from the bot's builder, so the builder's
mistakes are refused rather than mirrored.

The answer echoes the message as ``Message.rich_message`` (a ``RichMessage``: the blocks, list
items with their labels).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aiogram.types import InputRichMessage
from pydantic import ValidationError

JSONDict = dict[str, Any]

# "Rich Message Limits" (Bot API 10.1).
TEXT_LIMIT = 32_768  # characters, custom emoji alternative text and formula sources included
BLOCK_LIMIT = 500  # blocks, nested ones, list items, table rows, quotations, details
DEPTH_LIMIT = 16  # nested formatting and blocks
MEDIA_LIMIT = 50
TABLE_COLUMN_LIMIT = 20

MEDIA_BLOCKS = frozenset({"animation", "audio", "document", "photo", "video", "voice_note",
                          "collage", "slideshow", "map"})
CONTAINER_BLOCKS = frozenset({"blockquote", "details", "collage", "slideshow"})
GALLERIES = frozenset({"collage", "slideshow"})  # "elements of the collage": media, not text
GALLERY_ELEMENTS = frozenset({"photo", "video", "animation"})
REQUIRED_TEXT = {  # block kind → fields that must hold visible text
    "paragraph": ("text",), "heading": ("text",), "pre": ("text",), "footer": ("text",),
    "pullquote": ("text",), "expandable_blockquote": ("text",), "details": ("summary",),
    "mathematical_expression": ("expression",), "anchor": ("name",),
}
ALIGNS = frozenset({"left", "center", "right"})
VALIGNS = frozenset({"top", "middle", "bottom"})
LIST_LABEL_TYPES = frozenset({"a", "A", "i", "I", "1"})


class RichRefused(Exception):
    """What Telegram answers with 400: the description after "Bad Request: "."""


@dataclass
class _Count:
    characters: int = 0
    blocks: int = 0
    media: int = 0
    depth: int = 0


def checked_rich_message(raw: Any) -> JSONDict:
    """The ``rich_message`` parameter, checked; returns the ``RichMessage`` Telegram echoes.
    Raises ``RichRefused``."""
    if not isinstance(raw, dict):
        raise RichRefused("can't parse rich_message JSON object")
    given = [key for key in ("html", "markdown", "blocks") if raw.get(key) is not None]
    if len(given) != 1:
        raise RichRefused("exactly one of html, markdown or blocks must be specified")
    try:
        InputRichMessage.model_validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RichRefused(f"can't parse rich message: {where}: {first['msg']}") from None
    if given != ["blocks"]:
        raise RichRefused("the fake Bot API models only rich messages given as blocks")
    blocks = raw["blocks"]
    if not blocks:
        raise RichRefused("rich message is empty")
    count = _Count()
    for block in blocks:
        _check_block(block, 1, count)
    if count.characters > TEXT_LIMIT:
        raise RichRefused("rich message is too long")
    if count.blocks > BLOCK_LIMIT:
        raise RichRefused("rich message has too many blocks")
    if count.depth > DEPTH_LIMIT:
        raise RichRefused("rich message is nested too deeply")
    if count.media > MEDIA_LIMIT:
        raise RichRefused("rich message has too many media")
    result: JSONDict = {"blocks": [_echoed(block) for block in blocks]}
    if raw.get("is_rtl"):
        result["is_rtl"] = True
    return result


def _check_block(block: JSONDict, depth: int, count: _Count) -> None:
    kind = block["type"]
    count.blocks += 1
    count.depth = max(count.depth, depth)
    if kind == "thinking":
        raise RichRefused("thinking blocks can be sent only in rich message drafts")
    if kind in MEDIA_BLOCKS:
        count.media += 1
    for key in REQUIRED_TEXT.get(kind, ()):
        if not _visible(block[key]):
            raise RichRefused(f"{kind} block {key} is empty")
        _check_text(block[key], depth + 1, count)
    for key in ("credit", "caption"):
        if isinstance(block.get(key), dict) and "text" in block[key]:  # a RichBlockCaption
            _check_text(block[key]["text"], depth + 1, count)
        elif key in block:
            _check_text(block[key], depth + 1, count)
    if kind == "heading" and not 1 <= block["size"] <= 6:
        raise RichRefused("heading size must be between 1 and 6")
    if kind in CONTAINER_BLOCKS and not block["blocks"]:
        raise RichRefused(f"{kind} block is empty")
    for child in block.get("blocks", []) if kind in CONTAINER_BLOCKS else []:
        if kind in GALLERIES and child["type"] not in GALLERY_ELEMENTS:
            raise RichRefused(f"a {kind} holds photos, videos and animations only")
        _check_block(child, depth + 1, count)
    if kind == "list":
        _check_list(block, depth, count)
    if kind == "table":
        _check_table(block, depth, count)
    if kind == "buttons" and not 1 <= len(block["buttons"]) <= 8:
        raise RichRefused("a buttons block holds 1-8 buttons")


def _check_list(block: JSONDict, depth: int, count: _Count) -> None:
    if not block["items"]:
        raise RichRefused("list block is empty")
    for item in block["items"]:
        count.blocks += 1
        if not item["blocks"]:
            raise RichRefused("list item is empty")
        if item.get("type") is not None and item["type"] not in LIST_LABEL_TYPES:
            raise RichRefused("list item type is invalid")
        for child in item["blocks"]:
            _check_block(child, depth + 1, count)


def _check_table(block: JSONDict, depth: int, count: _Count) -> None:
    rows = block["cells"]
    if not rows or not any(rows):
        raise RichRefused("table is empty")
    for row in rows:
        count.blocks += 1
        width = sum(cell.get("colspan") or 1 for cell in row)
        if width > TABLE_COLUMN_LIMIT:
            raise RichRefused("table has too many columns")
        for cell in row:
            if cell["align"] not in ALIGNS or cell["valign"] not in VALIGNS:
                raise RichRefused("table cell alignment is invalid")
            if "text" in cell:
                _check_text(cell["text"], depth + 1, count)


def _check_text(text: Any, depth: int, count: _Count) -> None:
    """Rich text: a string, a list of rich texts, or an object (bold, a formula, a link…)."""
    count.depth = max(count.depth, depth)
    if isinstance(text, str):
        count.characters += len(text)
    elif isinstance(text, list):
        for part in text:
            _check_text(part, depth, count)
    else:
        if text["type"] == "mathematical_expression":
            if not text["expression"].strip():
                raise RichRefused("mathematical expression is empty")
            count.characters += len(text["expression"])
        if text["type"] == "url" and not str(text["url"]).strip():
            raise RichRefused("url is empty")
        if "text" in text:
            _check_text(text["text"], depth + 1, count)


def _visible(text: Any) -> bool:
    return any(part.strip() for part in _strings(text)) or _has_object(text)


def _has_object(text: Any) -> bool:
    if isinstance(text, list):
        return any(_has_object(part) for part in text)
    return isinstance(text, dict) and (text.get("type") == "mathematical_expression"
                                       or _visible(text.get("text", "")))


def _strings(text: Any, *, code: bool = True) -> Iterator[str]:
    """The strings of rich text; formulas as their LaTeX, or (``code`` False) neither formulas
    nor code."""
    if isinstance(text, str):
        yield text
    elif isinstance(text, list):
        for part in text:
            yield from _strings(part, code=code)
    elif isinstance(text, dict):
        if text.get("type") == "mathematical_expression":
            if code:
                yield text["expression"]
        elif "text" in text and (code or text.get("type") != "code"):
            yield from _strings(text["text"], code=code)


def _echoed(block: JSONDict) -> JSONDict:
    """The block as ``RichBlock`` (what a received message carries): list items get labels."""
    echoed = copy.deepcopy(block)
    if block["type"] == "list":
        echoed["items"] = [
            {**item, "label": f"{item['value']}." if "value" in item else "•",
             "blocks": [_echoed(child) for child in item["blocks"]]}
            for item in block["items"]
        ]
    elif block["type"] in CONTAINER_BLOCKS:
        echoed["blocks"] = [_echoed(child) for child in block["blocks"]]
    return echoed


def plain_text(rich_message: JSONDict, *, code: bool = True) -> str:
    """What a reader sees of a rich message, as lines of plain text (formulas as their LaTeX);
    details blocks open. ``code`` False leaves out code and formulas (the fake's check for
    unfilled placeholders reads the prose only)."""
    return "\n".join(_lines(rich_message["blocks"], code))


def _lines(blocks: list[JSONDict], code: bool) -> Iterator[str]:
    for block in blocks:
        kind = block["type"]
        if kind in ("pre", "mathematical_expression") and not code:
            continue
        if kind == "details":
            yield "".join(_strings(block["summary"], code=code))
        for key in ("text", "expression"):
            if key in block:
                yield "".join(_strings(block[key], code=code))
        if kind in CONTAINER_BLOCKS:
            yield from _lines(block["blocks"], code)
        for item in block.get("items", []):
            yield from _lines(item["blocks"], code)
        for row in block.get("cells", []):
            yield " | ".join("".join(_strings(cell.get("text", ""), code=code)) for cell in row)
