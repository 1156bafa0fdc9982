"""Dialog state in the database: it outlives the storage object (a restart) and keys stay apart."""

from __future__ import annotations

import asyncio

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.platform.db.models import DialogState
from bot.platform.telegram.fsm_storage import DatabaseStorage

BOT_ID = 42


class Writing(StatesGroup):
    question = State()
    options = State()


def key(chat_id: int, user_id: int, **extra: object) -> StorageKey:
    return StorageKey(bot_id=BOT_ID, chat_id=chat_id, user_id=user_id, **extra)  # type: ignore[arg-type]


async def test_state_and_data_survive_a_new_storage_over_the_same_database(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    before_restart = DatabaseStorage(session_factory)
    await before_restart.set_state(key(1, 1), Writing.options)
    await before_restart.set_data(key(1, 1), {"draft": {"question": "Что такое ROC?"}})
    await before_restart.close()

    after_restart = DatabaseStorage(session_factory)
    assert await after_restart.get_state(key(1, 1)) == "Writing:options"
    assert await after_restart.get_data(key(1, 1)) == {"draft": {"question": "Что такое ROC?"}}
    assert await after_restart.update_data(key(1, 1), {"tags": ["roc"]}) == {
        "draft": {"question": "Что такое ROC?"}, "tags": ["roc"]
    }
    await after_restart.set_state(key(1, 1), Writing.question)
    assert await DatabaseStorage(session_factory).get_state(key(1, 1)) == "Writing:question"


async def test_keys_are_isolated_per_chat_user_thread_and_destiny(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(session_factory)
    await storage.set_state(key(1, 1), Writing.question)
    await storage.set_data(key(1, 1), {"who": "admin in private"})

    others = [key(2, 1), key(1, 2), key(1, 1, thread_id=7), key(1, 1, destiny="other"),
              key(1, 1, business_connection_id="biz")]
    for other in others:
        assert await storage.get_state(other) is None
        assert await storage.get_data(other) == {}
    await storage.set_data(key(1, 2), {"who": "someone else"})
    assert await storage.get_data(key(1, 1)) == {"who": "admin in private"}


async def test_a_cleared_dialog_leaves_no_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(session_factory)
    await storage.set_state(key(1, 1), Writing.question)
    await storage.set_data(key(1, 1), {"draft": {}})
    await storage.set_state(key(1, 1), None)  # what FSMContext.clear() does
    await storage.set_data(key(1, 1), {})
    assert await storage.get_state(key(1, 1)) is None
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(DialogState)) == 0


async def test_a_step_bound_to_the_update_commits_or_rolls_back_with_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    storage = DatabaseStorage(session_factory)
    async with session_factory() as failed_update:
        await storage.within(failed_update).set_state(key(3, 3), Writing.options)
        assert await storage.within(failed_update).get_state(key(3, 3)) == "Writing:options"
        await failed_update.rollback()
    assert await storage.get_state(key(3, 3)) is None

    async with session_factory() as update:
        await storage.within(update).set_state(key(3, 3), Writing.options)
        await update.commit()
    assert await storage.get_state(key(3, 3)) == "Writing:options"


async def test_states_asked_for_together_are_read_in_one_query(
    session_factory: async_sessionmaker[AsyncSession], engine: AsyncEngine,
) -> None:
    storage = DatabaseStorage(session_factory)
    await storage.set_state(key(1, 1), Writing.question)
    await storage.set_state(key(1, 1, thread_id=7), Writing.options)
    queries: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute",
                 lambda *args: queries.append(args[2]))

    states = list(await asyncio.gather(
        storage.get_state(key(1, 1)), storage.get_state(key(1, 1, thread_id=7)),
        storage.get_state(key(1, 2)), storage.get_state(key(1, 1, destiny="other")),
    ))

    assert states == ["Writing:question", "Writing:options", None, None]
    assert len([query for query in queries if query.lstrip().startswith("SELECT")]) == 1
