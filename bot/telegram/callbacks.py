"""Typed callback data. Anyone can send any callback data: handlers re-check everything."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.content.schema import Kind
from bot.services.grades import Grade


class NextCard(CallbackData, prefix="next"):
    kind: Kind


class RevealAnswer(CallbackData, prefix="reveal"):
    item_id: int


class GradeAnswer(CallbackData, prefix="grade"):
    item_id: int
    grade: Grade


class SettingsAction(StrEnum):
    SCREEN = "screen"  # value: a SettingsScreen
    ASK = "ask"  # value: "time" or "zone", typed as a reply
    TIME = "time"  # value: HHMM, toggled
    ZONE = "zone"  # value: an IANA name
    DAY = "day"  # value: 0 (Monday) … 6, toggled
    TOPIC = "topic"  # value: a topic id, toggled; "" for every topic
    KIND = "kind"  # value: quiz / question / task, toggled
    ANONYMOUS = "anon"  # toggled
    REVEAL = "reveal"  # value: minutes
    RESUME = "resume"


class SettingsScreen(StrEnum):
    MAIN = "main"
    TIMES = "times"
    ZONES = "zones"
    TOPICS = "topics"
    REVEAL = "reveal"


class SettingsPress(CallbackData, prefix="cfg"):
    """A button of a chat's subscription settings; whoever presses it must manage that chat."""

    chat_id: int
    action: SettingsAction
    value: str = ""


class SubscribeChannel(CallbackData, prefix="subch"):
    """The confirmation under a forwarded channel post."""

    chat_id: int
