"""Reads asked for together, made together: one query for the updates of a page.

The updates of one getUpdates page start at once, and several of them often need the same kind
of row before anything else (a learner's language, a dialog state). Each asking for its own
costs a query and, on SQLite, a trip through the connection's thread per update.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BatchedReads(Generic[K, V]):
    """``get(key)`` is what ``load`` gives for the key, None when it gives nothing.

    Keys asked for in the same turn of the event loop are loaded by one call of ``load``; keys
    asked for while it runs wait for the next call, so a read never returns a value older than
    its request. A failed ``load`` fails each of its askers.
    """

    def __init__(self, load: Callable[[Collection[K]], Awaitable[Mapping[K, V]]],
                 name: str) -> None:
        self.load = load
        self.name = name
        self._wanted: dict[K, asyncio.Future[V | None]] = {}
        self._loader: asyncio.Task[None] | None = None

    async def get(self, key: K) -> V | None:
        wanted = self._wanted.get(key)
        if wanted is None:
            wanted = self._wanted[key] = asyncio.get_running_loop().create_future()
            if self._loader is None:
                # It runs after the updates started in the same turn of the loop have asked.
                self._loader = asyncio.create_task(self._load_wanted(), name=self.name)
        # One asker cancelled must not cancel the others' read.
        return await asyncio.shield(wanted)

    async def _load_wanted(self) -> None:
        try:
            while self._wanted:
                wanted, self._wanted = self._wanted, {}
                try:
                    values = await self.load(wanted.keys())
                except Exception as error:  # each asking update fails (and logs) on its own
                    for future in wanted.values():
                        future.set_exception(error)
                    continue
                for key, future in wanted.items():
                    future.set_result(values.get(key))
        finally:
            self._loader = None
