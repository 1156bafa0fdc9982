"""Inline keyboards."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.platform.content.schema import Difficulty, Kind, Language
from bot.study.callbacks import (
    AllTopics,
    ChooseLanguage,
    DrillAgain,
    DrillNext,
    GradeAnswer,
    InterviewGrade,
    InterviewLevel,
    InterviewReveal,
    NextCard,
    OpenStats,
    OpenTopics,
    PointsDone,
    ReminderDrill,
    RevealAnswer,
    TogglePoint,
    ToggleTopic,
    UndoGrade,
)
from bot.study.catalog import topic_title
from bot.study.grades import Grade
from bot.study.learners import TopicChoice


def next_keyboard(kind: Kind) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-next"), callback_data=NextCard(kind=kind))
    return builder.as_markup()


def reveal_keyboard(item_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-show-answer"), callback_data=RevealAnswer(item_id=item_id))
    return builder.as_markup()


def grade_keyboard(
    item_id: int, intervals: Mapping[Grade, str], *, covered: int | None = None,
    proposed: Grade | None = None,
) -> InlineKeyboardMarkup:
    """The four self-grades, each with when the card comes back ("Хорошо · 5 д"); the grade
    proposed from the key points ticked (``covered``) is pointed at."""
    builder = InlineKeyboardBuilder()
    for grade in Grade:
        text = f"{grade_label(grade)} · {intervals[grade]}" if grade in intervals \
            else grade_label(grade)
        builder.button(text=f"👉 {text}" if grade is proposed else text,
                       callback_data=GradeAnswer(item_id=item_id, grade=grade, covered=covered))
    builder.adjust(2)
    return builder.as_markup()


def key_points_keyboard(item_id: int, points: Sequence[str], covered: int) -> InlineKeyboardMarkup:
    """A toggle per key point (✅ ticked, ▫️ not), then "Done"."""
    builder = InlineKeyboardBuilder()
    for index, point in enumerate(points):
        mark = "✅" if covered >> index & 1 else "▫️"
        builder.button(text=f"{mark} {point}",
                       callback_data=TogglePoint(item_id=item_id, covered=covered, index=index))
    builder.button(text=_("button-points-done"),
                   callback_data=PointsDone(item_id=item_id, covered=covered))
    builder.adjust(1)
    return builder.as_markup()


def graded_keyboard(next_button: InlineKeyboardMarkup, item_id: int) -> InlineKeyboardMarkup:
    """"Next" with "Undo" beside it, under an answer just graded."""
    builder = InlineKeyboardBuilder.from_markup(next_button)
    builder.button(text=_("button-undo-grade"), callback_data=UndoGrade(item_id=item_id))
    builder.adjust(2)
    return builder.as_markup()


def drill_summary_keyboard(size: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-drill-again").format(size=size),
                   callback_data=DrillAgain(size=size))
    builder.button(text=_("button-open-stats"), callback_data=OpenStats())
    builder.button(text=_("button-open-topics"), callback_data=OpenTopics())
    builder.adjust(3)
    return builder.as_markup()


def grade_label(grade: Grade) -> str:
    return _("button-grade-" + grade.value)


def drill_next_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-next"), callback_data=DrillNext())
    return builder.as_markup()


def topics_keyboard(
    choices: list[TopicChoice], locale: str, *,
    toggle: Callable[[str], CallbackData] = lambda topic_id: ToggleTopic(topic_id=topic_id),
    everything: CallbackData | None = None, done: CallbackData | None = None,
) -> InlineKeyboardMarkup:
    """One button per topic, ✅ on the chosen ones; "all topics" is ticked when none is; a
    "done" button last when ``done`` is given."""
    builder = InlineKeyboardBuilder()
    for choice in choices:
        title = topic_title(choice, locale)
        builder.button(text=f"✅ {title}" if choice.selected else title,
                       callback_data=toggle(choice.topic_id))
    all_topics = _("button-all-topics")
    if not any(choice.selected for choice in choices):
        all_topics = f"✅ {all_topics}"
    builder.button(text=all_topics, callback_data=everything or AllTopics())
    if done is not None:
        builder.button(text=_("button-topics-done"), callback_data=done)
    builder.adjust(1)
    return builder.as_markup()


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="Русский", callback_data=ChooseLanguage(language=Language.RU))
    builder.button(text="English", callback_data=ChooseLanguage(language=Language.EN))
    builder.adjust(2)
    return builder.as_markup()


ANY_LEVEL = "any"  # an interview of every difficulty
INTERVIEW_LEVELS = (*(difficulty.value for difficulty in Difficulty), ANY_LEVEL)


def interview_level_keyboard(size: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for level in INTERVIEW_LEVELS:
        builder.button(text=_("button-level-" + level),
                       callback_data=InterviewLevel(size=size, level=level))
    builder.adjust(4)
    return builder.as_markup()


def interview_reveal_keyboard(interview_id: int, position: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-show-answer"),
                   callback_data=InterviewReveal(interview_id=interview_id, position=position))
    return builder.as_markup()


def interview_grade_keyboard(interview_id: int, position: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for grade in Grade:
        builder.button(text=grade_label(grade), callback_data=InterviewGrade(
            interview_id=interview_id, position=position, grade=grade))
    builder.adjust(4)
    return builder.as_markup()


def link_keyboard(links: list[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One URL button per (text, url); None when there are none."""
    if not links:
        return None
    builder = InlineKeyboardBuilder()
    for text, url in links:
        builder.button(text=text, url=url)
    builder.adjust(1)
    return builder.as_markup()


def reminder_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-start-drill"), callback_data=ReminderDrill())
    return builder.as_markup()
