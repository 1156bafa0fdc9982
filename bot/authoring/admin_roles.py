"""Who is an admin: /admins for owners, and a clear refusal of admin commands for everyone else.

Included before every other admin router, so a non-admin's admin command or button is refused
here, whichever module would have handled it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, MessageOriginHiddenUser, MessageOriginUser
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.roles import (
    Admin,
    GrantOutcome,
    RevokeOutcome,
    Role,
    grant_editor,
    list_admins,
    revoke_editor,
)
from bot.platform.telegram.commands import (
    ADMIN_COMMANDS,
    OWNER_COMMANDS,
    delete_admin_commands,
    set_admin_commands,
)
from bot.platform.telegram.filters import IsBotAdmin, IsOwner
from bot.study.callbacks import is_admin_button
from bot.study.context import UpdateContext

GRANT_WORDS = ("add", "grant")
REVOKE_WORDS = ("remove", "revoke")


class TargetError(Exception):
    """Whose role to change cannot be told from the command; the message says why."""


def create_router() -> Router:
    router = Router(name="admin_roles")

    @router.message(F.chat.type == ChatType.PRIVATE, Command(*ADMIN_COMMANDS, *OWNER_COMMANDS),
                    ~IsBotAdmin())
    async def refuse_non_admin(message: Message) -> None:
        await message.answer(_("admin-only"))

    @router.callback_query(F.data.func(is_admin_button), ~IsBotAdmin())
    async def refuse_non_admin_button(callback: CallbackQuery) -> None:
        await callback.answer(_("admin-only"), show_alert=True)

    @router.message(F.chat.type == ChatType.PRIVATE, Command(*OWNER_COMMANDS), ~IsOwner())
    async def refuse_editor(message: Message) -> None:
        await message.answer(_("owner-only"))

    @router.message(Command("admins"), IsOwner())
    async def admins(
        message: Message, command: CommandObject, ctx: UpdateContext, session: AsyncSession,
        owner_ids: frozenset[int],
    ) -> None:
        words = (command.args or "").split()
        if not words:
            await message.answer(_admin_list(await list_admins(session, owner_ids)))
            return
        action = words[0].lower()
        if action not in GRANT_WORDS + REVOKE_WORDS or len(words) > 2:
            await message.answer(_("admins-usage"))
            return
        try:
            user_id = _target(message, words[1:])
        except TargetError as error:
            await message.answer(str(error))
            return
        if action in GRANT_WORDS:
            granted = await grant_editor(session, user_id, by=ctx.user_id, owner_ids=owner_ids,
                                         now=ctx.now)
            reply = _("admins-granted-" + granted.value).format(user_id=user_id)
            if granted is GrantOutcome.GRANTED and not await set_admin_commands(
                ctx.bot, ctx.i18n, user_id, Role.EDITOR
            ):
                reply += "\n" + _("admins-menu-later")
        else:
            revoked = await revoke_editor(session, user_id, by=ctx.user_id, owner_ids=owner_ids,
                                          now=ctx.now)
            reply = _("admins-revoked-" + revoked.value).format(user_id=user_id)
            if revoked is RevokeOutcome.REVOKED:
                await delete_admin_commands(ctx.bot, ctx.i18n, user_id)
        await message.answer(reply)

    return router


def _target(message: Message, words: list[str]) -> int:
    """The user id typed after the action, or the author of the message replied to."""
    if words:
        if not words[0].isdigit():
            raise TargetError(_("admins-usage"))
        return int(words[0])
    replied = message.reply_to_message
    if replied is None:
        raise TargetError(_("admins-usage"))
    origin = replied.forward_origin
    if isinstance(origin, MessageOriginHiddenUser):
        raise TargetError(_("admins-hidden-user"))
    author = origin.sender_user if isinstance(origin, MessageOriginUser) else replied.from_user
    if author is None or author.is_bot:
        raise TargetError(_("admins-not-a-person"))
    return author.id


def _admin_list(admins: list[Admin]) -> str:
    def line(admin: Admin) -> str:
        name = " ".join(part for part in (
            admin.first_name, f"@{admin.username}" if admin.username else None) if part)
        who = f"{name} — {admin.user_id}" if name else str(admin.user_id)
        if admin.granted_by is not None and admin.granted_at is not None:
            who += " " + _("admins-granted-by").format(
                user_id=admin.granted_by, date=admin.granted_at.date().isoformat())
        return f"• {who}"

    owners = [line(admin) for admin in admins if admin.role is Role.OWNER]
    editors = [line(admin) for admin in admins if admin.role is Role.EDITOR]
    return "\n".join([
        _("admins-owners"), *(owners or [_("admins-none")]), "",
        _("admins-editors"), *(editors or [_("admins-none")]), "",
        _("admins-usage"),
    ])
