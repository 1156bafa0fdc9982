"""Text formatting as the Bot API server applies it: parse modes, entity checks, UTF-16 lengths.

The parsers follow TDLib's ``parse_html``, ``parse_markdown_v2`` and ``parse_markdown``
(td/telegram/MessageEntity.cpp), including their error messages, so that a bot which builds
broken markup fails against the fake server the way it would fail against Telegram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ENTITY_TYPES",
    "FormattingError",
    "UnsupportedParseMode",
    "apply_formatting",
    "check_entities",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

JSONDict = dict[str, Any]

ENTITY_TYPES = frozenset(
    {
        "mention",
        "hashtag",
        "cashtag",
        "bot_command",
        "url",
        "email",
        "phone_number",
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
    }
)


class FormattingError(ValueError):
    """The text can't be parsed; ``str(error)`` is TDLib's message (without the API prefix)."""


class UnsupportedParseMode(FormattingError):
    """``parse_mode`` is none of HTML, MarkdownV2, Markdown."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts offsets and lengths."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _entity(kind: str, offset: int, length: int, **extra: Any) -> JSONDict:
    entity: JSONDict = {"type": kind, "offset": offset, "length": length}
    entity.update({key: value for key, value in extra.items() if value is not None})
    return entity


def _sort(entities: list[JSONDict]) -> list[JSONDict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _byte_offsets(text: str) -> list[int]:
    """``result[i]`` is the UTF-8 byte offset of ``text[i]``; one extra item for the end."""
    offsets = [0]
    for ch in text:
        offsets.append(offsets[-1] + len(ch.encode("utf-8", "surrogatepass")))
    return offsets


def _checked_link(url: str) -> str:
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    if "://" not in url and not url.startswith(("tg:", "ton:", "mailto:")):
        url = "http://" + url
    return url


# --------------------------------------------------------------------------------------------
# HTML


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SPACES = " \t\r\n\v\f"


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode ``&...;`` at ``pos``; return (character, next position) or None."""
    end = pos + 1
    n = len(text)
    if end < n and text[end] == "#":
        end += 1
        code = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in "0123456789abcdefABCDEF":
                code = code * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and text[end].isdigit() and text[end].isascii():
                code = code * 10 + int(text[end])
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            return None
        char = named[name]
    if end < n and text[end] == ";":
        end += 1
    return char, end


@dataclass
class _Open:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the result
    begin: int  # index in the result list (characters)
    byte_offset: int = 0


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse ``parse_mode=HTML`` text; return (plain text, entities)."""
    byte_at = _byte_offsets(text)
    n = len(text)
    out: list[str] = []
    u16 = 0
    entities: list[JSONDict] = []
    nested: list[_Open] = []

    def at(k: int) -> str:
        return text[k] if k < n else ""

    i = 0
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                u16 += utf16_len(char)
                continue
        if c != "<":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue

        begin_pos = byte_at[i]
        start = i
        i += 1
        if at(i) != "/":
            while at(i) and at(i) not in _SPACES and at(i) != ">":
                i += 1
            if not at(i):
                raise FormattingError(f"Unclosed start tag at byte offset {begin_pos}")
            tag = text[start + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise FormattingError(f'Unsupported start tag "{tag}" at byte offset {begin_pos}')
            argument = ""
            while at(i) != ">":
                while at(i) and at(i) in _SPACES:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) and at(i) not in _SPACES and at(i) not in "=>":
                    i += 1
                attr = text[attr_begin:i]
                if not attr:
                    raise FormattingError(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin_pos}'
                    )
                while at(i) and at(i) in _SPACES:
                    i += 1
                if tag == "blockquote" and attr == "expandable" and at(i) != "=":
                    argument = "expandable"  # a boolean attribute, as newer TDLib accepts
                    continue
                if at(i) != "=":
                    raise FormattingError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {begin_pos}'
                    )
                i += 1
                while at(i) and at(i) in _SPACES:
                    i += 1
                if not at(i):
                    raise FormattingError(f'Unclosed start tag "{tag}" at byte offset {begin_pos}')
                value_chars: list[str] = []
                if at(i) not in "'\"":
                    token_begin = i
                    while at(i) and (at(i).isascii() and (at(i).isalnum() or at(i) in ".-")):
                        i += 1
                    value = text[token_begin:i].lower()
                    if at(i) and at(i) not in _SPACES and at(i) != ">":
                        raise FormattingError(
                            f"Unexpected end of name token at byte offset {byte_at[token_begin]}"
                        )
                    if not at(i):
                        raise FormattingError(f"Unclosed start tag at byte offset {begin_pos}")
                else:
                    quote = at(i)
                    i += 1
                    while at(i) and at(i) != quote:
                        if at(i) == "&":
                            decoded = _decode_html_entity(text, i)
                            if decoded is not None:
                                value_chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        value_chars.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(value_chars)
                    if not at(i):
                        raise FormattingError(f"Unclosed start tag at byte offset {begin_pos}")
                if tag == "a" and attr == "href":
                    argument = value
                elif tag == "code" and attr == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    argument = value
                elif tag == "blockquote" and attr == "expandable":
                    argument = "expandable"
            if tag == "span" and argument != "spoiler":
                raise FormattingError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin_pos}'
                )
            nested.append(_Open(tag, argument, u16, len(out)))
            i += 1  # skip '>'
            continue

        # an end tag
        if not nested:
            raise FormattingError(f"Unexpected end tag at byte offset {begin_pos}")
        while at(i) and at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_tag = text[start + 2 : i].lower()
        while at(i) and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise FormattingError(f"Unclosed end tag at byte offset {begin_pos}")
        i += 1
        top = nested.pop()
        if end_tag and end_tag != top.name:
            raise FormattingError(
                f'Unmatched end tag at byte offset {begin_pos}, expected "</{top.name}>", '
                f'found "</{end_tag}>"'
            )
        if u16 <= top.offset:
            continue
        length = u16 - top.offset
        name = top.name
        if name in ("i", "em"):
            entities.append(_entity("italic", top.offset, length))
        elif name in ("b", "strong"):
            entities.append(_entity("bold", top.offset, length))
        elif name in ("s", "strike", "del"):
            entities.append(_entity("strikethrough", top.offset, length))
        elif name in ("u", "ins"):
            entities.append(_entity("underline", top.offset, length))
        elif name in ("tg-spoiler", "span"):
            entities.append(_entity("spoiler", top.offset, length))
        elif name == "tg-emoji":
            if not top.argument.isdigit() or int(top.argument) == 0:
                raise FormattingError("Invalid custom emoji identifier specified")
            entities.append(
                _entity("custom_emoji", top.offset, length, custom_emoji_id=top.argument)
            )
        elif name == "a":
            url = _checked_link(top.argument or "".join(out[top.begin :]))
            if url:
                entities.append(_entity("text_link", top.offset, length, url=url))
        elif name == "pre":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == top.offset
                and last["length"] == length
                and last.get("language")
            ):
                last["type"] = "pre"
            else:
                entities.append(_entity("pre", top.offset, length))
        elif name == "code":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "pre"
                and last["offset"] == top.offset
                and last["length"] == length
                and top.argument
            ):
                last["language"] = top.argument
            else:
                entities.append(_entity("code", top.offset, length, language=top.argument or None))
        elif name == "blockquote":
            kind = "expandable_blockquote" if top.argument == "expandable" else "blockquote"
            entities.append(_entity(kind, top.offset, length))
    if nested:
        raise FormattingError(f"Can't find end tag corresponding to start tag {nested[-1].name}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return "".join(out), _sort(entities)


# --------------------------------------------------------------------------------------------
# MarkdownV2

_TD_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse ``parse_mode=MarkdownV2`` text; return (plain text, entities)."""
    byte_at = _byte_offsets(text)
    n = len(text)
    out: list[str] = []
    u16 = 0
    entities: list[JSONDict] = []
    nested: list[_Open] = []
    have_blockquote = False

    def at(k: int) -> str:
        return text[k] if 0 <= k < n else ""

    def escapable(ch: str) -> bool:
        return bool(ch) and 0 < ord(ch) <= 126

    def reserved_error(ch: str) -> FormattingError:
        return FormattingError(
            f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
        )

    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and escapable(at(i + 1)):
            out.append(at(i + 1))
            u16 += 1
            i += 2
            continue
        reserved = "_*[]()~`>#+-=|{}.!\n"
        if nested and nested[-1].name in ("code", "pre", "pre_code"):
            reserved = "`"
        if c not in reserved:
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue

        is_end = False
        if nested:
            top_name = nested[-1].name
            if have_blockquote and c == "\n" and (i + 1 == n or at(i + 1) != ">"):
                is_end = True
            elif top_name == "bold":
                is_end = c == "*"
            elif top_name == "italic":
                is_end = c == "_" and at(i + 1) != "_"
            elif top_name == "code":
                is_end = c == "`"
            elif top_name in ("pre", "pre_code"):
                is_end = c == "`" and at(i + 1) == "`" and at(i + 2) == "`"
            elif top_name in ("text_link", "custom_emoji"):
                is_end = c == "]"
            elif top_name == "underline":
                is_end = c == "_" and at(i + 1) == "_"
            elif top_name == "strikethrough":
                is_end = c == "~"
            elif top_name == "spoiler":
                is_end = c == "|" and at(i + 1) == "|"

        if not is_end:
            entity_byte_offset = byte_at[i]
            argument = ""
            name: str | None
            if c == "_":
                if at(i + 1) == "_":
                    name = "underline"
                    i += 1
                else:
                    name = "italic"
            elif c == "*":
                name = "bold"
            elif c == "~":
                name = "strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise reserved_error(c)
                i += 1
                name = "spoiler"
            elif c == "[":
                name = "text_link"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    i += 3
                    name = "pre"
                    language_end = i
                    while at(language_end) and at(language_end) not in _SPACES + "`":
                        language_end += 1
                    if i != language_end and language_end < n and at(language_end) != "`":
                        name = "pre_code"
                        argument = text[i:language_end]
                        i = language_end
                    if at(i) in ("\n", "\r") and at(i):
                        if at(i + 1) in ("\n", "\r") and at(i + 1) and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    name = "code"
            elif c == "!":
                if at(i + 1) != "[":
                    raise reserved_error(c)
                i += 1
                name = "custom_emoji"
            elif c == "\n":
                u16 += 1
                out.append("\n")
                name = None
                if at(i + 1) == ">":
                    i += 1
                    if not have_blockquote:
                        name = "blockquote"
                        have_blockquote = True
            elif c == ">":
                if i != 0:
                    raise reserved_error(c)
                name = "blockquote"
                have_blockquote = True
            else:
                raise reserved_error(c)
            if name is not None:
                nested.append(_Open(name, argument, u16, len(out), entity_byte_offset))
            i += 1
            continue

        # the end of an entity
        top = nested[-1]
        if c == "\n" and top.name != "blockquote":
            raise FormattingError(
                f"Can't find end of {_TD_NAMES[top.name]} entity at byte offset {top.byte_offset}"
            )
        skip = u16 == top.offset
        extra: JSONDict = {}
        kind = top.name
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_link":
            if at(i + 1) != "(":
                url = "".join(out[top.begin :])
            else:
                i += 2
                url_begin = i
                url_chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and escapable(at(i + 1)):
                        url_chars.append(at(i + 1))
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if at(i) != ")":
                    raise FormattingError(
                        f"Can't find end of a URL at byte offset {byte_at[url_begin]}"
                    )
                url = "".join(url_chars)
            checked = _checked_link(url)
            if not checked:
                skip = True
            extra["url"] = checked
        elif kind == "custom_emoji":
            if at(i + 1) != "(":
                raise FormattingError("Custom emoji entity must contain a tg://emoji URL")
            i += 2
            url_begin = i
            url_chars = []
            while i < n and text[i] != ")":
                if text[i] == "\\" and escapable(at(i + 1)):
                    url_chars.append(at(i + 1))
                    i += 2
                    continue
                url_chars.append(text[i])
                i += 1
            if at(i) != ")":
                raise FormattingError(
                    f"Can't find end of a custom emoji URL at byte offset {byte_at[url_begin]}"
                )
            url = "".join(url_chars)
            prefix = "tg://emoji?id="
            if not url.startswith(prefix) or not url[len(prefix) :].isdigit():
                raise FormattingError("Invalid custom emoji URL specified")
            extra["custom_emoji_id"] = url[len(prefix) :]
        elif kind == "blockquote":
            have_blockquote = False
            out.append(c)
            u16 += 1
        if not skip:
            length = u16 - top.offset
            if kind == "pre_code":
                entities.append(_entity("pre", top.offset, length, language=top.argument))
            elif length > 0:
                entities.append(_entity(kind, top.offset, length, **extra))
        nested.pop()
        i += 1

    if have_blockquote and nested and nested[-1].name == "blockquote":
        top = nested.pop()
        if u16 != top.offset:
            entities.append(_entity("blockquote", top.offset, u16 - top.offset))
    if nested:
        top = nested[-1]
        raise FormattingError(
            f"Can't find end of {_TD_NAMES[top.name]} entity at byte offset {top.byte_offset}"
        )
    return "".join(out), _sort(entities)


# --------------------------------------------------------------------------------------------
# Markdown (legacy)


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Parse the legacy ``parse_mode=Markdown`` text; return (plain text, entities)."""
    byte_at = _byte_offsets(text)
    n = len(text)
    out: list[str] = []
    u16 = 0
    entities: list[JSONDict] = []

    def at(k: int) -> str:
        return text[k] if 0 <= k < n else ""

    i = 0
    while i < n:
        c = text[i]
        if c == "\\" and at(i + 1) in ("_", "*", "`", "["):
            out.append(at(i + 1))
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += utf16_len(c)
            i += 1
            continue
        begin_pos = i
        end_character = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            is_pre = True
            language_end = i
            while at(language_end) and at(language_end) not in _SPACES + "`":
                language_end += 1
            if i != language_end and language_end < n and at(language_end) != "`":
                language = text[i:language_end]
                i = language_end
            if at(i) in ("\n", "\r") and at(i):
                if at(i + 1) in ("\n", "\r") and at(i + 1) and at(i) != at(i + 1):
                    i += 2
                else:
                    i += 1
        entity_offset = u16
        while i < n and (
            text[i] != end_character or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))
        ):
            out.append(text[i])
            u16 += utf16_len(text[i])
            i += 1
        if i == n:
            raise FormattingError(
                f"Can't find end of the entity starting at byte offset {byte_at[begin_pos]}"
            )
        if entity_offset != u16:
            length = u16 - entity_offset
            if c == "_":
                entities.append(_entity("italic", entity_offset, length))
            elif c == "*":
                entities.append(_entity("bold", entity_offset, length))
            elif c == "[":
                if at(i + 1) != "(":
                    url = text[begin_pos + 1 : i]
                else:
                    i += 2
                    url_chars: list[str] = []
                    while i < n and text[i] != ")":
                        url_chars.append(text[i])
                        i += 1
                    url = "".join(url_chars)
                checked = _checked_link(url)
                if checked:
                    entities.append(_entity("text_link", entity_offset, length, url=checked))
            elif is_pre:
                entities.append(_entity("pre", entity_offset, length, language=language or None))
            else:
                entities.append(_entity("code", entity_offset, length))
        if is_pre:
            i += 2
        i += 1
    return "".join(out), _sort(entities)


