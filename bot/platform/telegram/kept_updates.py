"""Updates a stop cut off, kept in the database until the next start handles them."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import Update
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.clock import Clock
from bot.platform.db.models import KeptUpdate
from bot.platform.db.upsert import insert_for


class DatabaseUnfinishedUpdates:
    """``polling.UnfinishedUpdates`` in the bot's own database."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self.session_factory = session_factory
        self.clock = clock

    async def keep(self, updates: Sequence[Update]) -> None:
        rows = [{"update_id": update.update_id,
                 "payload": update.model_dump(mode="json", exclude_none=True),
                 "kept_at": self.clock()} for update in updates]
        async with self.session_factory() as session, session.begin():
            # Kept already when a kept update was cut off again.
            await session.execute(
                insert_for(session, KeptUpdate).on_conflict_do_nothing(
                    index_elements=[KeptUpdate.update_id]),
                rows,  # executemany: a stop may keep thousands, and one VALUES list is slow
            )

    async def take(self) -> list[Update]:
        async with self.session_factory() as session:
            payloads = await session.scalars(
                select(KeptUpdate.payload).order_by(KeptUpdate.update_id)
            )
            return [Update.model_validate(payload) for payload in payloads]

    async def done(self, update_id: int) -> None:
        async with self.session_factory() as session, session.begin():
            await session.execute(delete(KeptUpdate).where(KeptUpdate.update_id == update_id))
