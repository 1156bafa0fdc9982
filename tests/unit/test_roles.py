"""Roles: owners come from ADMIN_IDS, editors from the database, and every check asks again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiogram import Bot
from aiogram.types import CallbackQuery, Chat, Message, User
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import set_admin_menus
from bot.platform.db.models import AdminAction, AdminRole
from bot.platform.i18n import create_i18n
from bot.platform.roles import (
    Admin,
    GrantOutcome,
    RevokeOutcome,
    Role,
    editor_ids,
    grant_editor,
    list_admins,
    revoke_editor,
    role_of,
)
from bot.platform.telegram.commands import ADMIN_COMMANDS, PRIVATE_COMMANDS
from bot.platform.telegram.filters import IsBotAdmin, IsOwner
from bot.study.users import UserProfile, remember_users
from tests.fakebot import FakeBotAPI

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
OWNER, EDITOR, STRANGER = 1, 2, 3
OWNERS = frozenset({OWNER})


def message_from(user_id: int) -> Message:
    return Message(message_id=1, date=NOW, chat=Chat(id=user_id, type="private"),
                   from_user=User(id=user_id, is_bot=False, first_name="Test"), text="/bank")


def button_from(user_id: int) -> CallbackQuery:
    return CallbackQuery(id="1", from_user=User(id=user_id, is_bot=False, first_name="Test"),
                         chat_instance="1", data="item:archive:l2")


async def test_an_owner_grants_and_revokes_the_editor_role(session: AsyncSession) -> None:
    assert await role_of(session, EDITOR, OWNERS) is None
    assert await grant_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW) is (
        GrantOutcome.GRANTED)
    assert await role_of(session, EDITOR, OWNERS) is Role.EDITOR
    assert await grant_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW) is (
        GrantOutcome.ALREADY_EDITOR)
    assert await revoke_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW) is (
        RevokeOutcome.REVOKED)
    assert await role_of(session, EDITOR, OWNERS) is None
    assert await revoke_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW) is (
        RevokeOutcome.NOT_EDITOR)
    history = (await session.execute(
        select(AdminAction.actor_id, AdminAction.action, AdminAction.target)
        .order_by(AdminAction.id))).all()
    assert history == [(OWNER, "grant-editor", "2"), (OWNER, "revoke-editor", "2")]


async def test_owners_are_never_stored_and_cannot_be_demoted(session: AsyncSession) -> None:
    assert await role_of(session, OWNER, OWNERS) is Role.OWNER
    assert await grant_editor(session, OWNER, by=OWNER, owner_ids=OWNERS, now=NOW) is (
        GrantOutcome.IS_OWNER)
    assert await revoke_editor(session, OWNER, by=OWNER, owner_ids=OWNERS, now=NOW) is (
        RevokeOutcome.IS_OWNER)
    assert (await session.scalars(select(AdminRole))).all() == []


async def test_the_list_shows_owners_then_editors_in_grant_order(session: AsyncSession) -> None:
    await remember_users(session, [UserProfile(EDITOR, "Мария", "masha")], NOW)
    await grant_editor(session, STRANGER, by=OWNER, owner_ids=OWNERS, now=NOW)
    await grant_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW + timedelta(1))
    assert await list_admins(session, OWNERS) == [
        Admin(OWNER, Role.OWNER, None, None),
        Admin(STRANGER, Role.EDITOR, None, None, OWNER, NOW),
        Admin(EDITOR, Role.EDITOR, "Мария", "masha", OWNER, NOW + timedelta(1)),
    ]
    assert await editor_ids(session) == [STRANGER, EDITOR]


@pytest.mark.parametrize("event", [message_from, button_from])
async def test_the_admin_filter_lets_owners_and_current_editors_through(
    session: AsyncSession, event: Callable[[int], Message | CallbackQuery]
) -> None:
    is_admin = IsBotAdmin()

    async def allowed(user_id: int) -> bool:
        return bool(await is_admin(event(user_id), owner_ids=OWNERS, session=session))

    assert (await allowed(OWNER), await allowed(EDITOR), await allowed(STRANGER)) == (
        True, False, False)
    await grant_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW)
    assert await allowed(EDITOR)
    await revoke_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW)
    assert not await allowed(EDITOR)  # refused at once: nothing is cached


async def test_only_owners_pass_the_owner_filter(session: AsyncSession) -> None:
    await grant_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW)
    is_owner = IsOwner()
    assert await is_owner(message_from(OWNER), owner_ids=OWNERS)
    assert not await is_owner(message_from(EDITOR), owner_ids=OWNERS)


async def test_at_start_every_owner_and_editor_gets_the_admin_menu_in_both_languages(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        await grant_editor(session, EDITOR, by=OWNER, owner_ids=OWNERS, now=NOW)
    await set_admin_menus(aiogram_bot, create_i18n("ru"), session_factory, OWNERS)

    def menu(user_id: int, language: str) -> list[str]:
        commands = fake_api.commands({"type": "chat", "chat_id": user_id}, language) or []
        return [command["command"] for command in commands]

    for language in ("", "en"):
        assert menu(OWNER, language) == [*PRIVATE_COMMANDS, *ADMIN_COMMANDS, "admins", "log"]
        assert menu(EDITOR, language) == [*PRIVATE_COMMANDS, *ADMIN_COMMANDS]
        assert menu(STRANGER, language) == []
    owner_menu = fake_api.commands({"type": "chat", "chat_id": OWNER}, "en") or []
    assert owner_menu[-2] == {"command": "admins", "description": "owners and editors"}
