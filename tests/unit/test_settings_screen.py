"""The settings screen: what an admin reads, and buttons Telegram accepts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

import pytest
from aiogram.utils.i18n import I18n

from bot.daily.settings_keyboards import Screen, settings_screen
from bot.daily.subscriptions import SubscriptionView, TopicOption
from bot.platform.db.models import SubscriptionStatus
from bot.platform.i18n import create_i18n
from bot.study.callbacks import SettingsScreen

LONGEST_ZONE = "America/Argentina/ComodRivadavia"
TOPICS = [TopicOption("t" * 32, "long", "Очень длинная тема", "A very long topic"),
          TopicOption("metrics", "метрики", "Метрики", "Metrics")]


@pytest.fixture
def i18n() -> Iterator[I18n]:
    i18n = create_i18n("ru")
    with i18n.context():
        yield i18n


BERLIN_WEEKDAYS = SubscriptionView(
    subscription_id=1, chat_id=-1001234567890, chat_type="supergroup",
    status=SubscriptionStatus.ACTIVE,
    pause_reason=None, paused_at=None, times=(time(9, 30),), timezone="Europe/Berlin",
    weekdays=(0, 1, 2, 3, 4), topics=(), kinds=("quiz", "question"), anonymous_polls=False,
    reveal_after_minutes=90, next_run_at=datetime(2026, 11, 24, 8, 30, tzinfo=UTC),
)


def view(**changes: Any) -> SubscriptionView:
    return replace(BERLIN_WEEKDAYS, **changes)


def labels(screen: Screen) -> list[str]:
    return [button.text for row in screen.markup.inline_keyboard for button in row]


def test_the_summary_reads_in_the_chats_local_time(i18n: I18n) -> None:
    screen = settings_screen(view(), "ML Club", TOPICS)
    assert screen.text == (
        "⚙️ Вопрос дня: ML Club\n\nСтатус: включён\n🕘 09:30 (Europe/Berlin), Пн, Вт, Ср, Чт, Пт\n"
        "Следующий пост: Вт, 24.11 в 09:30\nТемы: все темы\nФорматы: Квизы, Вопросы\n"
        "Ответ публикуется через 90 мин\nОпросы: открытые — ответы идут в /top"
    )
    assert [(e.type, e.offset, e.length) for e in screen.entities] == [("bold", 0, 22)]
    with i18n.use_locale("en"):
        english = settings_screen(view(topics=("metrics",)), "ML Club", TOPICS)
    assert "Next post: Tue 24.11 at 09:30\nTopics: Metrics\n" in english.text


def test_an_answer_a_day_later_reads_as_one_day_in_both_languages(i18n: I18n) -> None:
    a_day = view(reveal_after_minutes=24 * 60)
    assert "\nОтвет публикуется через 1 день\n" in settings_screen(a_day, "ML Club", TOPICS).text
    with i18n.use_locale("en"):
        assert "\nThe answer is posted after 1 day\n" in settings_screen(
            a_day, "ML Club", TOPICS).text


def test_a_paused_subscription_says_why_and_offers_to_resume(i18n: I18n) -> None:
    paused = settings_screen(view(status="paused", pause_reason="removed", next_run_at=None),
                             "ML Club", TOPICS)
    assert "Статус: на паузе (меня удалили из чата)\n" in paused.text
    assert "Следующий пост" not in paused.text
    assert labels(paused)[-1] == "▶ Возобновить"
    foreign = settings_screen(view(status="paused", pause_reason="Forbidden: bot was kicked",
                                   next_run_at=None), "ML Club", TOPICS)
    assert "(Forbidden: bot was kicked)" in foreign.text


def test_only_groups_choose_between_public_and_anonymous_polls(i18n: I18n) -> None:
    assert "👥 Опросы открытые" in labels(settings_screen(view(), "ML Club", TOPICS))
    for chat_type in ("private", "channel"):
        screen = settings_screen(view(chat_type=chat_type), "x", TOPICS)
        assert not any("Опросы" in label for label in labels(screen))
        assert "Опросы:" not in screen.text  # they count for nothing there


@pytest.mark.parametrize("screen", list(SettingsScreen))
def test_every_button_fits_telegrams_callback_limit(i18n: I18n, screen: SettingsScreen) -> None:
    longest = view(chat_id=-1009999999999999, timezone=LONGEST_ZONE, status="paused",
                   thread_id=2**31 - 1)
    markup = settings_screen(longest, "x", TOPICS, screen).markup
    data = [button.callback_data or "" for row in markup.inline_keyboard for button in row]
    assert data
    assert all(1 <= len(item.encode()) <= 64 for item in data)
    assert len(set(data)) == len(data)  # every button does its own thing


def test_the_answer_may_come_five_minutes_after_the_post(i18n: I18n) -> None:
    screen = settings_screen(view(), "ML Club", TOPICS, SettingsScreen.REVEAL)
    assert labels(screen)[:3] == ["5 мин", "15 мин", "30 мин"]
