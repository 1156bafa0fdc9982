"""The answer under a one-off group quiz: when it is due, and taken once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.daily import quiz_reveals, subscriptions
from bot.daily.quiz_reveals import QuizRevealJob
from bot.platform.content.sync import sync_content
from bot.study.polls import record_sent_poll
from tests.unit.factories import TOPICS, quiz

FORUM = -1001234567890
TOPIC = 7
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def subscribe(session: AsyncSession, thread_id: int | None, minutes: int) -> None:
    await subscriptions.subscribe(session, chat_id=FORUM, chat_type="supergroup", by_user=1,
                                  now=NOW, timezone="UTC", times=[time(10)], thread_id=thread_id)
    await subscriptions.set_reveal_after(session, FORUM, minutes, NOW, thread_id)


async def test_the_topics_delay_else_the_chats_else_the_default(session: AsyncSession) -> None:
    assert await quiz_reveals.reveal_delay(session, FORUM, TOPIC) == timedelta(hours=4)
    await subscribe(session, None, 30)
    await subscribe(session, TOPIC, 5)
    assert await quiz_reveals.reveal_delay(session, FORUM, TOPIC) == timedelta(minutes=5)
    assert await quiz_reveals.reveal_delay(session, FORUM, TOPIC + 1) == timedelta(minutes=30)
    assert await quiz_reveals.reveal_delay(session, FORUM, None) == timedelta(minutes=30)


async def test_a_due_reveal_is_taken_once(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("a")], NOW)
    await record_sent_poll(session, poll_id="p1", item_id=1, chat_id=FORUM, message_id=5,
                           correct_option_ids=[1], now=NOW)
    await quiz_reveals.schedule_reveal(session, "p1", TOPIC, NOW + timedelta(minutes=5))
    assert await quiz_reveals.take_due(session, NOW, 10) == []
    assert await quiz_reveals.earliest_due(session) == NOW + timedelta(minutes=5)
    later = NOW + timedelta(minutes=5)
    assert await quiz_reveals.take_due(session, later, 10) == [
        QuizRevealJob("p1", FORUM, TOPIC, 1, 5)]
    assert await quiz_reveals.take_due(session, later, 10) == []
    assert await quiz_reveals.earliest_due(session) is None
