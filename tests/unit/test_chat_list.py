"""The /chats pages: keyset pages that read one page (and one row more), however many chats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.daily.chat_list import PAGE_SIZE, chat_page
from bot.platform.db.models import Chat, Subscription

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MANY = 10_000


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements run on ``engine`` inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any,
               *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_a_page_of_ten_thousand_chats_reads_eleven_rows_in_two_statements(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        await session.execute(insert(Chat), [
            {"id": -n, "type": "supergroup", "title": f"g{n}"} for n in range(1, MANY + 1)])
        await session.execute(insert(Subscription), [
            {"chat_id": -n, "status": "stopped" if n == 15 else "active", "times": ["10:00"],
             "timezone": "UTC", "weekdays": [0], "topics": [], "kinds": ["quiz"],
             "created_at": NOON, "updated_at": NOON}
            for n in range(1, MANY + 1)])

    async with session_factory() as session:
        with statements(engine) as seen:
            second = await chat_page(session, after=PAGE_SIZE)
        assert len(seen) == 2  # the page, and whether anything comes before it
        page_sql, parameters = seen[0]
        assert "LIMIT" in page_sql.upper()
        assert PAGE_SIZE + 1 in tuple(parameters)
        # The stopped subscription (id 15) is not a subscribed chat.
        assert [chat.subscription_id for chat in second.chats] == [
            11, 12, 13, 14, 16, 17, 18, 19, 20, 21]
        assert (second.has_earlier, second.has_later) == (True, True)

        with statements(engine) as seen:
            first = await chat_page(session, before=11)
        assert len(seen) == 1
        assert [chat.subscription_id for chat in first.chats] == list(range(1, 11))
        assert (first.has_earlier, first.has_later) == (False, True)

        last = await chat_page(session, after=MANY - 3)
        assert [chat.subscription_id for chat in last.chats] == [MANY - 2, MANY - 1, MANY]
        assert (last.has_earlier, last.has_later) == (True, False)
