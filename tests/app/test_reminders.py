"""/remind and the daily reminder, over restarts of the bot."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from tests.app.conftest import StartBot
from tests.app.harness import InProcessBot, MovableClock
from tests.databases import Database
from tests.users import Learner

LONG_AGO = "2000-01-01 00:00:00.000000"
MOSCOW = ZoneInfo("Europe/Moscow")  # the default time zone


async def test_a_reminder_is_set_sent_once_when_cards_are_due_and_starts_a_drill(
    start_bot: StartBot, database: Database, alice: Learner,
) -> None:
    first = await start_bot()
    status = await alice.says("/remind")
    assert status.params["text"].startswith("Напоминание: раз, примерно через сутки")
    assert (await alice.says("/remind 25:00")).params["text"].startswith("Не понял время.")
    confirmed = await alice.says("/remind 19:00")
    assert confirmed.params["text"] == (
        "Готово: напомню в 19:00 (Europe/Moscow), если будет что повторить или выучить."
    )
    quiz = await alice.says("/quiz", expect="sendPoll")
    wrong = next(i for i in range(len(quiz.params["options"]))
                 if i not in quiz.params["correct_option_ids"])
    await alice.answers(quiz, [wrong])
    await first.stop()

    # Time passes while the bot is down: the card and the reminder fall due.
    database.execute("UPDATE cards SET due = :due", due=LONG_AGO)
    database.execute("UPDATE learner_settings SET next_reminder_at = :due", due=LONG_AGO)
    second = await start_bot()
    reminder = await alice.reply()
    assert reminder.params["text"].startswith("🔔 Карточек к повторению: 1.")
    drill = await alice.presses(reminder, "Начать тренировку ▶", expect="sendPoll")
    # The due card comes first, the first of the drill.
    assert drill.params["question"] == "1/10 · " + quiz.params["question"]
    await second.stop()

    # Claimed before it was sent: a restart the same day does not send it again.
    third = await start_bot()
    await alice.says("/help")
    await third.stop()
    reminders = [t for t in alice.received() if t.startswith("🔔")]
    assert len(reminders) == 1
    assert database.query("SELECT count(*) FROM learner_settings WHERE next_reminder_at > :due",
                          due=LONG_AGO) == [(1,)]


async def test_a_reminder_comes_at_its_minute_while_the_bot_runs(
    running_bot: InProcessBot, clock: MovableClock, alice: Learner,
) -> None:
    """The reminder loop naps until the reminder is due: moving the clock there wakes it."""
    await alice.says("/remind 19:00")
    quiz = await alice.says("/quiz", expect="sendPoll")
    wrong = next(i for i in range(len(quiz.params["options"]))
                 if i not in quiz.params["correct_option_ids"])
    await alice.answers(quiz, [wrong])

    now = clock().astimezone(MOSCOW)
    seven = now.replace(hour=19, minute=0, second=0, microsecond=0)
    if seven - now < timedelta(hours=1):  # the card the learner got wrong is due by then
        seven += timedelta(days=1)
    clock.move_to(seven)
    reminder = await alice.reply()
    assert reminder.params["text"].startswith("🔔 Карточек к повторению: 1.")
    assert clock.at(reminder.at).astimezone(MOSCOW).strftime("%H:%M") == "19:00"
