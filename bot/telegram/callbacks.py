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
