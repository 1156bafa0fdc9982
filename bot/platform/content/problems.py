"""What is wrong with a content file, as codes with values, and how that reads in each language.

Parsing and validation say a problem as a code and its values (``ContentProblem.code`` and
``context``); the words are the catalog's ``content-error-<code>``, in the admin's language in
Telegram and in English in the log and ``python -m bot.platform.content check``. pydantic's
error types, YAML's and JSON's syntax errors are mapped to codes here, so no library's English
reaches a reply.
"""

from __future__ import annotations

import gettext
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Protocol

import yaml
from pydantic_core import ErrorDetails

from bot.locales import DOMAIN, LOCALES_DIR
from bot.platform.content.markdown import shortened
from bot.platform.content.schema import (
    ITEM_ID_MAX,
    ITEM_ID_PATTERN,
    TAG_PATTERN,
    TOPIC_ID_PATTERN,
    Kind,
)

if TYPE_CHECKING:
    from bot.platform.content.files import ContentProblem

KEY_PREFIX = "content-error-"
#: Codes whose message says a number with a noun, and the value that picks the plural form.
PLURAL_BY = {
    "too-large": "limit",
    "zip-too-large": "limit",
    "too-deep": "limit",
    "string-too-short": "min_length",
    "string-too-long": "max_length",
    "too-short": "min_length",
    "too-long": "max_length",
}
#: An offending value quoted back is cut to this many characters.
QUOTED_MAX = 40

Context = Mapping[str, str | int]

# pydantic's error type → the code, where the error's own values (``ctx``) fill the message.
_SCHEMA_CODES = {
    **{kind: kind.replace("_", "-") for kind in (
        # The schema's own (PydanticCustomError in bot/platform/content/schema.py).
        "text_length", "rendered_empty", "rendered_length", "rendered_entities", "line_feeds",
        "tags_repeat",
        "options_repeat", "correct_ids_order", "correct_ids_range", "all_correct",
        "fixed_options",
        # pydantic's.
        "missing", "extra_forbidden", "string_type", "string_too_short", "string_too_long",
        "too_short", "too_long", "list_type", "dict_type",
    )},
    "model_type": "dict-type",
    "model_attributes_type": "dict-type",
    "int_type": "int-type",
    "int_parsing": "int-type",
    "int_from_float": "int-type",
    "url_type": "url",
    "url_parsing": "url",
    "url_scheme": "url",
    "url_syntax_violation": "url",
    "url_too_long": "url",
}
_PATTERN_CODES = {ITEM_ID_PATTERN: "bad-id", TOPIC_ID_PATTERN: "bad-topic-id",
                  TAG_PATTERN: "bad-tag"}
# libyaml's wording of the syntax errors authors make; any other is "yaml-syntax".
_YAML_CODES = {
    "did not find expected ',' or ']'": "yaml-list-not-closed",
    "did not find expected ',' or '}'": "yaml-map-not-closed",
    "did not find expected key": "yaml-indentation",
    "did not find expected '-' indicator": "yaml-indentation",
    "block sequence entries are not allowed in this context": "yaml-indentation",
    "mapping values are not allowed in this context": "yaml-colon",
    "could not find expected ':'": "yaml-missing-colon",
    "found character that cannot start any token": "yaml-bad-character",
    "found a tab character that violates indentation": "yaml-tab",
    "found a tab character where an indentation space is expected": "yaml-tab",
    "found unexpected end of stream": "yaml-not-closed",
    "found unknown escape character": "yaml-escape",
    "exceeded maximum nesting depth": "too-deep",  # libyaml's own limit, past MAX_DEPTH
}
_YAML_CONTROL_CHARACTER = "control characters are not allowed"
# The json module's wording; any other is "json-syntax".
_JSON_CODES = {
    "Expecting property name enclosed in double quotes": "json-key",
    "Expecting ',' delimiter": "json-comma",
    "Expecting ':' delimiter": "json-colon",
    "Expecting value": "json-value",
    "Unterminated string starting at": "json-not-closed",
}


class Gettext(Protocol):
    """aiogram's ``gettext`` (the reader's language), or :func:`english`."""

    def __call__(self, singular: str, plural: str | None = None, n: int = 1) -> str: ...


@cache
def english() -> Gettext:
    """The English catalog, for the log and the command line."""
    translations = gettext.translation(DOMAIN, LOCALES_DIR, ["en"], fallback=True)

    def translate(singular: str, plural: str | None = None, n: int = 1) -> str:
        if plural is None:
            return translations.gettext(singular)
        return translations.ngettext(singular, plural, n)

    return translate


def problem_text(problem: ContentProblem, translate: Gettext) -> str:
    """``q.yaml:6, item 'a', field 'options': …``: where, then what, in ``translate``'s language."""
    where = problem.file + "".join(f":{number}" for number in (problem.line, problem.column)
                                   if number is not None)
    parts = [where]
    if problem.item_id is not None:
        parts.append(translate("content-problem-item").format(id=problem.item_id))
    if problem.field is not None:
        parts.append(translate("content-problem-field").format(field=problem.field))
    return ", ".join(parts) + ": " + problem_message(problem.code, problem.context, translate)


def problem_message(code: str, context: Context, translate: Gettext) -> str:
    key = KEY_PREFIX + code
    count = PLURAL_BY.get(code)
    template = translate(key, key, int(context[count])) if count else translate(key)
    return template.format(**context)


def schema_problem(detail: ErrorDetails) -> tuple[str, Context]:
    """One pydantic error as a code and the values its message needs."""
    kind = detail["type"]
    context = detail.get("ctx") or {}
    if kind in _SCHEMA_CODES:  # their messages take the numbers (lengths, limits)
        return _SCHEMA_CODES[kind], {name: value for name, value in context.items()
                                     if isinstance(value, int)}
    if kind in ("enum", "literal_error"):
        return "not-one-of", {"value": _quoted(detail["input"]),
                              "expected": _listed(context["expected"])}
    if kind == "union_tag_invalid":
        return "not-one-of", {"value": _quoted(context["tag"]),
                              "expected": _listed(context["expected_tags"])}
    if kind == "union_tag_not_found":
        return "missing-kind", {"expected": ", ".join(tag.value for tag in Kind)}
    if kind == "string_pattern_mismatch" and context["pattern"] in _PATTERN_CODES:
        code = _PATTERN_CODES[context["pattern"]]
        length = {"max": ITEM_ID_MAX} if code == "bad-id" else {}
        return code, {"value": _quoted(detail["input"]), **length}
    return "invalid", {"type": kind}


def yaml_problem(error: yaml.YAMLError) -> str:
    """The code of a YAML error from the reader, the scanner, the parser or the constructor."""
    if isinstance(error, yaml.reader.ReaderError):
        return "not-text" if error.reason == _YAML_CONTROL_CHARACTER else "not-utf8"
    if isinstance(error, yaml.constructor.ConstructorError):
        return "yaml-value"  # an explicit tag (!!python/…, !!binary) or a list as a key
    problem = getattr(error, "problem", None)
    return _YAML_CODES.get(problem or "", "yaml-syntax")


def json_problem(error: json.JSONDecodeError) -> str:
    return _JSON_CODES.get(error.msg, "json-syntax")


def _listed(expected: str) -> str:
    """"'junior', 'middle' or 'senior'" (pydantic's English) → "junior, middle, senior"."""
    return ", ".join(re.findall(r"'([^']*)'", expected))


def _quoted(value: object) -> str:
    return shortened(str(value), QUOTED_MAX)
