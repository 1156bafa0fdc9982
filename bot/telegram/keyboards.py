"""Inline keyboards."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.content.schema import Kind
from bot.services.bank import ItemSummary
from bot.services.grades import Grade
from bot.telegram.callbacks import GradeAnswer, ItemAction, ManageItem, NextCard, RevealAnswer


def next_keyboard(kind: Kind) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-next"), callback_data=NextCard(kind=kind))
    return builder.as_markup()


def reveal_keyboard(item_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-show-answer"), callback_data=RevealAnswer(item_id=item_id))
    return builder.as_markup()


def grade_keyboard(item_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for grade in Grade:
        builder.button(text=grade_label(grade),
                       callback_data=GradeAnswer(item_id=item_id, grade=grade))
    builder.adjust(4)
    return builder.as_markup()


def grade_label(grade: Grade) -> str:
    return _("button-grade-" + grade.value)


def manage_item_keyboard(item: ItemSummary) -> InlineKeyboardMarkup:
    """Under /show: archive an active item, restore an archived one."""
    action = ItemAction.RESTORE if item.archived else ItemAction.ARCHIVE
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-" + action.value),
                   callback_data=ManageItem(action=action, slug=item.slug))
    return builder.as_markup()
