"""Reads asked for together are made together, and a read is never older than its request."""

from __future__ import annotations

import asyncio
from collections.abc import Collection

import pytest

from bot.platform.db.batched_reads import BatchedReads


class Table:
    """A stand-in for a database table that records each query."""

    def __init__(self, rows: dict[str, int]) -> None:
        self.rows = rows
        self.queries: list[list[str]] = []
        self.querying = asyncio.Event()
        self.hold = asyncio.Event()
        self.hold.set()
        self.failure: Exception | None = None

    async def load(self, keys: Collection[str]) -> dict[str, int]:
        self.queries.append(sorted(keys))
        self.querying.set()
        snapshot = dict(self.rows)  # what the query reads when it starts
        await self.hold.wait()
        if self.failure is not None:
            raise self.failure
        return {key: snapshot[key] for key in keys if key in snapshot}


async def test_keys_asked_for_together_are_read_in_one_query() -> None:
    table = Table({"ann": 1, "bob": 2})
    reads = BatchedReads(table.load, name="test")

    values = list(await asyncio.gather(reads.get("ann"), reads.get("bob"), reads.get("cid"),
                                       reads.get("ann")))

    assert values == [1, 2, None, 1]
    assert table.queries == [["ann", "bob", "cid"]]


async def test_a_key_asked_for_during_a_query_waits_for_the_next_one() -> None:
    table = Table({"ann": 1})
    reads = BatchedReads(table.load, name="test")
    table.hold.clear()
    first = asyncio.ensure_future(reads.get("ann"))
    await table.querying.wait()

    table.rows["ann"] = 2  # written after the first query started
    second = asyncio.ensure_future(reads.get("ann"))
    table.hold.set()

    assert (await first, await second) == (1, 2)
    assert table.queries == [["ann"], ["ann"]]


async def test_a_failed_query_fails_each_asker_and_the_next_read_tries_again() -> None:
    table = Table({"ann": 1})
    reads = BatchedReads(table.load, name="test")
    table.failure = RuntimeError("database is locked")

    results = await asyncio.gather(reads.get("ann"), reads.get("bob"), return_exceptions=True)

    assert [str(result) for result in results] == ["database is locked"] * 2
    table.failure = None
    assert await reads.get("ann") == 1


async def test_one_asker_cancelled_leaves_the_others_their_read() -> None:
    table = Table({"ann": 1})
    reads = BatchedReads(table.load, name="test")
    table.hold.clear()
    impatient = asyncio.ensure_future(reads.get("ann"))
    patient = asyncio.ensure_future(reads.get("ann"))
    await table.querying.wait()

    impatient.cancel()
    table.hold.set()

    assert await patient == 1
    with pytest.raises(asyncio.CancelledError):
        await impatient
