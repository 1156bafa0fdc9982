"""Bank management for admins: /import, /export, /find, /show, /archive, /restore, /bank."""

from __future__ import annotations

import logging
from contextlib import suppress
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Document, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiohttp import ClientError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.authoring import bank
from bot.authoring.bank import ItemSummary
from bot.authoring.importing import ImportReport, check_upload, import_upload
from bot.authoring.preview import item_reference, send_preview
from bot.platform.content.markdown import plain, shortened
from bot.platform.content.problems import problem_text
from bot.platform.content.schema import Kind
from bot.platform.telegram.downloads import FileTooLarge, download_capped
from bot.platform.telegram.filters import IsBotAdmin
from bot.study.callbacks import ItemAction, ItemHistory, ManageItem, ShowItem, is_admin_button
from bot.study.catalog import topic_title
from bot.study.context import UpdateContext
from bot.study.learners import load_learner
from bot.study.posts import MESSAGE_LIMIT

logger = logging.getLogger(__name__)

DRY_RUN_WORD = "dry"
# A report an admin reads through: the first problems, in the file's order, then how many more.
REPORT_PROBLEMS_MAX = 20
REPORT_IDS_MAX = 30
FOUND_BUTTON_MAX = 60


class ImportFlow(StatesGroup):
    waiting_for_file = State()


# /import starts from no dialog or restarts its own; it never cuts into another dialog (/add…).
IMPORT_MAY_START = StateFilter(None, ImportFlow.waiting_for_file)


