"""Interface text: both catalogs carry every key, with the same placeholders."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po

from tests.conftest import REPO_ROOT

LOCALES = REPO_ROOT / "bot" / "locales"


def catalog(locale: str) -> dict[str, str]:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return {str(m.id): str(m.string) for m in read_po(po_file) if m.id}


def test_every_key_is_translated_in_both_languages_with_the_same_placeholders() -> None:
    russian, english = catalog("ru"), catalog("en")
    assert russian.keys() == english.keys()
    for key in russian:
        assert russian[key], f"{key} is empty in Russian"
        assert english[key], f"{key} is empty in English"
        placeholders = (set(re.findall(r"{\w+}", russian[key])),
                        set(re.findall(r"{\w+}", english[key])))
        assert placeholders[0] == placeholders[1], key
