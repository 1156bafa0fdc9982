"""English that reads as English: no Russian left in the English catalog, and no entry copied
over untranslated (the level names are the same words in both languages, and a language is
named in itself: "Русский" in either interface)."""

from __future__ import annotations

import re

from bot.platform.content.schema import Difficulty
from tests.unit.test_catalogs import catalog

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
PLACEHOLDER = re.compile(r"{\w+}|/\w+")  # placeholders and commands
ENDONYMS = frozenset({"language-name-ru", "language-name-en"})
SAME_IN_BOTH = ENDONYMS | frozenset(
    prefix + level.value for prefix in ("difficulty-", "button-level-") for level in Difficulty
)


def test_no_english_text_has_a_russian_letter() -> None:
    for key, forms in catalog("en").items():
        if key in ENDONYMS:
            continue
        assert not any(CYRILLIC.search(form) for form in forms), key


def test_no_english_entry_is_the_russian_one_untranslated() -> None:
    russian, english = catalog("ru"), catalog("en")
    copied = {key for key, forms in russian.items()
              if english[key][0] == forms[0]
              and re.search(r"[^\W\d_]", PLACEHOLDER.sub("", forms[0]))}
    assert copied == SAME_IN_BOTH
