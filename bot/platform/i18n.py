"""gettext catalogs (``bot/locales``), compiled to .mo when the package is installed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, SimpleI18nMiddleware, gettext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.locales import DOMAIN, LOCALES_DIR
from bot.platform.db.batched_reads import BatchedReads
from bot.platform.db.models import LearnerSettings


def create_i18n(default_locale: str) -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


class LanguageOverrides:
    """Learners' /language choices, read from the database with each update that needs one.

    Replicas share the database, and a learner's next update may reach another replica than
    the one that took their /language: a copy kept per process would answer in the old
    language there. The reads of updates handled together (a getUpdates page, webhook
    requests arriving at once) are one query (``bench/language_reads.py`` measures the cost).
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory
        self._reads = BatchedReads(self._load, name="language-loader")

    async def get(self, user_id: int) -> str | None:
        return await self._reads.get(user_id)

    async def _load(self, user_ids: Collection[int]) -> Mapping[int, str | None]:
        async with self.session_factory() as session:
            return await load_languages(session, user_ids)


class LearnerI18nMiddleware(SimpleI18nMiddleware):
    """The learner's /language choice first, then their Telegram language, then the default."""

    def __init__(self, i18n: I18n, overrides: LanguageOverrides) -> None:
        super().__init__(i18n)
        self.overrides = overrides

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        if user is None:
            return self.i18n.default_locale
        return await learner_locale(self.i18n, self.overrides, user.id, user.language_code)


async def learner_locale(
    i18n: I18n, overrides: LanguageOverrides, user_id: int, telegram_language: str | None
) -> str:
    """The locale of a learner outside an update from them (a closed poll, a reminder): the
    same order as ``LearnerI18nMiddleware``, with Telegram's language as last stored."""
    chosen = await overrides.get(user_id)
    if chosen in i18n.available_locales:
        return chosen
    language = (telegram_language or "").split("-")[0].lower()
    return language if language in i18n.available_locales else i18n.default_locale


def day_count(days: int) -> str:
    """"1 день", "3 дня", "5 дней": a number of days in the current language, its plural form
    chosen by the catalog."""
    return gettext("count-days", "count-days", days).format(n=days)


async def load_languages(
    session: AsyncSession, user_ids: Collection[int]
) -> dict[int, str | None]:
    """The interface language each learner chose, or None to follow Telegram's; one SELECT."""
    rows = await session.execute(
        select(LearnerSettings.user_id, LearnerSettings.language)
        .where(LearnerSettings.user_id.in_(user_ids))
    )
    chosen: dict[int, str | None] = dict(rows.all())
    return {user_id: chosen.get(user_id) for user_id in user_ids}
