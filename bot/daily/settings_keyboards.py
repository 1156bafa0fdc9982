"""The subscription settings screen: its text (with entities) and its inline keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from aiogram.enums import ChatType
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.formatting import Bold, Text
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.daily.subscriptions import (
    DAILY_KINDS,
    PauseReason,
    SubscriptionView,
    TopicOption,
)
from bot.platform.db.models import SubscriptionStatus
from bot.platform.i18n import day_count
from bot.platform.zones import COMMON_ZONES
from bot.study.callbacks import SettingsAction, SettingsPress, SettingsScreen
from bot.study.catalog import topic_title

PRESET_TIMES = tuple(time(hour) for hour in (7, 8, 9, 10, 12, 14, 18, 20, 21))
REVEAL_CHOICES_MINUTES = (5, 15, 30, 60, 120, 240, 480, 720, 1440)
ON = "✓ "


@dataclass(frozen=True)
class Screen:
    """A message ready for sendMessage / editMessageText."""

    text: str
    entities: list[Any]
    markup: InlineKeyboardMarkup

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "entities": self.entities or None, "reply_markup": self.markup}


def weekday_names() -> list[str]:
    return _("weekdays-short").split()


def duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        return day_count(minutes // 1440)
    if minutes % 60 == 0:
        return _("duration-hours").format(n=minutes // 60)
    return _("duration-minutes").format(n=minutes)


def clock_times(times: Sequence[time]) -> str:
    return ", ".join(at.strftime("%H:%M") for at in times)


def local_moment(at: datetime) -> str:
    """"вт, 25.11 в 09:30": a local datetime as a person reads it."""
    return _("moment").format(weekday=weekday_names()[at.weekday()], date=at.strftime("%d.%m"),
                              time=at.strftime("%H:%M"))


def schedule_summary(view: SubscriptionView) -> str:
    """When the chat gets its post: times, zone, days, and the next one."""
    days = (_("days-every") if len(view.weekdays) == 7
            else ", ".join(weekday_names()[day] for day in view.weekdays))
    summary = _("schedule-summary").format(times=clock_times(view.times), zone=view.timezone,
                                           days=days)
    next_local = view.next_run_local
    if next_local is not None:
        summary += "\n" + _("schedule-next").format(moment=local_moment(next_local))
    return summary


def settings_screen(
    view: SubscriptionView, chat_title: str, topics: Sequence[TopicOption],
    screen: SettingsScreen = SettingsScreen.MAIN,
) -> Screen:
    text = Text(Bold(_("settings-title").format(chat=chat_title)), "\n\n", _summary(view, topics))
    rendered, entities = text.render()
    return Screen(rendered, entities, _keyboard(view, topics, screen))


def _summary(view: SubscriptionView, topics: Sequence[TopicOption]) -> str:
    status = (_("status-paused").format(reason=pause_reason(view.pause_reason))
              if view.status == SubscriptionStatus.PAUSED else _("status-active"))
    chosen = [_topic_title(topic) for topic in topics if topic.id in view.topics]
    summary = _("settings-summary").format(
        status=status,
        schedule=schedule_summary(view),
        topics=", ".join(chosen) if chosen else _("topics-all"),
        kinds=", ".join(_("kind-name-" + kind) for kind in view.kinds),
        reveal=duration(view.reveal_after_minutes),
    )
    if not _has_member_polls(view):  # private polls count for nothing; channels' are anonymous
        return summary
    polls = _("polls-anonymous") if view.anonymous_polls else _("polls-public")
    return summary + "\n" + _("settings-polls").format(polls=polls)


def _has_member_polls(view: SubscriptionView) -> bool:
    return view.chat_type in (ChatType.GROUP, ChatType.SUPERGROUP)


def pause_reason(reason: str | None) -> str:
    """A reason the bot gave itself, in words; Telegram's own error text as it came."""
    if not reason:
        return "—"
    if reason not in {own.value for own in PauseReason}:
        return reason
    return _("pause-reason-" + reason)


