"""/remind and the daily reminder, against the real bot process."""

from __future__ import annotations

import pytest

from tests.databases import Database
from tests.e2e.conftest import Learner, StartBot
from tests.fakebot import FakeBotAPI, make_user

ALICE_ID = 1001
LONG_AGO = "2000-01-01 00:00:00.000000"


@pytest.fixture
def alice(fake_api: FakeBotAPI) -> Learner:
    return Learner(fake_api, make_user(ALICE_ID, "Алиса"))


async def test_a_reminder_is_set_sent_once_when_cards_are_due_and_starts_a_drill(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database: Database, alice: Learner,
) -> None:
    first = await bot_process(bot_settings)
    status = await alice.says("/remind")
    assert status.params["text"].startswith("Напоминание выключено.")
    assert (await alice.says("/remind 25:00")).params["text"].startswith("Не понял время.")
    confirmed = await alice.says("/remind 19:00")
    assert confirmed.params["text"] == (
        "Готово: напомню в 19:00 (Europe/Moscow), если будут карточки к повторению."
    )
    quiz = await alice.says("/quiz", expect="sendPoll")
    wrong = next(i for i in range(len(quiz.params["options"]))
                 if i not in quiz.params["correct_option_ids"])
    await alice.answers(quiz, [wrong])
    assert await first.stop() == 0

    # Time passes while the bot is down: the card and the reminder fall due.
    database.execute("UPDATE cards SET due = :due", due=LONG_AGO)
    database.execute("UPDATE learner_settings SET next_reminder_at = :due", due=LONG_AGO)
    second = await bot_process(bot_settings)
    reminder = await alice.reply()
    assert reminder.params["text"].startswith("🔔 Карточек к повторению: 1.")
    drill = await alice.presses(reminder, "Начать тренировку ▶", expect="sendPoll")
    assert drill.params["question"] == quiz.params["question"]  # the due card comes first
    assert await second.stop() == 0

    # Claimed before it was sent: a restart the same day does not send it again.
    third = await bot_process(bot_settings)
    await alice.says("/help")
    assert await third.stop() == 0
    reminders = [t for t in fake_api.sent_texts(ALICE_ID) if t.startswith("🔔")]
    assert len(reminders) == 1
    assert database.query("SELECT count(*) FROM learner_settings WHERE next_reminder_at > :due",
                          due=LONG_AGO) == [(1,)]
