"""The scheduler's nap: ended by a committed change to the schedule, or by its ``sleep``."""

from __future__ import annotations

import asyncio

from bot.platform.wakeup import ScheduleWakeup


async def test_a_nap_ends_when_its_sleep_does_and_says_it_was_not_woken() -> None:
    naps: list[float] = []
    time_moved = asyncio.Event()

    async def sleep(seconds: float) -> None:  # a test's clock, moved past the nap's end
        naps.append(seconds)
        await time_moved.wait()

    wakeup = ScheduleWakeup(sleep)
    napping = asyncio.create_task(wakeup.wait(3600))
    for _ in range(5):
        await asyncio.sleep(0)
    assert naps == [3600]
    assert not napping.done()
    time_moved.set()
    assert await asyncio.wait_for(napping, 1) is False


async def test_a_change_ends_the_nap_and_is_consumed() -> None:
    wakeup = ScheduleWakeup()
    napping = asyncio.create_task(wakeup.wait(3600))
    await asyncio.sleep(0)
    wakeup.notify()
    assert await asyncio.wait_for(napping, 1) is True
    assert await wakeup.wait(0) is False  # consumed: the next nap is a full one