# --------------------------------------------------------------------------------------------
# Explicit entities


def check_entities(text: str, entities: Sequence[Any]) -> list[JSONDict]:
    """Validate entities given by the bot; return them sorted, empty ones dropped.

    Raises FormattingError with TDLib's wording for out-of-range or malformed entities.
    """
    total = utf16_len(text)
    result: list[JSONDict] = []
    for raw in entities:
        if not isinstance(raw, dict):
            raise FormattingError("can't parse MessageEntity: expected an Object")
        kind = raw.get("type")
        offset = raw.get("offset")
        length = raw.get("length")
        if not isinstance(kind, str):
            raise FormattingError('can\'t parse MessageEntity: field "type" must be a String')
        if not isinstance(offset, int) or isinstance(offset, bool):
            raise FormattingError('can\'t parse MessageEntity: field "offset" must be a Number')
        if not isinstance(length, int) or isinstance(length, bool):
            raise FormattingError('can\'t parse MessageEntity: field "length" must be a Number')
        if kind not in ENTITY_TYPES:
            raise FormattingError(f'Unsupported entity type "{kind}"')
        if offset < 0 or offset > 1_000_000:
            raise FormattingError(f"Receive an entity with incorrect offset {offset}")
        if length < 0 or length > 1_000_000:
            raise FormattingError(f"Receive an entity with incorrect length {length}")
        if length == 0:
            continue
        if offset >= total:
            raise FormattingError(
                f"Entity begins after the end of the text at UTF-16 offset {total}"
            )
        if offset + length > total:
            raise FormattingError(
                f"Entity beginning at UTF-16 offset {offset} ends after the end of the text "
                f"at UTF-16 offset {total}"
            )
        if kind == "text_link" and not (isinstance(raw.get("url"), str) and raw["url"]):
            raise FormattingError("Entity text_link must have a non-empty url")
        if kind == "text_mention" and not isinstance(raw.get("user"), dict):
            raise FormattingError("Entity text_mention must have a user")
        if kind == "custom_emoji" and not raw.get("custom_emoji_id"):
            raise FormattingError("Invalid custom emoji identifier specified")
        result.append(dict(raw))
    _check_nesting(result)
    return _sort(result)


