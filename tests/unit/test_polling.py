"""Polling that confirms quiz answers to Telegram only once they were handled (stored)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.types import CallbackQuery, PollAnswer
from aiogram.utils.backoff import BackoffConfig
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.platform.shutdown import Shutdown
from bot.platform.telegram.kept_updates import DatabaseUnfinishedUpdates
from bot.platform.telegram.polling import UnfinishedUpdates, UpdateLane, poll
from tests.fakebot import FakeBotAPI, make_user
from tests.fakebot.server import server_error

NO_WAIT = BackoffConfig(min_delay=0.0, max_delay=0.001, factor=1.5, jitter=0.0)


class HeldHandler:
    """A poll_answer handler that finishes only when the test says so."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.finished: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def handle(self, poll_answer: PollAnswer) -> None:
        self.started.append(poll_answer.poll_id)
        self.entered.set()
        await self.release.wait()
        self.finished.append(poll_answer.poll_id)


def answers(api: FakeBotAPI, count: int) -> list[int]:
    return answers_to(api, *(f"poll-{n}" for n in range(count)))


def answers_to(api: FakeBotAPI, *polls: str) -> list[int]:
    """Vera's answers to these polls, queued; their update ids."""
    voter = make_user(77, "Vera")
    return [int(update["update_id"]) for update in api.push_updates("poll_answer", [
        {"poll_id": poll, "user": voter, "option_ids": [0], "option_persistent_ids": ["0"]}
        for poll in polls
    ])]


def answers_handled_at_once(dispatcher: Dispatcher) -> HeldHandler:
    handler = HeldHandler()
    handler.release.set()
    dispatcher.poll_answer.register(handler.handle)
    return handler


class HeldLane:
    """Takes the answers to polls named "lane-…" from the JSON, done when the test says so."""

    def __init__(self, *, fails: bool = False) -> None:
        self.fails = fails
        self.taken: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def take(self, bot: Bot, updates: Sequence[Mapping[str, Any]]) -> set[int]:
        self.entered.set()
        await self.release.wait()
        if self.fails:
            raise RuntimeError("the lane's database is gone")
        mine = {int(update["update_id"]): str(update["poll_answer"]["poll_id"])
                for update in updates
                if str(update.get("poll_answer", {}).get("poll_id", "")).startswith("lane-")}
        self.taken.extend(mine.values())
        return set(mine)


def polling(
    dispatcher: Dispatcher, bot: Bot, stop: Shutdown,
    unfinished: UnfinishedUpdates | None = None, *, stop_on_signals: bool = True,
    lane: UpdateLane | None = None,
) -> asyncio.Task[None]:
    return asyncio.create_task(poll(dispatcher, bot,
                                    allowed_updates=dispatcher.resolve_used_update_types(),
                                    polling_timeout=1, backoff_config=NO_WAIT, shutdown=stop,
                                    unfinished=unfinished, lane=lane,
                                    stop_on_signals=stop_on_signals))


async def test_a_page_is_confirmed_only_after_all_its_answers_were_handled(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    handler = HeldHandler()
    dispatcher = Dispatcher()
    dispatcher.poll_answer.register(handler.handle)
    ids = answers(fake_api, 3)
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop)

    await handler.entered.wait()
    for _ in range(20):  # give a careless loop every chance to ask for the next page
        await asyncio.sleep(0)
    assert sorted(handler.started) == ["poll-0", "poll-1", "poll-2"]  # handled together
    assert fake_api.unconfirmed_count == 3

    handler.release.set()
    await fake_api.wait_for_call(
        "getUpdates", lambda call: call.params.get("offset") == ids[-1] + 1
    )
    assert fake_api.unconfirmed_count == 0
    stop.begin()
    await task


async def test_the_lane_takes_its_updates_first_and_the_page_waits_for_it(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    dispatcher = Dispatcher()
    handler = answers_handled_at_once(dispatcher)
    ids = answers_to(fake_api, "lane-1", "private-1", "lane-2")
    lane = HeldLane()
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop, lane=lane)

    await lane.entered.wait()
    for _ in range(20):
        await asyncio.sleep(0)
    assert handler.started == []  # the dispatcher's turn comes after the lane's
    assert fake_api.unconfirmed_count == 3
    lane.release.set()
    await fake_api.wait_for_call(
        "getUpdates", lambda call: call.params.get("offset") == ids[-1] + 1
    )
    stop.begin()
    await task

    assert lane.taken == ["lane-1", "lane-2"]
    assert handler.finished == ["private-1"]


async def test_when_the_lane_fails_the_dispatcher_handles_the_whole_page(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    dispatcher = Dispatcher()
    handler = answers_handled_at_once(dispatcher)
    answers_to(fake_api, "lane-1", "private-1")
    lane = HeldLane(fails=True)
    lane.release.set()
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop, lane=lane)

    await fake_api.wait_for_call("getUpdates", lambda call: bool(call.params.get("offset")))
    stop.begin()
    await task

    assert sorted(handler.finished) == ["lane-1", "private-1"]
    assert fake_api.unconfirmed_count == 0


async def test_an_update_that_does_not_parse_is_skipped_not_fetched_for_ever(
    fake_api: FakeBotAPI, aiogram_bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = Dispatcher()
    handler = answers_handled_at_once(dispatcher)
    voter = make_user(77, "Vera")
    broken, _ = fake_api.push_updates("poll_answer", [
        {"poll_id": "poll-broken", "user": voter, "option_ids": "not a list"},
        {"poll_id": "poll-fine", "user": voter, "option_ids": [0], "option_persistent_ids": ["0"]},
    ])
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop)

    await asyncio.wait_for(handler.entered.wait(), 5)
    stop.begin()
    await task

    assert handler.finished == ["poll-fine"]
    assert fake_api.unconfirmed_count == 0
    assert f"update {broken['update_id']} does not parse: skipped" in caplog.text


