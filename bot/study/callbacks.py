"""Typed callback data. Anyone can send any callback data: handlers re-check everything."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from bot.platform.content.schema import Kind
from bot.study.grades import Grade


class NextCard(CallbackData, prefix="next"):
    kind: Kind


class RevealAnswer(CallbackData, prefix="reveal"):
    item_id: int


class GradeAnswer(CallbackData, prefix="grade"):
    item_id: int
    grade: Grade


class ItemAction(StrEnum):
    ARCHIVE = "archive"
    RESTORE = "restore"


class ManageItem(CallbackData, prefix="item"):
    """An admin's button under /show; the item's slug (≤ 48 characters) fits the 64 bytes."""

    action: ItemAction
    slug: str


class DraftAction(StrEnum):
    KIND = "kind"
    TOGGLE = "toggle"  # an option marked correct or not
    CHOSEN = "chosen"  # the correct options are marked
    DONE = "done"  # the long text is complete
    TOPIC = "topic"
    DIFFICULTY = "difficulty"
    SAVE = "save"
    EDIT = "edit"
    FIELD = "field"
    PREVIEW = "preview"
    DISCARD = "discard"


class DraftButton(CallbackData, prefix="draft"):
    """A button of the /add, /edit or quiz import dialog.

    ``dialog`` names the dialog it belongs to: a button left over from an earlier dialog
    (its keyboard still on screen) is refused rather than acting on the current one.
    """

    dialog: str
    action: DraftAction
    value: str = ""


# Buttons only admins may press: anyone else pressing one (a replayed or forged button) is told
# so (bot/authoring/admin_roles.py), and the admin routers check the role again themselves.
ADMIN_BUTTONS: tuple[type[CallbackData], ...] = (ManageItem, DraftButton)


def is_admin_button(data: str | None) -> bool:
    prefix = (data or "").split(":", 1)[0]
    return any(prefix == button.__prefix__ for button in ADMIN_BUTTONS)


class DrillNext(CallbackData, prefix="drill"):
    """The "Next" button inside a /drill: continues the learner's drill session."""


class ToggleTopic(CallbackData, prefix="topic"):
    topic_id: str


class AllTopics(CallbackData, prefix="topics-all"):
    pass


class ChooseLanguage(CallbackData, prefix="lang"):
    language: str


class InterviewLevel(CallbackData, prefix="ivl"):
    """A /interview difficulty button: ``level`` is a Difficulty value or ``ANY_LEVEL``."""

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


class SettingsPress(CallbackData, prefix="subs"):
    """A button of a subscription's settings (a chat's, or a forum topic's: so the subscription's
    id, which fits in the 64 bytes where a chat and a topic id may not); whoever presses it must
    manage that chat. (Buttons of the chat-id era, prefix "cfg", are outdated.)"""

    subscription_id: int
    action: SettingsAction
    value: str = ""


class SubscribeChannel(CallbackData, prefix="subch"):
    """The confirmation under a forwarded channel post."""

    chat_id: int