_CODE = frozenset({"code", "pre"})
_STYLES = frozenset({"bold", "italic", "underline", "strikethrough", "spoiler"})


def _check_nesting(entities: Sequence[JSONDict]) -> None:
    """Entities nest or stay apart; nothing lives in code; a style does not wrap code (Telegram
    drops it silently, which a test should see as loudly as a refusal)."""
    for index, a in enumerate(entities):
        for b in entities[index + 1:]:
            a_end, b_end = a["offset"] + a["length"], b["offset"] + b["length"]
            if a["offset"] >= b_end or b["offset"] >= a_end:
                continue
            a_holds_b = a["offset"] <= b["offset"] and b_end <= a_end
            b_holds_a = b["offset"] <= a["offset"] and a_end <= b_end
            if not (a_holds_b or b_holds_a):
                raise FormattingError(
                    f"Entities {a['type']} and {b['type']} intersect partially"
                )
            # Of two entities over the same range, code is the inner one.
            a_is_outer = a_holds_b and not (b_holds_a and a["type"] in _CODE)
            inner, outer = (b, a) if a_is_outer else (a, b)
            if outer["type"] in _CODE:
                raise FormattingError(f"Entity {inner['type']} can't be inside {outer['type']}")
            if inner["type"] in _CODE and outer["type"] in _STYLES:
                raise FormattingError(f"Entity {outer['type']} can't contain {inner['type']}")


def apply_formatting(
    text: str, parse_mode: str | None, entities: Sequence[Any] | None
) -> tuple[str, list[JSONDict]]:
    """Text and entities as Telegram stores them: a parse mode wins over explicit entities."""
    mode = (parse_mode or "").strip().lower()
    if mode in ("", "none"):
        return text, check_entities(text, entities or [])
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise UnsupportedParseMode(f"unsupported parse_mode {parse_mode!r}")
