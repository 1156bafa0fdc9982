"""Typed callback data. Anyone can send any callback data: handlers re-check everything."""

from __future__ import annotations

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


class DrillNext(CallbackData, prefix="drill"):
    """The "Next" button inside a /drill: continues the learner's drill session."""


class ToggleTopic(CallbackData, prefix="topic"):
    topic_id: str


class AllTopics(CallbackData, prefix="topics-all"):
    pass


class ChooseLanguage(CallbackData, prefix="lang"):
    language: str


class InterviewLevel(CallbackData, prefix="ivl"):
    """A /interview difficulty button: ``level`` is a Difficulty value or "any"."""

    size: int
    level: str


class InterviewReveal(CallbackData, prefix="ivr"):
    interview_id: int
    position: int


class InterviewGrade(CallbackData, prefix="ivg"):
    interview_id: int
    position: int
    grade: Grade


class ReminderDrill(CallbackData, prefix="remind-drill"):
    """The "start" button under a daily reminder."""
