"""A one-off group /quiz gets the daily quiz's reveal after the chat's reveal delay: the poll is
closed, "% correct" and the explanation follow as a reply, also across a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.users import ChatUser, settled, to

GROUP_ID = -1001234567890
ADMIN = make_user(2002, "Артём")
ALICE = make_user(1001, "Алиса")
BOB = make_user(1002, "Bob")


@pytest.fixture
def group(fake_api: FakeBotAPI) -> dict[str, Any]:
    return fake_api.add_chat(GROUP_ID, "supergroup", "ML Club", admins=[ADMIN],
                             members=[ALICE, BOB])


async def test_a_group_quiz_is_revealed_after_the_chats_delay_across_a_restart(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
    group: dict[str, Any],
) -> None:
    first_run = await start_bot()
    quiz = await ChatUser(fake_api, ALICE, GROUP_ID).says("/quiz", expect="sendPoll")
    poll = quiz.result["poll"]
    right = quiz.params["correct_option_ids"]
    fake_api.answer_poll(ALICE, poll["id"], right)
    fake_api.answer_poll(BOB, poll["id"], [next(i for i in range(4) if i not in right)])
    await settled(database, "SELECT count(*) FROM attempts", [(2,)])
    await first_run.stop()

    await start_bot()
    mark = fake_api.mark()
    clock.move(timedelta(minutes=239))
    clock.move(timedelta(minutes=2))  # the default delay: 4 hours
    stop = await fake_api.wait_for_call("stopPoll", to(GROUP_ID), after=mark)
    assert stop.params["message_id"] == quiz.result["message_id"]
    answer = await fake_api.wait_for_call("sendMessage", to(GROUP_ID), after=mark)
    assert answer.params["reply_parameters"]["message_id"] == quiz.result["message_id"]
    assert answer.params["text"].startswith("📊 Правильно ответили 50% (1 из 2)")
    assert database.query("SELECT reveal_due_at, revealed_at IS NOT NULL FROM chat_quiz_reveals"
                          ) == [(None, 1)]


async def test_a_subscribed_chat_reveals_after_its_own_delay(
    fake_api: FakeBotAPI, start_bot: StartBot, database: Database, clock: MovableClock,
    group: dict[str, Any],
) -> None:
    await start_bot()
    admin = ChatUser(fake_api, ADMIN, GROUP_ID)
    await admin.says("/subscribe")
    screen = await admin.says("/settings")
    delays = await admin.presses(screen, "⏱ Ответ через 4 ч", expect="editMessageText")
    await admin.presses(delays, "5 мин", expect="editMessageText")
    quiz = await admin.says("/quiz", expect="sendPoll")
    mark = fake_api.mark()
    clock.move(timedelta(minutes=6))
    answer = await fake_api.wait_for_call("sendMessage", to(GROUP_ID), after=mark)
    assert answer.params["reply_parameters"]["message_id"] == quiz.result["message_id"]
    assert answer.params["text"].startswith("📊 На этот квиз никто не ответил.")
