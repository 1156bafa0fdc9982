"""The Telegram half of writing an item: dialog states, prompts, keyboards and the preview.

Shared by /add, /edit and the native quiz import: each starts a dialog with a draft, and the
steps in ``bot/authoring/admin_add.py`` carry it to the preview and the save.
"""

from __future__ import annotations

from random import Random
from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.drafts import (
    AUTHORED_KINDS,
    FIELDS,
    LONG_FIELDS,
    OPTIONAL_FIELDS,
    Draft,
    DraftField,
    DraftRejected,
    Problem,
    check_draft,
    list_topics,
)
from bot.authoring.preview import item_reference, send_preview
from bot.platform.content.problems import problem_message
from bot.platform.content.schema import Difficulty, Kind, Language
from bot.study.callbacks import DraftAction, DraftButton, ShowItem
from bot.study.catalog import topic_title
from bot.study.context import ChatContext

DIALOG = "dialog"
DRAFT = "draft"
CHUNKS = "chunks"  # the long text's messages so far
CHOSEN = "chosen"  # the options marked correct so far
EXCERPT_MAX = 60


class Authoring(StatesGroup):
    kind = State()
    question = State()
    options = State()
    correct_option_ids = State()
    poll_explanation = State()
    explanation = State()
    answer = State()
    solution = State()
    topic = State()
    tags = State()
    difficulty = State()
    details = State()
    key_points = State()
    emoji = State()
    language = State()
    preview = State()
    field = State()  # which field to change


STEP_STATES: dict[DraftField, State] = {
    DraftField.QUESTION: Authoring.question,
    DraftField.OPTIONS: Authoring.options,
    DraftField.CORRECT_OPTIONS: Authoring.correct_option_ids,
    DraftField.POLL_EXPLANATION: Authoring.poll_explanation,
    DraftField.EXPLANATION: Authoring.explanation,
    DraftField.ANSWER: Authoring.answer,
    DraftField.SOLUTION: Authoring.solution,
    DraftField.TOPIC: Authoring.topic,
    DraftField.TAGS: Authoring.tags,
    DraftField.DIFFICULTY: Authoring.difficulty,
    DraftField.DETAILS: Authoring.details,
    DraftField.KEY_POINTS: Authoring.key_points,
    DraftField.EMOJI: Authoring.emoji,
    DraftField.LANGUAGE: Authoring.language,
}
FIELD_OF_STATE = {state.state: name for name, state in STEP_STATES.items()}
OPTIONAL_TEXT_STEPS = (Authoring.details, Authoring.key_points, Authoring.emoji)
TEXT_STEPS = (Authoring.question, Authoring.options, Authoring.poll_explanation, Authoring.tags,
              *OPTIONAL_TEXT_STEPS)
LONG_STEPS = tuple(STEP_STATES[name] for name in LONG_FIELDS)
BUTTON_STEPS = (Authoring.kind, Authoring.correct_option_ids, Authoring.topic,
                Authoring.difficulty, Authoring.language, Authoring.preview, Authoring.field)


class CurrentDialog(Filter):
    """The pressed button belongs to the dialog in progress, not to an earlier one."""

    async def __call__(self, callback: CallbackQuery, state: FSMContext) -> bool:
        try:
            button = DraftButton.unpack(callback.data or "")
        except (TypeError, ValueError):
            return False
        return bool(button.dialog) and button.dialog == (await state.get_data()).get(DIALOG)


async def start_dialog(state: FSMContext, rng: Random, draft: Draft | None = None) -> str:
    """A new dialog (replacing any other of this admin in this chat); returns its name."""
    dialog = f"{rng.getrandbits(32):08x}"
    await state.set_data({DIALOG: dialog, **({DRAFT: _dump(draft)} if draft else {})})
    return dialog


async def current_draft(state: FSMContext) -> tuple[str, Draft]:
    data = await state.get_data()
    return str(data[DIALOG]), Draft.model_validate(data[DRAFT])


