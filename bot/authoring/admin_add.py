"""/add: writing an item in a guided dialog, and the steps /edit and the quiz import share.

Kind → question → options → the correct ones → short poll explanation → long explanation
(several messages, until "Done") → topic → tags → difficulty → preview → Save / Edit / Discard.
A bad value is explained and the step asked again; ``/cancel`` leaves the dialog at any step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring.dialog import (
    BUTTON_STEPS,
    CHOSEN,
    CHUNKS,
    FIELD_OF_STATE,
    LONG_STEPS,
    OPTIONAL_TEXT_STEPS,
    TEXT_STEPS,
    Authoring,
    CurrentDialog,
    advance,
    ask,
    correct_keyboard,
    current_draft,
    done_keyboard,
    draft_summary,
    fields_keyboard,
    kind_keyboard,
    near_duplicate_keyboard,
    optional_keyboard,
    problems_text,
    start_dialog,
)
from bot.authoring.drafts import (
    OPTIONAL_FIELDS,
    Draft,
    DraftField,
    DraftRejected,
    accept_parts,
    accept_text,
    accept_value,
    check_draft,
    is_markdown,
    near_duplicate,
    new_draft,
    poll_explanation_count,
    save_checked,
)
from bot.authoring.preview import item_reference
from bot.platform.content.markdown import shortened
from bot.platform.content.schema import Kind
from bot.platform.content.typed_markdown import typed_markdown
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.callbacks import DraftAction, DraftButton
from bot.study.context import UpdateContext
from bot.study.sending import replace_keyboard

# The field a one-press step sets (its dialog state is the field's: see the filters below).
PRESSED_FIELDS = {DraftAction.TOPIC: DraftField.TOPIC,
                  DraftAction.DIFFICULTY: DraftField.DIFFICULTY,
                  DraftAction.LANGUAGE: DraftField.LANGUAGE}


def create_router() -> Router:
    router = Router(name="admin_add")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsBotAdmin())
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE, IsBotAdmin())
    not_a_command = F.text & ~F.text.startswith("/")

    @router.message(Command("add"))
    async def add(message: Message, ctx: UpdateContext, state: FSMContext) -> None:
        dialog = await start_dialog(state, ctx.rng)
        await state.set_state(Authoring.kind)
        await message.answer(_("authoring-ask-kind"), reply_markup=kind_keyboard(dialog))

    @router.message(Command("cancel"))
    async def cancel(message: Message, state: FSMContext, raw_state: str | None) -> None:
        if raw_state is None:
            await message.answer(_("cancel-nothing"))
            return
        data = await state.get_data()
        await state.clear()
        if raw_state.startswith(Authoring.__full_group_name__):
            await message.answer(_("authoring-cancelled").format(draft=draft_summary(data)))
        else:
            await message.answer(_("cancel-done"))

    @router.callback_query(Authoring.kind, DraftButton.filter(F.action == DraftAction.KIND),
                           CurrentDialog())
    async def kind_chosen(
        callback: CallbackQuery, callback_data: DraftButton, ctx: UpdateContext,
        state: FSMContext, session: AsyncSession,
    ) -> None:
        try:
            draft = new_draft(Kind(callback_data.value))
        except (ValueError, DraftRejected):  # forged: the keyboard only offers what works
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        await _next_step(callback, ctx, state, session, draft)

    @router.message(StateFilter(*TEXT_STEPS), not_a_command)
    async def text_step(
        message: Message, ctx: UpdateContext, state: FSMContext, raw_state: str,
        session: AsyncSession,
    ) -> None:
        name = FIELD_OF_STATE[raw_state]
        _dialog, draft = await current_draft(state)
        typed = (typed_markdown(message.text or "", message.entities)
                 if is_markdown(draft.kind, name) else message.text or "")
        try:
            draft = accept_text(draft, name, typed)
        except DraftRejected as rejected:
            await message.answer(problems_text(rejected.problems, name))
            return
        if name is DraftField.POLL_EXPLANATION:
            length, limit = poll_explanation_count(draft)
            await message.answer(_("authoring-poll-explanation-count").format(
                length=length, limit=limit))
        await advance(ctx, state, session, draft)

    @router.message(StateFilter(*LONG_STEPS), not_a_command)
    async def long_text_part(message: Message, state: FSMContext, raw_state: str) -> None:
        """One more message of a long text: checked with what came before, kept until Done."""
        name = FIELD_OF_STATE[raw_state]
        dialog, draft = await current_draft(state)
        chunks = [*(await state.get_data()).get(CHUNKS, []),
                  typed_markdown(message.text or "", message.entities)]
        try:
            accept_parts(draft, name, chunks)
        except DraftRejected as rejected:
            await message.answer(_("authoring-part-refused").format(
                problems=problems_text(rejected.problems, name)))
            return
        await state.update_data({CHUNKS: chunks})
        await message.answer(_("authoring-part-accepted").format(count=len(chunks)),
                             reply_markup=done_keyboard(dialog))

    @router.callback_query(StateFilter(*LONG_STEPS),
                           DraftButton.filter(F.action == DraftAction.DONE), CurrentDialog())
    async def long_text_done(
        callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, raw_state: str,
        session: AsyncSession,
    ) -> None:
        chunks = (await state.get_data()).get(CHUNKS, [])
        await _accept_pressed(callback, ctx, state, session, FIELD_OF_STATE[raw_state], chunks)

    @router.callback_query(Authoring.correct_option_ids,
                           DraftButton.filter(F.action == DraftAction.TOGGLE), CurrentDialog())
    async def correct_toggled(
        callback: CallbackQuery, callback_data: DraftButton, state: FSMContext
    ) -> None:
        dialog, draft = await current_draft(state)
        options = list(draft.values[DraftField.OPTIONS.value])
        index = int(callback_data.value) if callback_data.value.isdigit() else -1
        if not 0 <= index < len(options):
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        chosen = set((await state.get_data()).get(CHOSEN, [])) ^ {index}
        await state.update_data({CHOSEN: sorted(chosen)})
        await callback.answer()
        await replace_keyboard(callback, correct_keyboard(dialog, options, sorted(chosen)))

    @router.callback_query(Authoring.correct_option_ids,
                           DraftButton.filter(F.action == DraftAction.CHOSEN), CurrentDialog())
    async def correct_chosen(
        callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, session: AsyncSession,
    ) -> None:
        chosen = sorted((await state.get_data()).get(CHOSEN, []))
        await _accept_pressed(callback, ctx, state, session, DraftField.CORRECT_OPTIONS, chosen)

    @router.callback_query(Authoring.topic, DraftButton.filter(F.action == DraftAction.TOPIC),
                           CurrentDialog())
    @router.callback_query(Authoring.difficulty,
                           DraftButton.filter(F.action == DraftAction.DIFFICULTY), CurrentDialog())
    @router.callback_query(Authoring.language,
                           DraftButton.filter(F.action == DraftAction.LANGUAGE), CurrentDialog())
    async def value_chosen(
        callback: CallbackQuery, callback_data: DraftButton, ctx: UpdateContext,
        state: FSMContext, session: AsyncSession,
    ) -> None:
        """A topic, a difficulty or a language: one button, one value."""
        await _accept_pressed(callback, ctx, state, session,
                              PRESSED_FIELDS[callback_data.action], callback_data.value)

    @router.callback_query(Authoring.preview,
                           DraftButton.filter(F.action.in_({DraftAction.SAVE,
                                                            DraftAction.SAVE_ANYWAY})),
                           CurrentDialog())
    async def save(
        callback: CallbackQuery, callback_data: DraftButton, ctx: UpdateContext,
        state: FSMContext, session: AsyncSession,
    ) -> None:
        dialog, draft = await current_draft(state)
        try:
            checked = await check_draft(session, draft)
        except DraftRejected as rejected:
            await callback.answer(problems_text(rejected.problems, None), show_alert=True)
            return
        if callback_data.action is DraftAction.SAVE and (
                similar := await near_duplicate(session, draft)) is not None:
            await callback.answer()
            await ctx.send_message(_("authoring-near-duplicate").format(
                item_id=similar.id, slug=similar.slug, question=shortened(similar.question)),
                near_duplicate_keyboard(dialog, similar.id))
            return
        saved = await save_checked(session, checked, author_id=ctx.user_id, now=ctx.now)
        await state.clear()  # in the same transaction: a failed save keeps the draft
        await callback.answer()
        await replace_keyboard(callback)
        await ctx.send_message("\n".join([
            _("authoring-saved").format(slug=saved.slug, version=saved.version),
            item_reference(ctx, saved.id)]))

    @router.callback_query(StateFilter(*OPTIONAL_TEXT_STEPS),
                           DraftButton.filter(F.action == DraftAction.SKIP), CurrentDialog())
    async def optional_skipped(
        callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, raw_state: str,
        session: AsyncSession,
    ) -> None:
        await _accept_pressed(callback, ctx, state, session, FIELD_OF_STATE[raw_state], None)

    @router.callback_query(Authoring.preview,
                           DraftButton.filter(F.action == DraftAction.OPTIONAL), CurrentDialog())
    async def optional_offered(
        callback: CallbackQuery, ctx: UpdateContext, state: FSMContext
    ) -> None:
        await _choose_field(callback, ctx, state, _("authoring-ask-optional"), optional_keyboard)

    @router.callback_query(Authoring.preview,
                           DraftButton.filter(F.action == DraftAction.DISCARD), CurrentDialog())
    async def discard(callback: CallbackQuery, ctx: UpdateContext, state: FSMContext) -> None:
        data = await state.get_data()
        await state.clear()
        await callback.answer()
        await replace_keyboard(callback)
        await ctx.send_message(_("authoring-discarded").format(draft=draft_summary(data)))

    @router.callback_query(Authoring.preview, DraftButton.filter(F.action == DraftAction.EDIT),
                           CurrentDialog())
    async def edit_a_field(
        callback: CallbackQuery, ctx: UpdateContext, state: FSMContext
    ) -> None:
        await _choose_field(callback, ctx, state, _("authoring-ask-field"), fields_keyboard)

    @router.callback_query(Authoring.field, DraftButton.filter(F.action == DraftAction.FIELD),
                           CurrentDialog())
    async def field_chosen(
        callback: CallbackQuery, callback_data: DraftButton, ctx: UpdateContext,
        state: FSMContext, session: AsyncSession,
    ) -> None:
        _dialog, draft = await current_draft(state)
        try:
            name = DraftField(callback_data.value)
        except ValueError:
            await callback.answer(_("button-outdated"), show_alert=True)
            return
        if name in OPTIONAL_FIELDS[draft.kind]:  # asked with its current value kept till then
            await callback.answer()
            await replace_keyboard(callback)
            await ask(ctx, state, session, draft, name)
            return
        await _next_step(callback, ctx, state, session, draft.without(name))

    @router.callback_query(Authoring.field, DraftButton.filter(F.action == DraftAction.PREVIEW),
                           CurrentDialog())
    async def back_to_preview(
        callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, session: AsyncSession,
    ) -> None:
        _dialog, draft = await current_draft(state)
        await _next_step(callback, ctx, state, session, draft)

    @router.message(StateFilter(*BUTTON_STEPS), not_a_command)
    async def buttons_expected(message: Message) -> None:
        await message.answer(_("authoring-use-buttons"))

    @router.message(StateFilter(*TEXT_STEPS, *LONG_STEPS), ~F.text)
    async def text_expected(message: Message) -> None:
        await message.answer(_("authoring-text-expected"))

    return router


async def _choose_field(
    callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, prompt: str,
    keyboard: Callable[[str, Draft], InlineKeyboardMarkup],
) -> None:
    """From the preview to a choice of the draft's fields (all of them, or the optional ones)."""
    dialog, draft = await current_draft(state)
    await state.set_state(Authoring.field)
    await callback.answer()
    await replace_keyboard(callback)
    await ctx.send_message(prompt, keyboard(dialog, draft))


async def _accept_pressed(
    callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, session: AsyncSession,
    name: DraftField, value: Any,
) -> None:
    """A step closed with a button: its value is kept, or an alert says why not."""
    _dialog, draft = await current_draft(state)
    try:
        draft = await accept_value(session, draft, name, value)
    except DraftRejected as rejected:
        await callback.answer(problems_text(rejected.problems, name), show_alert=True)
        return
    await _next_step(callback, ctx, state, session, draft)


async def _next_step(
    callback: CallbackQuery, ctx: UpdateContext, state: FSMContext, session: AsyncSession,
    draft: Draft,
) -> None:
    """The pressed step is over: its buttons go and the dialog asks for what comes next."""
    await callback.answer()
    await replace_keyboard(callback)
    await advance(ctx, state, session, draft)
