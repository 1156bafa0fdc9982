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
    # The key points ticked, as a bit mask of their indexes; None for an item without them.
    covered: int | None = None


class TogglePoint(CallbackData, prefix="kp"):
    """A key point ticked or unticked after "Show answer": ``covered`` is the bit mask of the
    points ticked so far (the keyboard holds the state), ``index`` the point pressed."""

    item_id: int
    covered: int
    index: int


class PointsDone(CallbackData, prefix="kp-done"):
    """"Done" under the key points: the bot proposes a grade from the ``covered`` mask."""

    item_id: int
    covered: int


class UndoGrade(CallbackData, prefix="undo"):
    """"Undo" under a graded answer: takes back the grade given on that message."""

    item_id: int


class DrillAgain(CallbackData, prefix="drill-again"):
    """"10 more" under a drill's summary."""

    size: int


class OpenStats(CallbackData, prefix="open-stats"):
    pass


class OpenTopics(CallbackData, prefix="open-topics"):
    pass


class ItemAction(StrEnum):
    ARCHIVE = "archive"
    RESTORE = "restore"


class ManageItem(CallbackData, prefix="item"):
    """An admin's button under /show; the item's slug (≤ 48 characters) fits the 64 bytes."""

    action: ItemAction
    slug: str


class ShowItem(CallbackData, prefix="show"):
    """A /find result: shows the item as /show does."""

    item_id: int


class ItemHistory(CallbackData, prefix="history"):
    """Under /show: the item's versions and who made them."""

    item_id: int


class DraftAction(StrEnum):
    KIND = "kind"
    TOGGLE = "toggle"  # an option marked correct or not
    CHOSEN = "chosen"  # the correct options are marked
    DONE = "done"  # the long text is complete
    TOPIC = "topic"
    DIFFICULTY = "difficulty"
    SAVE = "save"
    SAVE_ANYWAY = "save-anyway"  # saved despite a near-duplicate
    EDIT = "edit"
    FIELD = "field"
    PREVIEW = "preview"
    DISCARD = "discard"
    OPTIONAL = "optional"  # the optional fields, offered from the preview
    SKIP = "skip"  # an optional field left out
    LANGUAGE = "language"


class DraftButton(CallbackData, prefix="draft"):
    """A button of the /add, /edit or quiz import dialog.

    ``dialog`` names the dialog it belongs to: a button left over from an earlier dialog
    (its keyboard still on screen) is refused rather than acting on the current one.
    """

    dialog: str
    action: DraftAction
    value: str = ""


class ChatsPage(CallbackData, prefix="chats"):
    """A page of /chats: the chats after subscription id ``after``, or before ``before``
    (0: none)."""

    after: int = 0
    before: int = 0


class ChatCardAction(StrEnum):
    OPEN = "open"
    POST = "post"  # /post
    NEXT = "next"  # /next
    PAUSE = "pause"
    RESUME = "resume"


class ChatCardPress(CallbackData, prefix="chatcard"):
    """A chat's (or its forum topic's) button in /chats, and the buttons of its card."""

    chat_id: int
    thread_id: int  # the forum topic; 0: the chat itself
    action: ChatCardAction

    @property
    def topic(self) -> int | None:
        """The forum topic, None for the chat itself (as ``Where.thread_id``)."""
        return self.thread_id or None


class ActionLogPage(CallbackData, prefix="log"):
    """A page of the owners' /log, 0 the newest."""

    page: int


# Buttons only admins may press: anyone else pressing one (a replayed or forged button) is told
# so (bot/authoring/admin_roles.py), and the admin routers check the role again themselves.
ADMIN_BUTTONS: tuple[type[CallbackData], ...] = (ManageItem, ShowItem, ItemHistory,
                                                 DraftButton, ChatsPage, ChatCardPress,
                                                 ActionLogPage)


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
    FAIR_PLAY = "fair"  # toggled
    PRIVATE_FEEDBACK = "notes"  # toggled
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