async def advance(
    ctx: ChatContext, state: FSMContext, session: AsyncSession, draft: Draft
) -> None:
    """Keep the draft and ask for the next missing field, or show the preview when complete.

    The dialog state is written before anything else: see bot/platform/telegram/fsm_storage.py.
    """
    data = await state.get_data()
    dialog = str(data[DIALOG])
    name = draft.missing()
    await state.set_data({DIALOG: dialog, DRAFT: _dump(draft)})
    if name is not None:
        await ask(ctx, state, session, draft, name)
        return
    try:
        checked = await check_draft(session, draft)
    except DraftRejected as rejected:  # a rule a single step cannot see (the topic is gone…)
        await state.set_state(Authoring.field)
        await ctx.send_message(problems_text(rejected.problems, None),
                               fields_keyboard(dialog, draft))
        return
    await state.set_state(Authoring.preview)
    header = _("authoring-preview")
    if draft.item_id is not None:
        header += "\n" + item_reference(ctx, draft.item_id)
    await ctx.send_message(header)
    await send_preview(ctx, checked.card(), preview_keyboard(dialog))


async def ask(
    ctx: ChatContext, state: FSMContext, session: AsyncSession, draft: Draft, name: DraftField
) -> None:
    """The step that asks for ``name``."""
    dialog = str((await state.get_data())[DIALOG])
    await state.set_state(STEP_STATES[name])
    await ctx.send_message(_prompt(name, draft),
                           await _step_keyboard(session, dialog, name, draft, ctx.locale))


def problems_text(problems: list[Problem], name: DraftField | None) -> str:
    lines = []
    for problem in problems:
        if problem.schema:  # a clause of /import's report, said here on its own
            clause = problem_message(problem.code, problem.context, _)
            text = clause[:1].upper() + clause[1:]
        else:
            text = _("authoring-error-" + problem.code).format(**problem.context)
        if problem.position is not None and name is DraftField.OPTIONS:  # a tag names itself
            text = _("authoring-option-number").format(n=problem.position) + text
        lines.append(text)
    return "\n".join(lines)


def draft_summary(data: dict[str, Any]) -> str:
    """What a dialog holds, for the message that says it was discarded."""
    if DRAFT not in data:
        return _("authoring-summary-empty")
    draft = Draft.model_validate(data[DRAFT])
    question = str(draft.values.get(DraftField.QUESTION.value, ""))
    if len(question) > EXCERPT_MAX:
        question = question[: EXCERPT_MAX - 1] + "…"
    kind = _("authoring-kind-" + draft.kind.value)
    return _("authoring-summary").format(kind=kind, question=question) if question else kind


