"""Dialog state (aiogram FSM) kept in the bot's database, so a dialog survives a restart.

Every call runs in its own short transaction from the session factory, not in the update's
session: aiogram's FSM middleware reads the state before ``DbSessionMiddleware`` has opened
that session (and aiogram may close the storage at shutdown, after that session is gone), so
the storage cannot rely on a session it does not own.

On SQLite there is a single writer: a handler must change the dialog state before it writes
through its own session (which keeps the write lock until the update's commit), or the
storage's write waits for a lock its own update holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import DialogState
from bot.db.upsert import insert_for


class DatabaseStorage(BaseStorage):
    """aiogram's ``BaseStorage`` over the ``dialog_states`` table (SQLite or PostgreSQL)."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await self._write(key, state=name)

    async def get_state(self, key: StorageKey) -> str | None:
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

    async def _read(self, key: StorageKey) -> DialogState | None:
        async with self.session_factory() as session:
            return await session.scalar(select(DialogState).where(*_matches(key)))

    async def _write(self, key: StorageKey, **values: Any) -> None:
        """Upsert the given columns of the key's row; a row left empty (a finished dialog) goes."""
        columns = _columns(key)
        async with self.session_factory() as session, session.begin():
            insert = insert_for(session, DialogState).values(
                **columns, **{"state": None, "data": {}, **values}
            )
            await session.execute(insert.on_conflict_do_update(
                index_elements=list(columns), set_={**values, "updated_at": func.now()}
            ))
            row = await session.scalar(select(DialogState).where(*_matches(key)))
            if row is not None and row.state is None and not row.data:
                await session.delete(row)


def _columns(key: StorageKey) -> dict[str, Any]:
    return {
        "bot_id": key.bot_id,
        "chat_id": key.chat_id,
        "user_id": key.user_id,
        "thread_id": key.thread_id or 0,
        "business_connection_id": key.business_connection_id or "",
        "destiny": key.destiny,
    }


def _matches(key: StorageKey) -> list[Any]:
    return [getattr(DialogState, name) == value for name, value in _columns(key).items()]
