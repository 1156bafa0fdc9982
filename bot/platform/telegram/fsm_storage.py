"""Dialog state (aiogram FSM) kept in the bot's database, so a dialog survives a restart.

aiogram's FSM middleware reads the state before ``DbSessionMiddleware`` has opened the update's
session, so the storage runs such calls in short transactions of its own. Inside a handler it is
bound to the update's session instead (``within``, applied by
``bot.platform.telegram.middlewares.DialogStateInTransaction``): the state then commits or rolls
back with the change it describes, and on SQLite it never waits for the write lock its own
update holds until that update's commit. The states the FSM middleware asks for together (the
updates of one getUpdates page) are read in one query.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import func, inspect, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.db.batched_reads import BatchedReads
from bot.platform.db.models import DialogState
from bot.platform.db.upsert import insert_for


class DatabaseStorage(BaseStorage):
    """aiogram's ``BaseStorage`` over the ``dialog_states`` table (SQLite or PostgreSQL)."""

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], session: AsyncSession | None = None
    ) -> None:
        self.session_factory = session_factory
        self.session = session
        # Bound to a session, it reads there; unbound (the FSM middleware's reads before the
        # handler), the states asked for together are read together.
        self._state_reads = (BatchedReads(self._read_states, name="dialog-state-loader")
                             if session is None else None)

    def within(self, session: AsyncSession) -> DatabaseStorage:
        """The same storage, reading and writing in ``session`` (flushed, never committed)."""
        return DatabaseStorage(self.session_factory, session)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._write(key, state=name)

    async def get_state(self, key: StorageKey) -> str | None:
        if self._state_reads is not None:
            return await self._state_reads.get(key)
        row = await self._read(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise DataNotDictLikeError(
                f"Data must be a dict or dict-like object, got {type(data).__name__}"
            )
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return dict(row.data) if row else {}

    async def close(self) -> None:
        """Nothing to release: the engine belongs to the app, which disposes of it.

        aiogram calls this at shutdown, possibly while updates are still in flight, so the
        storage stays usable after it.
        """

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        if self.session is not None:
            yield self.session
            return
        async with self.session_factory() as session, session.begin():
            yield session

    async def _read(self, key: StorageKey) -> DialogState | None:
        async with self._transaction() as session:
            return await session.scalar(
                select(DialogState).where(*_matches(key))
                .execution_options(populate_existing=True)  # the upsert bypasses the ORM
            )

    async def _read_states(self, keys: Collection[StorageKey]) -> dict[StorageKey, str | None]:
        columns = list(_KEY_COLUMNS)
        async with self.session_factory() as session:
            rows = await session.execute(
                select(*columns, DialogState.state)
                .where(tuple_(*columns).in_([_key_values(key) for key in keys]))
            )
            states = {tuple(row[:-1]): row.state for row in rows}
        return {key: states.get(_key_values(key)) for key in keys}

    async def _write(self, key: StorageKey, **values: Any) -> None:
        """Upsert the given columns of the key's row; a row left empty (a finished dialog) goes."""
        columns = _columns(key)
        async with self._transaction() as session:
            insert = insert_for(session, DialogState).values(
                **columns, **{"state": None, "data": {}, **values}
            )
            await session.execute(insert.on_conflict_do_update(
                index_elements=list(columns), set_={**values, "updated_at": func.now()}
            ))
            row = await session.scalar(
                select(DialogState).where(*_matches(key))
                .execution_options(populate_existing=True)
            )
            if row is not None and row.state is None and not row.data:
                await session.delete(row)
            await session.flush()


def _columns(key: StorageKey) -> dict[str, Any]:
    return {
        "bot_id": key.bot_id,
        "chat_id": key.chat_id,
        "user_id": key.user_id,
        "thread_id": key.thread_id or 0,
        "business_connection_id": key.business_connection_id or "",
        "destiny": key.destiny,
    }


_KEY_COLUMNS = tuple(inspect(DialogState).primary_key)


def _key_values(key: StorageKey) -> tuple[Any, ...]:
    """The key's primary key values, in ``_KEY_COLUMNS`` order."""
    columns = _columns(key)
    return tuple(columns[column.name] for column in _KEY_COLUMNS)


def _matches(key: StorageKey) -> list[Any]:
    return [getattr(DialogState, name) == value for name, value in _columns(key).items()]