def kind_keyboard(dialog: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in AUTHORED_KINDS:
        builder.button(text=_("authoring-kind-" + kind.value),
                       callback_data=DraftButton(dialog=dialog, action=DraftAction.KIND,
                                                 value=kind.value))
    return builder.as_markup()


def correct_keyboard(dialog: str, options: list[str], chosen: list[int]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, option in enumerate(options):
        mark = "✅" if index in chosen else "⬜"
        builder.button(text=f"{mark} {option}",
                       callback_data=DraftButton(dialog=dialog, action=DraftAction.TOGGLE,
                                                 value=str(index)))
    builder.button(text=_("button-done"),
                   callback_data=DraftButton(dialog=dialog, action=DraftAction.CHOSEN))
    builder.adjust(1)
    return builder.as_markup()


def done_keyboard(dialog: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-done"),
                   callback_data=DraftButton(dialog=dialog, action=DraftAction.DONE))
    return builder.as_markup()


def preview_keyboard(dialog: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for action in (DraftAction.SAVE, DraftAction.EDIT, DraftAction.DISCARD,
                   DraftAction.OPTIONAL):
        builder.button(text=_("button-draft-" + action.value),
                       callback_data=DraftButton(dialog=dialog, action=action))
    builder.adjust(3, 1)
    return builder.as_markup()


def optional_keyboard(dialog: str, draft: Draft) -> InlineKeyboardMarkup:
    """The optional fields of the draft's kind, each marked when it is set."""
    builder = InlineKeyboardBuilder()
    for name in OPTIONAL_FIELDS[draft.kind]:
        mark = "✓ " if draft.values.get(name.value) not in (None, [], "") else ""
        builder.button(text=mark + _(_field_label_key(draft.kind, name)),
                       callback_data=DraftButton(dialog=dialog, action=DraftAction.FIELD,
                                                 value=name.value))
    builder.button(text=_("button-draft-preview"),
                   callback_data=DraftButton(dialog=dialog, action=DraftAction.PREVIEW))
    builder.adjust(2)
    return builder.as_markup()


def near_duplicate_keyboard(dialog: str, similar_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-save-anyway"),
                   callback_data=DraftButton(dialog=dialog, action=DraftAction.SAVE_ANYWAY))
    builder.button(text=_("button-open-similar"), callback_data=ShowItem(item_id=similar_id))
    builder.adjust(1)
    return builder.as_markup()


def fields_keyboard(dialog: str, draft: Draft) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for name in FIELDS[draft.kind]:
        builder.button(text=_(_field_label_key(draft.kind, name)),
                       callback_data=DraftButton(dialog=dialog, action=DraftAction.FIELD,
                                                 value=name.value))
    if draft.missing() is None:
        builder.button(text=_("button-draft-preview"),
                       callback_data=DraftButton(dialog=dialog, action=DraftAction.PREVIEW))
    builder.adjust(2)
    return builder.as_markup()


def _field_label_key(kind: Kind, name: DraftField) -> str:
    if kind is Kind.TASK and name is DraftField.QUESTION:
        return "authoring-field-task-question"  # a task's "question" is its statement
    return "authoring-field-" + name.value


def _prompt(name: DraftField, draft: Draft) -> str:
    key = f"authoring-ask-{draft.kind.value}-{name.value}" if name in (
        DraftField.QUESTION, DraftField.ANSWER) else f"authoring-ask-{name.value}"
    return _(key)


async def _step_keyboard(
    session: AsyncSession, dialog: str, name: DraftField, draft: Draft, locale: str
) -> InlineKeyboardMarkup | None:
    if name is DraftField.CORRECT_OPTIONS:
        return correct_keyboard(dialog, list(draft.values[DraftField.OPTIONS.value]), [])
    if name in LONG_FIELDS:
        return done_keyboard(dialog)
    builder = InlineKeyboardBuilder()
    if name is DraftField.TOPIC:
        for topic in await list_topics(session):
            title = topic_title(topic, locale)
            builder.button(text=title,
                           callback_data=DraftButton(dialog=dialog, action=DraftAction.TOPIC,
                                                     value=topic.id))
        builder.adjust(2)
        return builder.as_markup()
    if name is DraftField.LANGUAGE:
        for language in Language:
            builder.button(text=_("language-name-" + language.value),
                           callback_data=DraftButton(dialog=dialog, action=DraftAction.LANGUAGE,
                                                     value=language.value))
        return builder.as_markup()
    if name in OPTIONAL_FIELDS[draft.kind]:
        builder.button(text=_("button-draft-skip"),
                       callback_data=DraftButton(dialog=dialog, action=DraftAction.SKIP))
        return builder.as_markup()
    if name is DraftField.DIFFICULTY:
        for difficulty in Difficulty:
            builder.button(text=_("difficulty-" + difficulty.value),
                           callback_data=DraftButton(dialog=dialog,
                                                     action=DraftAction.DIFFICULTY,
                                                     value=difficulty.value))
        return builder.as_markup()
    return None


def _dump(draft: Draft) -> dict[str, Any]:
    return draft.model_dump(mode="json")