def _keyboard(
    view: SubscriptionView, topics: Sequence[TopicOption], screen: SettingsScreen
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    sizes: list[int]
    if screen is SettingsScreen.TIMES:
        shown = sorted({*PRESET_TIMES, *view.times})
        for at in shown:
            _add(builder, view, _mark(at in view.times, at.strftime("%H:%M")),
                 SettingsAction.TIME, at.strftime("%H%M"))
        sizes = [3] * ((len(shown) + 2) // 3) + [1, 1]
        _add(builder, view, _("button-other-time"), SettingsAction.ASK, SettingsAction.TIME)
    elif screen is SettingsScreen.ZONES:
        shown_zones = list(dict.fromkeys([*COMMON_ZONES, view.timezone]))
        for zone in shown_zones:
            _add(builder, view, _mark(zone == view.timezone, zone), SettingsAction.ZONE, zone)
        sizes = [2] * ((len(shown_zones) + 1) // 2) + [1, 1]
        _add(builder, view, _("button-other-zone"), SettingsAction.ASK, SettingsAction.ZONE)
    elif screen is SettingsScreen.TOPICS:
        _add(builder, view, _mark(not view.topics, _("topics-all")), SettingsAction.TOPIC, "")
        for topic in topics:
            _add(builder, view, _mark(topic.id in view.topics, _topic_title(topic)),
                 SettingsAction.TOPIC, topic.id)
        sizes = [1] + [2] * ((len(topics) + 1) // 2) + [1]
    elif screen is SettingsScreen.REVEAL:
        for minutes in REVEAL_CHOICES_MINUTES:
            _add(builder, view, _mark(minutes == view.reveal_after_minutes, duration(minutes)),
                 SettingsAction.REVEAL, str(minutes))
        sizes = [3, 3, 3, 1]
    else:
        return _main_keyboard(view, builder)
    _add(builder, view, _("button-back"), SettingsAction.SCREEN, SettingsScreen.MAIN)
    builder.adjust(*sizes)
    return builder.as_markup()


def _main_keyboard(view: SubscriptionView, builder: InlineKeyboardBuilder) -> InlineKeyboardMarkup:
    _add(builder, view, _("button-times"), SettingsAction.SCREEN, SettingsScreen.TIMES)
    _add(builder, view, _("button-zone"), SettingsAction.SCREEN, SettingsScreen.ZONES)
    for day, name in enumerate(weekday_names()):
        _add(builder, view, _mark(day in view.weekdays, name), SettingsAction.DAY, str(day))
    for kind in DAILY_KINDS:
        _add(builder, view, _mark(kind in view.kinds, _("kind-name-" + kind)),
             SettingsAction.KIND, kind)
    _add(builder, view, _("button-topics"), SettingsAction.SCREEN, SettingsScreen.TOPICS)
    sizes = [2, 7, 3, 1]
    if _has_member_polls(view):
        label = _("button-polls-anonymous") if view.anonymous_polls else _("button-polls-public")
        _add(builder, view, label, SettingsAction.ANONYMOUS)
        _add(builder, view, _mark(view.fair_play, _("button-fair-play")),
             SettingsAction.FAIR_PLAY)
        _add(builder, view, _mark(view.private_feedback, _("button-private-feedback")),
             SettingsAction.PRIVATE_FEEDBACK)
        sizes.extend([1, 2])
    _add(builder, view, _("button-reveal").format(after=duration(view.reveal_after_minutes)),
         SettingsAction.SCREEN, SettingsScreen.REVEAL)
    sizes.append(1)
    if view.status == SubscriptionStatus.PAUSED:
        _add(builder, view, _("button-resume"), SettingsAction.RESUME)
        sizes.append(1)
    builder.adjust(*sizes)
    return builder.as_markup()


def resume_keyboard(subscription_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-resume"),
                   callback_data=SettingsPress(subscription_id=subscription_id,
                                               action=SettingsAction.RESUME))
    return builder.as_markup()


def _add(
    builder: InlineKeyboardBuilder, view: SubscriptionView, text: str, action: SettingsAction,
    value: str = "",
) -> None:
    builder.button(text=text, callback_data=SettingsPress(subscription_id=view.subscription_id,
                                                          action=action, value=value))


def _mark(on: bool, label: str) -> str:
    return ON + label if on else label


def _topic_title(topic: TopicOption) -> str:
    return topic_title(topic, get_i18n().current_locale)
