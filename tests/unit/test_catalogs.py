"""Interface text: both catalogs carry every key, with the same placeholders.

A key with plural forms (``msgid_plural``) is read by ``ngettext``: every form of it is checked.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from bot.daily.subscriptions import PauseReason
from bot.drills.practice import NoCardReason
from bot.platform.content.schema import Kind
from bot.platform.i18n import create_i18n
from bot.platform.telegram.commands import PRIVATE_COMMANDS
from bot.study.grades import Grade
from bot.study.keyboards import INTERVIEW_LEVELS
from tests.conftest import REPO_ROOT

LOCALES = REPO_ROOT / "bot" / "locales"


PLURAL_FORMS = {"ru": 3, "en": 2}  # one, few, many; one, other


def catalog(locale: str) -> dict[str, tuple[str, ...]]:
    """Every key's text: one, or each plural form."""
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return {str(m.id[0] if m.pluralizable else m.id): forms(m)
                for m in read_po(po_file) if m.id}


def forms(message: Message) -> tuple[str, ...]:
    texts = message.string
    return tuple(map(str, texts)) if isinstance(texts, tuple | list) else (str(texts),)


def plural_keys() -> set[str]:
    with (LOCALES / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return {str(m.id[0]) for m in read_po(po_file) if m.pluralizable}


def test_every_key_is_translated_in_both_languages_with_the_same_placeholders() -> None:
    russian, english = catalog("ru"), catalog("en")
    assert russian.keys() == english.keys()
    for key in russian:
        assert all(russian[key]), f"{key} is empty in Russian"
        assert all(english[key]), f"{key} is empty in English"
        placeholders = {frozenset(re.findall(r"{\w+}", form))
                        for form in russian[key] + english[key]}
        assert len(placeholders) == 1, key


def test_plural_keys_have_every_form_of_their_language() -> None:
    for locale, forms in PLURAL_FORMS.items():
        texts = catalog(locale)
        assert all(len(texts[key]) == forms for key in plural_keys()), locale


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
    "pause-reason-": tuple(reason.value for reason in PauseReason),
    "button-level-": INTERVIEW_LEVELS,
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
    plural = plural_keys()
    for key, russian in catalog("ru").items():
        values = dict.fromkeys(re.findall(r"{(\w+)}", russian[0]), "1")
        for locale in ("ru", "en"):
            for count in (1, 2, 5) if key in plural else (1,):
                rendered = (i18n.gettext(key, key, count, locale=locale) if key in plural
                            else i18n.gettext(key, locale=locale))
                assert rendered != key, f"{key} is not compiled for {locale}"
                assert rendered.format(**values), key


@pytest.mark.parametrize(
    ("key", "locale", "count", "text"),
    [
        ("count-days", "ru", 1, "1 день"),
        ("count-days", "ru", 3, "3 дня"),
        ("count-days", "ru", 11, "11 дней"),
        ("count-days", "ru", 21, "21 день"),
        ("count-days", "en", 1, "1 day"),
        ("count-days", "en", 2, "2 days"),
        ("newcards-set", "ru", 1, "Готово: до 1 новой карточки в день."),
        ("newcards-set", "ru", 5, "Готово: до 5 новых карточек в день."),
        ("newcards-set", "en", 1, "Done: up to 1 new card a day."),
        ("admin-next-random", "ru", 1, "Случайный вопрос из 1 ещё не опубликованного."),
        ("admin-next-random", "ru", 4, "Случайный вопрос из 4 ещё не опубликованных."),
        ("import-refused", "ru", 1, "❌ f.yaml: ничего не записано — 1 проблема."),
        ("import-refused", "ru", 2, "❌ f.yaml: ничего не записано — 2 проблемы."),
        ("import-refused", "en", 1, "❌ f.yaml: nothing was written — 1 problem."),
        ("import-too-large", "ru", 1, "❌ Файл больше 1 байта — такие не принимаю. Разбейте его "
                                      "на части."),
        ("content-error-too-short", "ru", 1, "нужен хотя бы 1 элемент, а здесь 1"),
        ("content-error-too-deep", "en", 1, "nested deeper than 1 level, which content never "
                                            "is"),
    ],
)
def test_a_count_agrees_with_its_number(key: str, locale: str, count: int, text: str) -> None:
    """Never "1 days" or "1 дн.": a number with a noun takes the noun's plural form."""
    rendered = create_i18n("ru").gettext(key, key, count, locale=locale)
    values = dict.fromkeys(["n", "count", "limit", "min_length", "actual_length"], count)
    assert rendered.format(file="f.yaml", **values) == text


def test_no_key_is_defined_twice() -> None:
    # read_po keeps one of two entries silently: a second meaning would shadow the first.
    for locale in ("ru", "en"):
        source = (LOCALES / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
        keys = Counter(re.findall(r'^msgid "(.+)"$', source, re.MULTILINE))
        assert [key for key, count in keys.items() if count > 1] == [], locale

