"""Self-grading in a drill: when each grade would bring the card back, and the key points."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.platform.content.schema import QuestionItem, TaskItem
from bot.study.catalog import Card
from bot.study.grades import Grade
from bot.study.srs import load_card_state, new_card, preview_intervals


async def grade_intervals(
    session: AsyncSession, user_id: int, item_id: int, now: datetime
) -> dict[Grade, timedelta]:
    """How long until the card comes back after each grade given now (FSRS's preview)."""
    card = await load_card_state(session, user_id, item_id) or new_card(user_id, item_id, now)
    previews = preview_intervals(card, now)
    return {grade: previews[grade.rating] for grade in Grade}


def key_points(card: Card) -> list[str]:
    """The points a complete answer covers; none for an item written without them."""
    item = card.content
    if isinstance(item, QuestionItem | TaskItem) and item.key_points:
        return list(item.key_points)
    return []
