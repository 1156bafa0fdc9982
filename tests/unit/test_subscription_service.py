"""Subscription changes: the next run follows the settings, and the scheduler hears of it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.daily import subscriptions
from bot.daily.subscriptions import SubscriptionError
from bot.platform.wakeup import ScheduleWakeup

# Monday 2 March 2026, 12:00 UTC.
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
GROUP = -1001234567890


async def test_the_next_run_follows_time_zone_weekdays_pause_and_resume(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        view = await subscriptions.subscribe(
            session, chat_id=GROUP, chat_type="supergroup", by_user=1, now=NOON,
            timezone="Europe/Berlin", times=[time(9, 30)],
        )
        assert view.next_run_at == datetime(2026, 3, 3, 8, 30, tzinfo=UTC)  # tomorrow, CET
        view = await subscriptions.set_timezone(session, GROUP, "Asia/Tokyo", NOON)
        assert view.next_run_at == datetime(2026, 3, 3, 0, 30, tzinfo=UTC)
        view = await subscriptions.set_weekdays(session, GROUP, [4], NOON)  # Fridays
        assert view.next_run_at == datetime(2026, 3, 6, 0, 30, tzinfo=UTC)

        assert await subscriptions.pause(session, GROUP, "bot was kicked", NOON)
        paused = await subscriptions.get_subscription(session, GROUP)
        assert paused is not None
        assert (paused.status, paused.pause_reason, paused.next_run_at) == (
            "paused", "bot was kicked", None)
        resumed = await subscriptions.resume(session, GROUP, NOON + timedelta(days=7))
        assert resumed is not None
        assert resumed.next_run_at == datetime(2026, 3, 13, 0, 30, tzinfo=UTC)


async def test_the_scheduler_is_woken_only_once_the_change_is_committed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    wakeup = ScheduleWakeup()
    async with session_factory() as session:
        async with session.begin():
            await subscriptions.subscribe(
                session, chat_id=42, chat_type="private", by_user=42, now=NOON,
                timezone="UTC", wakeup=wakeup,
            )
            assert not await wakeup.wait(0)  # not yet: the scheduler would read the old rows
        assert await wakeup.wait(0)


async def test_a_migrated_group_takes_its_subscription_along_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    new_id = -1009999999999
    async with session_factory() as session, session.begin():
        await subscriptions.subscribe(session, chat_id=-4001, chat_type="group", by_user=1,
                                      now=NOON, timezone="UTC")
        moved = await subscriptions.move_chat(session, -4001, new_id, NOON)
        again = await subscriptions.move_chat(session, -4001, new_id, NOON)
        assert moved is not None
        assert again == moved
        assert moved.chat_id == new_id
        assert await subscriptions.get_subscription(session, -4001) is None


async def test_settings_a_person_can_fix_are_refused_with_a_reason(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session, session.begin():
        await subscriptions.subscribe(session, chat_id=-1001111111111, chat_type="channel",
                                      by_user=1, now=NOON, timezone="UTC")
        for change, code in [
            (subscriptions.set_timezone(session, -1001111111111, "Mars/Olympus", NOON),
             "unknown-timezone"),
            (subscriptions.set_anonymous_polls(session, -1001111111111, False, NOON),
             "channel-polls-anonymous"),
            (subscriptions.set_kinds(session, -1001111111111, [], NOON), "no-kinds"),
            (subscriptions.set_times(session, 777, [time(9)], NOON), "not-subscribed"),
        ]:
            with pytest.raises(SubscriptionError) as refused:
                await change
            assert refused.value.code == code
