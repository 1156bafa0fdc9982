"""When a card comes back, as Anki writes it over its grade buttons: "10 мин", "5 д", "3 мес"."""

from __future__ import annotations

from datetime import timedelta

from aiogram.utils.i18n import gettext

DAYS_PER_MONTH = 30.4  # 365 / 12
MONTHS_PER_YEAR = 12


def format_interval(interval: timedelta) -> str:
    """The interval in the largest unit it reaches, rounded to a whole number of it: minutes
    (at least one) under an hour, hours under a day, days under a month, months under a year,
    then years. Each unit goes through the catalog's plural forms (Russian "5 л" for years)."""
    minutes = max(1, round(interval.total_seconds() / 60))
    if minutes < 60:
        return _count("interval-minutes", minutes)
    hours = round(minutes / 60)
    if hours < 24:
        return _count("interval-hours", hours)
    days = round(hours / 24)
    if days < 31:
        return _count("interval-days", days)
    months = round(days / DAYS_PER_MONTH)
    if months < MONTHS_PER_YEAR:
        return _count("interval-months", months)
    return _count("interval-years", round(months / MONTHS_PER_YEAR))


def _count(key: str, n: int) -> str:
    return gettext(key, key, n).format(n=n)
