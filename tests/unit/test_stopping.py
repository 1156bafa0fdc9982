"""SIGTERM right after ordinary activity stops the whole app cleanly, every time.

The app runs in this process (``App.serve`` as ``bot.app.run``, the coroutine ``python -m bot``
runs, serves it), so twenty starts and stops take seconds; the signal is a real SIGTERM to this
process, which the polling loop handles while it runs. Its pace of sends runs on skipped time:
a private chat's second message would otherwise wait a real second, and pacing is not what
is tested here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.app import App, create_rate_limiter
from bot.platform.config import Settings
from bot.platform.shutdown import Shutdown
from tests.app.harness import SkippedTime
from tests.e2e.conftest import Learner, button_data
from tests.fakebot import FakeBotAPI, make_user
from tests.fakebot.fixtures import TEST_TOKEN

E2E_CONTENT = Path(__file__).resolve().parents[1] / "e2e" / "content"
GRACE_SECONDS = 3.0
STOPS = 20


def settings(api: FakeBotAPI, database_url: str) -> Settings:
    return Settings(bot_token=TEST_TOKEN, telegram_api_url=api.url, database_url=database_url,
                    content_dir=E2E_CONTENT, shutdown_grace_seconds=GRACE_SECONDS,
                    rich_messages=False)  # the explanation is read as entity text


async def answer_a_quiz(alice: Learner) -> None:
    quiz = await alice.says("/quiz", expect="sendPoll")
    await alice.answers(quiz, quiz.params["correct_option_ids"])


async def answer_again(alice: Learner) -> None:
    """The last answer delivered again, as Telegram does after a timeout."""
    alice.api.push_update("poll_answer", alice.last_answer["poll_answer"])
    await alice.api.wait_delivered(alice.api.pending_updates[-1])


async def press_a_button(alice: Learner) -> None:
    question = await alice.says("/question")
    alice.api.click(alice.user, question.result, button_data(question, "Показать ответ"))
    await alice.reply()


ACTIVITIES: tuple[Callable[[Learner], Awaitable[None]], ...] = (
    answer_a_quiz, answer_again, press_a_button,
)


def start(config: Settings) -> asyncio.Task[None]:
    pace = SkippedTime()
    limiter = create_rate_limiter(config, monotonic=pace.monotonic, sleep=pace.sleep)
    app = App(config, rate_limiter=limiter)
    return asyncio.create_task(app.serve(Shutdown(config.shutdown_grace_seconds)))


async def stop_with_sigterm(app: asyncio.Task[None]) -> float:
    started = time.monotonic()
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(app, GRACE_SECONDS + 1)
    return time.monotonic() - started


async def test_twenty_stops_right_after_activity_each_end_cleanly(
    fake_api: FakeBotAPI, empty_database_url: str
) -> None:
    alice = Learner(fake_api, make_user(1001, "Алиса"))
    config = settings(fake_api, empty_database_url)
    for stop in range(STOPS):
        polling = fake_api.mark()
        app = start(config)
        await fake_api.wait_for_call("getUpdates", after=polling, timeout=30, finished=False)
        await ACTIVITIES[stop % len(ACTIVITIES)](alice)
        took = await stop_with_sigterm(app)
        assert app.exception() is None
        assert took <= GRACE_SECONDS, f"stop {stop} took {took:.1f} s"
    assert fake_api.unconfirmed_count == 0