async def test_other_updates_finish_in_the_background_and_a_stop_waits_for_them(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    slow_press = asyncio.Event()
    pressed: list[str] = []

    async def press(callback: CallbackQuery) -> None:
        await slow_press.wait()
        pressed.append(str(callback.data))

    dispatcher = Dispatcher()
    dispatcher.poll_answer.register(HeldHandler().handle)
    dispatcher.callback_query.register(press)
    (update,) = fake_api.push_updates("callback_query", [
        {"id": "press-1", "from": make_user(78, "Pavel"), "chat_instance": "c", "data": "next"}
    ])
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop)

    await fake_api.wait_for_call(
        "getUpdates", lambda call: call.params.get("offset") == int(update["update_id"]) + 1
    )  # the press is still being handled: it does not hold up the answers behind it
    stop.begin()
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done()
    assert pressed == []
    slow_press.set()
    await task
    assert pressed == ["next"]


async def test_a_page_s_other_updates_start_once_its_answers_are_handled(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    handler = HeldHandler()
    pressed: list[str] = []

    async def press(callback: CallbackQuery) -> None:
        pressed.append(str(callback.data))

    dispatcher = Dispatcher()
    dispatcher.poll_answer.register(handler.handle)
    dispatcher.callback_query.register(press)
    fake_api.push_updates("callback_query", [
        {"id": "press-1", "from": make_user(78, "Pavel"), "chat_instance": "c", "data": "next"}
    ])
    answers(fake_api, 2)
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop)

    await handler.entered.wait()
    for _ in range(20):
        await asyncio.sleep(0)
    assert pressed == []  # its queries would slow down the answers' write
    handler.release.set()
    stop.begin()
    await task
    assert pressed == ["next"]


async def test_a_stop_lets_the_page_in_hand_finish_and_confirms_it(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    handler = HeldHandler()
    dispatcher = Dispatcher()
    dispatcher.poll_answer.register(handler.handle)
    at_shutdown: list[list[str]] = []

    async def on_shutdown() -> None:
        at_shutdown.append(list(handler.finished))

    dispatcher.shutdown.register(on_shutdown)
    answers(fake_api, 2)
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop)
    await handler.entered.wait()

    stop.begin()
    for _ in range(20):
        await asyncio.sleep(0)
    assert not task.done()
    handler.release.set()
    await task

    assert sorted(handler.finished) == ["poll-0", "poll-1"]
    assert [sorted(done) for done in at_shutdown] == [["poll-0", "poll-1"]]
    assert fake_api.unconfirmed_count == 0


async def test_a_failed_request_is_retried(fake_api: FakeBotAPI, aiogram_bot: Bot) -> None:
    dispatcher = Dispatcher()
    handler = answers_handled_at_once(dispatcher)
    fake_api.fail_next("getUpdates", server_error(502), times=2)
    answers(fake_api, 1)
    stop = Shutdown()
    task = polling(dispatcher, aiogram_bot, stop)

    await handler.entered.wait()
    stop.begin()
    await task

    assert handler.finished == ["poll-0"]
    assert fake_api.unconfirmed_count == 0


async def test_an_update_still_running_when_the_grace_period_ends_is_kept_and_comes_first(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    never = asyncio.Event()
    pressed: asyncio.Queue[str] = asyncio.Queue()

    async def stuck_press(callback: CallbackQuery) -> None:
        pressed.put_nowait(str(callback.data))
        await never.wait()  # a reply waiting on a chat's rate limit, say

    dispatcher = Dispatcher()
    dispatcher.callback_query.register(stuck_press)
    fake_api.push_updates("callback_query", [
        {"id": "press-1", "from": make_user(78, "Pavel"), "chat_instance": "c", "data": "next"}
    ])
    kept = DatabaseUnfinishedUpdates(session_factory, lambda: datetime.now(UTC))
    stop = Shutdown(grace_seconds=0.5)
    task = polling(dispatcher, aiogram_bot, stop, kept)
    assert await pressed.get() == "next"
    stop.begin()
    await asyncio.wait_for(task, 1.0)  # bounded by the grace period, not by the handler
    assert fake_api.unconfirmed_count == 0
    assert [update.callback_query.data for update in await kept.take()
            if update.callback_query] == ["next"]

    never.set()  # the next start: the kept press is handled first, then forgotten
    stop = Shutdown(grace_seconds=5)
    task = polling(dispatcher, aiogram_bot, stop, kept)
    assert await pressed.get() == "next"
    stop.begin()
    await task
    assert await kept.take() == []


async def test_without_stop_on_signals_the_process_s_signals_are_left_alone(
    fake_api: FakeBotAPI, aiogram_bot: Bot
) -> None:
    """A bot run inside a test's event loop: SIGTERM stays the test's, only the shutdown stops
    the polling."""
    loop = asyncio.get_running_loop()
    received: list[str] = []
    loop.add_signal_handler(signal.SIGTERM, received.append, "the test's own handler")
    try:
        stop = Shutdown()
        task = polling(Dispatcher(), aiogram_bot, stop, stop_on_signals=False)
        await fake_api.wait_for_call("getUpdates", finished=False)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(20):
            await asyncio.sleep(0)
        assert received == ["the test's own handler"]
        assert not stop.started
        stop.begin()
        await task
    finally:
        assert loop.remove_signal_handler(signal.SIGTERM)  # still installed after the polling
