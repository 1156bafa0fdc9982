"""The buttons of the learner's own settings and of the first /start."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class SettingsStep(StrEnum):
    ZONES = "zones"  # show the zone buttons
    ZONE = "zone"  # this zone (``value``)
    OTHER_ZONE = "other"  # ask to type one
    LANGUAGE = "language"  # show the language buttons
    DAILY = "daily"  # the settings of the chat's question of the day
    MAIN = "main"  # back to the settings


class LearnerSettingsPress(CallbackData, prefix="me"):
    step: SettingsStep
    value: str = ""


class OnboardingStep(StrEnum):
    LEVEL = "level"  # this level (``value``: a Difficulty, or empty for every level)
    TOPIC = "topic"  # toggle this topic (``value``; empty: every topic)
    TOPICS_DONE = "topics-done"
    ZONE = "zone"  # this zone (``value``)
    OTHER_ZONE = "other"  # ask to type one
    BEGIN = "begin"  # the first drill, or the day's drill of a returning learner


class OnboardingPress(CallbackData, prefix="hi"):
    step: OnboardingStep
    value: str = ""
