"""Interface text: both catalogs carry every key, with the same placeholders."""

from __future__ import annotations

import re
from collections import Counter

from babel.messages.pofile import read_po

from bot.content.schema import Kind
from bot.services.drill import NoCardReason
from bot.services.grades import Grade
from bot.telegram.commands import PRIVATE_COMMANDS
from bot.telegram.i18n import create_i18n
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


# A key in code: _("key"), gettext("key"), i18n.gettext("key", ...); a family of keys built at
# run time from a literal prefix: _("button-grade-" + grade.value), f"command-{name}".
KEY_CALL = re.compile(r"""\b(?:_|gettext|lazy_gettext)\(\s*["']([a-z0-9][a-z0-9-]*)["']\s*[,)]""")
KEY_FAMILY = re.compile(
    r"""\b(?:_|gettext|lazy_gettext)\(\s*f?["']([a-z0-9][a-z0-9-]*-)(?:["']\s*\+|\{)"""
)
# The families whose members are known from code, checked member by member.
KNOWN_FAMILIES = {
    "command-": PRIVATE_COMMANDS,
    "button-grade-": tuple(grade.value for grade in Grade),
    "hashtag-kind-": tuple(kind.value for kind in Kind),
    "drill-why-": tuple(reason.value for reason in NoCardReason),
}


def keys_in_code() -> tuple[set[str], set[str]]:
    keys: set[str] = set()
    families: set[str] = set()
    for source in (REPO_ROOT / "bot").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        keys.update(KEY_CALL.findall(text))
        families.update(KEY_FAMILY.findall(text))
    return keys, families


def test_the_scan_finds_the_keys_code_uses() -> None:
    keys, families = keys_in_code()
    assert {"start-greeting", "drill-summary", "label-answer"} <= keys
    assert set(KNOWN_FAMILIES) <= families


def test_every_key_used_in_code_exists_in_both_catalogs() -> None:
    keys, families = keys_in_code()
    for family in families:
        members = KNOWN_FAMILIES.get(family)
        if members is None:
            assert any(key.startswith(family) for key in catalog("ru")), f"no {family}* keys"
        else:
            keys.update(family + member for member in members)
    for locale in ("ru", "en"):
        missing = keys - catalog(locale).keys()
        assert not missing, f"missing in {locale}: {sorted(missing)}"


def test_both_languages_render_every_key() -> None:
    """Through the compiled catalogs the bot loads: every key translated, every placeholder
    fillable."""
    i18n = create_i18n("ru")
    for key, russian in catalog("ru").items():
        values = dict.fromkeys(re.findall(r"{(\w+)}", russian), "1")
        for locale in ("ru", "en"):
            rendered = i18n.gettext(key, locale=locale)
            assert rendered != key, f"{key} is not compiled for {locale}"
            assert rendered.format(**values), key


def test_no_key_is_defined_twice() -> None:
    # read_po keeps one of two entries silently: a second meaning would shadow the first.
    for locale in ("ru", "en"):
        source = (LOCALES / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        keys = Counter(re.findall(r'^msgid "(.+)"$', source, re.MULTILINE))
        assert [key for key, count in keys.items() if count > 1] == [], locale
