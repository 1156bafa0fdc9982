"""gettext catalogs (``bot/locales``), compiled to .mo when the package is installed."""

from __future__ import annotations

from pathlib import Path

from aiogram.utils.i18n import I18n

from bot.rendering.posts import PostStyle
from bot.services.catalog import Card

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


def create_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def post_style(i18n: I18n, card: Card, signature: str) -> PostStyle:
    """Post words follow the item's language, not the reader's interface language."""
    locale = card.content.language.value
    return PostStyle(
        signature=signature,
        answer_label=i18n.gettext("label-answer", locale=locale),
        solution_label=i18n.gettext("label-solution", locale=locale),
        kind_hashtag=i18n.gettext("hashtag-kind-" + card.content.kind.value, locale=locale),
    )