def create_router() -> Router:
    router = Router(name="admin_bank")
    router.message.filter(F.chat.type == ChatType.PRIVATE, IsBotAdmin())
    # The cheap check first: learners' buttons never cost a query for admin rights.
    router.callback_query.filter(F.data.func(is_admin_button), IsBotAdmin())

    @router.message(Command("import"), IMPORT_MAY_START, F.document)
    async def import_attached(
        message: Message, command: CommandObject, ctx: UpdateContext, state: FSMContext,
        session: AsyncSession,
    ) -> None:
        await state.clear()
        if (dry_run := _dry_run(command)) is None:
            await message.answer(_("import-usage"))
            return
        await _import(message, ctx, session, dry_run=dry_run)

    @router.message(Command("import"), IMPORT_MAY_START)
    async def import_requested(
        message: Message, command: CommandObject, state: FSMContext
    ) -> None:
        if (dry_run := _dry_run(command)) is None:
            await message.answer(_("import-usage"))
            return
        await state.set_state(ImportFlow.waiting_for_file)
        await state.update_data(dry_run=dry_run)
        await message.answer(_("import-send-file"))

    @router.message(ImportFlow.waiting_for_file, F.document)
    async def import_file_arrived(
        message: Message, ctx: UpdateContext, state: FSMContext, session: AsyncSession,
    ) -> None:
        dry_run = bool((await state.get_data()).get("dry_run"))
        await state.clear()
        await _import(message, ctx, session, dry_run=dry_run)

    @router.message(ImportFlow.waiting_for_file,
                    F.func(lambda message: not (message.text or "").startswith("/")))
    async def import_still_waiting(message: Message) -> None:
        await message.answer(_("import-send-file"))

    @router.message(Command("export"))
    async def export(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        selection = await bank.bank_filter(session, command.args)
        if selection is None:
            await message.answer(_("export-unknown-filter").format(
                kinds=", ".join(kind.value for kind in Kind),
                topics=", ".join(await bank.topic_ids(session))))
            return
        documents = await bank.export_items(session, selection)
        if not documents:
            await message.answer(_("export-empty"))
            return
        name = f"bank-{selection.label}-{ctx.now.date().isoformat()}.yaml"
        await ctx.bot.send_document(
            ctx.chat_id,
            BufferedInputFile(bank.content_file_yaml(documents), filename=name),
            caption=_("export-caption").format(count=len(documents)),
            message_thread_id=ctx.thread_id,
        )

    @router.message(Command("find"))
    async def find(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession
    ) -> None:
        if not command.args or not command.args.strip():
            await message.answer(_("find-usage"))
            return
        found = await bank.find_items(session, command.args)
        if not found.items:
            await message.answer(_("find-nothing").format(text=shortened(command.args)))
            return
        text = _("find-header").format(count=found.total)
        if found.total > len(found.items):
            text += "\n" + _("find-more").format(count=found.total - len(found.items))
        await message.answer(text, reply_markup=found_keyboard(found.items))

    @router.message(Command("show"))
    async def show(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        slug = _slug(command)
        if not slug:
            await message.answer(_("show-usage"))
            return
        preview = await bank.preview_item(session, slug)
        if preview is None:
            await message.answer(_("item-not-found").format(slug=shortened(slug)))
            return
        await _show(ctx, preview)

    @router.callback_query(ShowItem.filter())
    async def show_found(
        callback: CallbackQuery, callback_data: ShowItem, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        preview = await bank.preview_item(session, callback_data.item_id)
        if preview is None:
            await callback.answer(_("item-not-found").format(slug=callback_data.item_id),
                                  show_alert=True)
            return
        await callback.answer()
        await _show(ctx, preview)

    @router.callback_query(ItemHistory.filter())
    async def history(
        callback: CallbackQuery, callback_data: ItemHistory, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        versions = await bank.item_history(session, callback_data.item_id)
        zone = (await load_learner(session, ctx.user_id, ctx.default_zone)).zone
        await callback.answer()
        await ctx.send_message(_history_text(versions, zone))

    @router.message(Command("archive", "restore"))
    async def archive_or_restore(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
    ) -> None:
        slug = _slug(command)
        if not slug:
            await message.answer(_(f"{command.command}-usage"))
            return
        action = ItemAction(command.command)
        outcome = await _apply(ctx, session, action, slug)
        await message.answer(_(f"{action.value}-{outcome.value}").format(slug=shortened(slug)))

    @router.callback_query(ManageItem.filter())
    async def item_button(
        callback: CallbackQuery, callback_data: ManageItem, ctx: UpdateContext,
        session: AsyncSession,
    ) -> None:
        slug = callback_data.slug
        outcome = await _apply(ctx, session, callback_data.action, slug)
        await callback.answer(_(f"{callback_data.action.value}-{outcome.value}").format(
            slug=slug))
        preview = await bank.preview_item(session, slug)
        if preview is not None and isinstance(callback.message, Message):
            with suppress(TelegramBadRequest):  # unchanged, or too old to edit: cosmetic
                await callback.message.edit_text(
                    _status(preview.summary), reply_markup=manage_item_keyboard(preview.summary))

    @router.message(Command("bank"))
    async def bank_summary(message: Message, ctx: UpdateContext, session: AsyncSession) -> None:
        counts = await bank.bank_counts(session)
        if not counts:
            await message.answer(_("bank-summary-empty"))
            return
        await message.answer(_bank_text(counts, ctx.locale))

    return router


async def _import(
    message: Message, ctx: UpdateContext, session: AsyncSession, *, dry_run: bool
) -> None:
    document = message.document
    if document is None:
        return
    max_bytes = ctx.import_max_bytes
    report = check_upload(document.file_name, document.file_size, max_bytes)
    if not report.problems:
        raw = await _download(message, ctx, document)
        if raw is None:
            return
        report = await import_upload(session, report.file, raw, max_bytes=max_bytes,
                                     actor_id=ctx.user_id, now=ctx.now, dry_run=dry_run)
    await ctx.send_post(plain(_report_text(report)).split(MESSAGE_LIMIT))


async def _show(ctx: UpdateContext, preview: bank.ItemPreview) -> None:
    """The item as learners get it, then its id, share link and state, with its buttons."""
    await send_preview(ctx, preview.card)
    status = "\n".join([item_reference(ctx, preview.summary.id), _status(preview.summary)])
    await ctx.send_message(status, manage_item_keyboard(preview.summary))


async def _download(message: Message, ctx: UpdateContext, document: Document) -> bytes | None:
    """The file, or None after telling the admin why not."""
    try:
        return await download_capped(ctx.bot, document.file_id, ctx.import_max_bytes)
    except FileTooLarge as error:
        await message.answer(_("import-too-large", "import-too-large", error.limit).format(
            limit=error.limit))
    except (TelegramBadRequest, ClientError, FileNotFoundError) as error:
        # Not the error's text: a download URL carries the bot token.
        logger.warning("download of %s failed: %s", document.file_id, type(error).__name__)
        await message.answer(_("import-download-failed"))
    return None


async def _apply(
    ctx: UpdateContext, session: AsyncSession, action: ItemAction, slug: str
) -> bank.ArchiveOutcome:
    """Archive or restore, by the acting admin."""
    change = bank.archive_item if action is ItemAction.ARCHIVE else bank.restore_item
    return await change(session, slug, by=ctx.user_id, now=ctx.now)


def _dry_run(command: CommandObject) -> bool | None:
    """False for ``/import``, True for ``/import dry``, None for anything else."""
    words = (command.args or "").split()
    if not words:
        return False
    return True if words == [DRY_RUN_WORD] else None


def _slug(command: CommandObject) -> str | None:
    words = (command.args or "").split()
    return words[0].lower() if len(words) == 1 else None


def _report_text(report: ImportReport) -> str:
    if report.problems:
        count = len(report.problems)
        lines = [_("import-refused", "import-refused", count).format(file=report.file,
                                                                    count=count)]
        lines += [f"• {problem_text(problem, _)}"
                  for problem in report.problems[:REPORT_PROBLEMS_MAX]]
        if len(report.problems) > REPORT_PROBLEMS_MAX:
            lines.append(_("import-more-problems").format(
                count=len(report.problems) - REPORT_PROBLEMS_MAX))
        return "\n".join(lines)
    header = _("import-dry-run" if report.dry_run else "import-done").format(file=report.file)
    lines = [header, _("import-counts").format(
        created=len(report.created), updated=len(report.updated),
        unchanged=len(report.unchanged))]
    for key, ids in (("import-created-ids", report.created),
                     ("import-updated-ids", report.updated)):
        if ids:
            shown = ", ".join(ids[:REPORT_IDS_MAX])
            more = f" (+{len(ids) - REPORT_IDS_MAX})" if len(ids) > REPORT_IDS_MAX else ""
            lines.append(_(key).format(ids=shown + more))
    return "\n".join(lines)


def found_keyboard(items: list[bank.ItemSummary]) -> InlineKeyboardMarkup:
    """One button per item found: it shows the item as /show does."""
    builder = InlineKeyboardBuilder()
    for item in items:
        archived = " " + _("item-archived-mark") if item.archived else ""
        builder.button(text=shortened(f"{item.slug} — {item.title}", FOUND_BUTTON_MAX) + archived,
                       callback_data=ShowItem(item_id=item.id))
    builder.adjust(1)
    return builder.as_markup()


def _status(item: bank.ItemSummary) -> str:
    return _("show-status").format(
        slug=item.slug, kind=item.kind.value, topic=item.topic, version=item.version,
        source=item.source,
        state=_("item-state-archived" if item.archived else "item-state-active"),
    )


def _bank_text(counts: list[bank.BankCount], locale: str) -> str:
    by_topic: dict[str, list[bank.BankCount]] = {}
    for count in counts:
        title = topic_title(count, locale)
        by_topic.setdefault(title, []).append(count)
    lines = [_("bank-summary-header").format(
        active=sum(count.active for count in counts),
        archived=sum(count.archived for count in counts))]
    for topic, rows in by_topic.items():
        kinds = ", ".join(
            f"{_('kind-name-' + row.kind.value)} {row.active}"
            + (f" (+{row.archived} 🗄)" if row.archived else "")
            for row in rows)
        lines.append(f"• {topic}: {kinds}")
    return "\n".join(lines)


def manage_item_keyboard(item: ItemSummary) -> InlineKeyboardMarkup:
    """Under /show: archive an active item, restore an archived one; its history."""
    action = ItemAction.RESTORE if item.archived else ItemAction.ARCHIVE
    builder = InlineKeyboardBuilder()
    builder.button(text=_("button-" + action.value),
                   callback_data=ManageItem(action=action, slug=item.slug))
    builder.button(text=_("button-item-history"), callback_data=ItemHistory(item_id=item.id))
    return builder.as_markup()


def _history_text(versions: list[bank.ItemVersionEntry], zone: ZoneInfo) -> str:
    lines = [_("history-header").format(zone=zone.key)]
    for entry in versions:
        if entry.changed_by is None:
            who = _("history-by-files")
        elif entry.changed_by_name:
            who = f"{entry.changed_by_name} ({entry.changed_by})"
        else:
            who = str(entry.changed_by)
        lines.append(_("history-line").format(
            version=entry.version, at=entry.at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            who=who))
    return "\n".join(lines)
