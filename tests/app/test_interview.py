"""A mock interview, with a quiz left to run out of time."""

from __future__ import annotations

from datetime import timedelta

from tests.app.conftest import ALICE_ID, StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import Call, FakeBotAPI
from tests.users import Learner, buttons, labels

QUIZ_SECONDS = 5  # the shortest open period Telegram allows


async def next_question(learner: Learner) -> Call:
    """The bot's next quiz poll or open question (with its "Show answer") to this learner."""
    return await learner.api.wait_for_call(
        None,
        lambda call: call.params.get("chat_id") == learner.id and (
            call.method == "sendPoll" or "Показать ответ" in labels(call)
        ),
    )


async def test_a_short_interview_with_a_timed_out_quiz_ends_with_a_scorecard(
    fake_api: FakeBotAPI, start_bot: StartBot, clock: MovableClock,
    database: Database, alice: Learner,
) -> None:
    bot = await start_bot(interview_quiz_seconds=QUIZ_SECONDS)
    polling = await fake_api.wait_for_call("getUpdates")
    assert "poll" in polling.params["allowed_updates"]  # how a closed poll is heard of

    usage = await alice.says("/interview 99")
    assert usage.params["text"].startswith("Используйте /interview или /interview N")
    levels = await alice.says("/interview 3")
    assert labels(levels) == ["Junior", "Middle", "Senior", "Любой"]
    intro = await alice.presses(levels, "Любой")
    assert intro.params["text"].startswith(f"Начинаем! На квиз — {QUIZ_SECONDS} с")

    timed_out = 0
    for number in range(1, 4):
        asked = await next_question(alice)
        if asked.method == "sendPoll":
            assert asked.params["open_period"] == QUIZ_SECONDS
            if not timed_out:
                # Alice does not answer; Telegram closes the poll when its period is over.
                clock.move(timedelta(seconds=QUIZ_SECONDS + 1))
                notice = await alice.reply()
                assert notice.params["text"].startswith("⏰ Время на квиз вышло")
                timed_out += 1
            else:
                fake_api.answer_poll(alice.user, asked.result["poll"]["id"],
                                     asked.params["correct_option_ids"])
        else:
            assert asked.params["text"].startswith(f"Вопрос {number} из 3 · ⏱ 3 мин")
            answer = await alice.presses(asked, "Показать ответ")
            assert labels(answer) == ["Не вспомнил", "Трудно", "Хорошо", "Легко"]
            await alice.presses(answer, "Хорошо", expect="answerCallbackQuery")
    assert timed_out == 1  # three of the four items include at least one of the two quizzes

    scorecard = await alice.api.wait_for_call(
        "sendMessage", lambda call: call.params["text"].startswith("🏁 Собеседование окончено")
    )
    text = scorecard.params["text"]
    assert "Результат: 2 из 3 (67%)" in text
    assert "Не успели ответить: 1" in text
    assert "Стоит подтянуть: Регуляризация" in text
    (drill_link,) = buttons(scorecard)
    assert drill_link["text"] == "Тренировать: Регуляризация"
    assert drill_link["url"] == (
        f"https://t.me/{fake_api.bot_user['username']}?start=topic_regularization"
    )
    # No explanation posts in the middle of an interview: the scorecard is the verdict.
    assert not [t for t in alice.received() if t.startswith(("✅", "❌"))]

    await bot.stop()
    outcomes = database.query(
        "SELECT outcome FROM interview_items ORDER BY position")
    assert sorted(outcome for (outcome,) in outcomes) == ["correct", "correct", "missed"]
    # Every item fed spaced repetition, the missed one as "again".
    ratings = database.query("SELECT last_rating FROM cards WHERE user_id = :user", user=ALICE_ID)
    assert len(ratings) == 3
    assert (1,) in ratings


async def test_a_quiz_that_runs_out_while_the_bot_is_down_is_settled_after_the_restart(
    start_bot: StartBot, clock: MovableClock, database: Database, alice: Learner,
) -> None:
    first = await start_bot(interview_quiz_seconds=QUIZ_SECONDS)
    levels = await alice.says("/interview 1")
    await alice.presses(levels, "Junior")  # the bank's only junior item is a quiz
    quiz = await alice.reply("sendPoll")
    assert quiz.params["question"] == "Какой эффект даёт L2-регуляризация?"
    await first.stop()

    clock.move(timedelta(seconds=QUIZ_SECONDS + 1))  # the poll closes meanwhile
    second = await start_bot(interview_quiz_seconds=QUIZ_SECONDS)
    notice = await alice.reply()
    assert notice.params["text"].startswith("⏰ Время на квиз вышло")
    scorecard = await alice.reply()
    assert "Результат: 0 из 1 (0%)" in scorecard.params["text"]
    await second.stop()
    assert database.query("SELECT status FROM interviews") == [("finished",)]
