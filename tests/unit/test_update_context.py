"""The update's context: which chat and user a handler acts for, and handlers kept small."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import Chat, Update, User
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.app import create_dispatcher
from bot.platform.i18n import create_i18n
from bot.platform.wakeup import ScheduleWakeup
from bot.study.context import ChatContext, NoChat, UpdateContextMiddleware
from bot.study.sending import RichPosts
from tests.fakebot.fixtures import TEST_TOKEN

# The update's context (``ctx``) carries what handlers used to take one by one.
MAX_HANDLER_PARAMETERS = 5
NOW = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
ALICE = User(id=1001, is_bot=False, first_name="Alice")
GROUP = Chat(id=-100, type="supergroup", title="ML")
CHANNEL = Chat(id=-200, type="channel", title="Daily ML")


def handler_sizes(dispatcher: Dispatcher) -> Iterator[tuple[str, int]]:
    """Every function registered on the app's routers, and how many parameters it takes."""
    for router in dispatcher.chain_tail:
        for observer in router.observers.values():
            for handler in observer.handlers:
                name = f"{handler.callback.__module__}.{handler.callback.__qualname__}"
                yield name, len(inspect.signature(handler.callback).parameters)


async def test_no_handler_takes_more_than_five_parameters() -> None:
    dispatcher = create_dispatcher(session_factory=async_sessionmaker(),
                                   i18n=create_i18n("ru"), signature="@test")
    sizes = dict(handler_sizes(dispatcher))
    assert len(sizes) > 50  # the walk reached the feature routers
    too_many = {name: size for name, size in sizes.items() if size > MAX_HANDLER_PARAMETERS}
    assert not too_many, f"handlers over {MAX_HANDLER_PARAMETERS} parameters: {too_many}"


async def context_for(chat: Chat | None, user: User | None) -> ChatContext:
    """The ``ctx`` a handler gets for an update from ``user`` in ``chat``."""
    i18n = create_i18n("ru")
    seen: list[ChatContext] = []

    async def handler(_event: Any, data: dict[str, Any]) -> None:
        seen.append(data["ctx"])

    data: dict[str, Any] = {
        "bot": Bot(TEST_TOKEN), "event_chat": chat, "event_from_user": user, "i18n": i18n,
        "clock": lambda: NOW, "signature": "@test", "bot_username": "drill_bot",
        "rng": Random(0), "default_zone": ZoneInfo("UTC"), "schedule_wakeup": ScheduleWakeup(),
        "import_max_bytes": 1024, "max_reviews_per_day": 50, "rich_posts": RichPosts.off(),
        "inline_mode": False,
    }
    with i18n.context(), i18n.use_locale("en"):
        await UpdateContextMiddleware()(handler, Update(update_id=1), data)
    (ctx,) = seen
    assert (ctx.now, ctx.locale) == (NOW, "en")  # the clock read, the learner's language
    return ctx


@pytest.mark.parametrize(("chat", "user", "chat_id", "user_id"), [
    (GROUP, ALICE, GROUP.id, ALICE.id),  # a message in a group
    (None, ALICE, ALICE.id, ALICE.id),  # a quiz answer, or a button under a message too old
    (CHANNEL, None, CHANNEL.id, CHANNEL.id),  # a channel's post: the channel acts
])
async def test_the_acting_user_else_the_chat(
    chat: Chat | None, user: User | None, chat_id: int, user_id: int
) -> None:
    ctx = await context_for(chat, user)
    assert (ctx.chat_id, ctx.user_id, ctx.thread_id) == (chat_id, user_id, None)


async def test_an_update_from_no_one_has_no_chat_until_its_handler_names_one() -> None:
    ctx = await context_for(None, None)  # a poll's new state
    with pytest.raises(NoChat):
        _ = ctx.chat_id
    learner = ctx.in_chat(ALICE.id, locale="ru")
    assert (learner.chat_id, learner.user_id, learner.locale) == (ALICE.id, ALICE.id, "ru")
    assert learner.now == ctx.now
