"""Taking a self-grade back: the card as it was, the grade gone; only the card's last review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.practice import record_view
from bot.platform.content.schema import Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Item, SelfGrade
from bot.study.grades import Grade, record_self_grade, undo_self_grade
from bot.study.srs import CardState, load_card_state
from tests.unit.factories import TOPICS, question

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ALICE = 1


async def grade(session: AsyncSession, item_id: int, message_id: int, value: Grade,
                at: datetime) -> None:
    assert await record_self_grade(session, user_id=ALICE, item_id=item_id, chat_id=ALICE,
                                   message_id=message_id, grade=value, now=at)


async def card(session: AsyncSession, item_id: int) -> CardState | None:
    return await load_card_state(session, ALICE, item_id)


async def test_only_the_last_grade_of_a_card_comes_back(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [question("open")], NOW)
    item_id = await session.scalar(select(Item.id))
    assert item_id is not None
    await record_view(session, ALICE, item_id, Kind.QUESTION, NOW)
    await grade(session, item_id, 10, Grade.GOOD, NOW)
    after_first = await card(session, item_id)
    await grade(session, item_id, 20, Grade.EASY, NOW + timedelta(hours=1))

    assert await undo_self_grade(session, user_id=ALICE, chat_id=ALICE, message_id=10) is None
    assert await undo_self_grade(session, user_id=ALICE, chat_id=ALICE, message_id=20) \
        == item_id
    assert await card(session, item_id) == after_first
    assert await session.scalar(select(func.count()).select_from(SelfGrade)) == 1
    # Nothing left to take back on that message; the first grade is the last one again.
    assert await undo_self_grade(session, user_id=ALICE, chat_id=ALICE, message_id=20) is None
    assert await undo_self_grade(session, user_id=ALICE, chat_id=ALICE, message_id=10) \
        == item_id
    restored = await card(session, item_id)
    assert restored is not None
    assert (restored.reps, restored.last_review, restored.due) == (0, None, NOW)
