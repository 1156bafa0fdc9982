"""A member who answers a group's quiz gets a note only they see (an ephemeral message): right
or wrong, their streak in this chat, a link to drill the topic in private; the group's own
history stays clean, and a group can turn the notes off."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from typing import Any

from bot.daily import subscriptions
from bot.platform.db.engine import create_engine, create_session_factory
from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.app.test_fair_quizzes import GROUP, first_daily_quiz, right_and_wrong
from tests.databases import Database
from tests.fakebot import FakeBotAPI, make_user
from tests.users import ChatUser, settled, to

ANYA = make_user(11, "Аня")
BORYA = make_user(12, "Боря", language_code="en")


def notes_to(fake_api: FakeBotAPI, user_id: int) -> list[dict[str, Any]]:
    return [message for message in fake_api.ephemeral_messages
            if message["receiver_user"]["id"] == user_id]


async def eventually_noted(fake_api: FakeBotAPI, user_id: int, count: int) -> None:
    for _ in range(200):
        if len(notes_to(fake_api, user_id)) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user_id} got {notes_to(fake_api, user_id)}")


async def test_a_member_who_answers_a_daily_quiz_gets_a_note_only_they_see(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    quiz, _ = await first_daily_quiz(start_bot, fake_api, database, clock, members=[ANYA, BORYA])
    anya = ChatUser(fake_api, ANYA, GROUP)
    right, wrong = right_and_wrong(quiz)
    fake_api.answer_poll(ANYA, quiz.result["poll"]["id"], right)
    fake_api.answer_poll(BORYA, quiz.result["poll"]["id"], wrong[:1])
    await eventually_noted(fake_api, ANYA["id"], 1)
    await eventually_noted(fake_api, BORYA["id"], 1)
    # The answers were stored before the notes went out.
    assert database.query("SELECT user_id, is_correct FROM attempts ORDER BY user_id") == [
        (11, True), (12, False)]

    [note] = notes_to(fake_api, ANYA["id"])
    assert note["text"] == ("✅ Верно — это видите только вы.\n"
                            "🔥 Серия в этом чате: 1 верный ответ подряд")
    [[link]] = note["reply_markup"]["inline_keyboard"]
    assert link["text"] == "🎯 Тренировать тему в личке"
    assert link["url"] == f"https://t.me/{fake_api.username}?start=topic_regularization"
    [english] = notes_to(fake_api, BORYA["id"])  # in the member's own language
    assert english["text"] == ("❌ Wrong — only you see this. The answer follows in the chat.\n"
                               "Your streak in this chat starts again with the next quiz.")
    history = [message["message_id"] for message in fake_api.sent_messages(GROUP)]
    assert history == [quiz.result["message_id"]]  # the group's history: the quiz only

    second = await anya.says("/quiz", expect="sendPoll")
    fake_api.answer_poll(ANYA, second.result["poll"]["id"], right_and_wrong(second)[0])
    await eventually_noted(fake_api, ANYA["id"], 2)
    assert notes_to(fake_api, ANYA["id"])[-1]["text"] == (
        "✅ Верно — это видите только вы.\n🔥 Серия в этом чате: 2 верных ответа подряд")


async def test_a_group_that_turned_notes_off_gets_none(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    quiz, bot = await first_daily_quiz(start_bot, fake_api, database, clock,
                                       setting="private_feedback = false", members=[ANYA])
    fake_api.answer_poll(ANYA, quiz.result["poll"]["id"], right_and_wrong(quiz)[0])
    await settled(database, "SELECT count(*) FROM attempts", [(1,)])
    await bot.stop()
    assert fake_api.ephemeral_messages == []


FORUM = -1001555000011


async def test_in_a_forum_the_note_goes_to_the_quiz_s_topic_by_the_topic_s_setting(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    fake_api.add_chat(FORUM, "supergroup", "ML forum", owner=BORYA, members=[ANYA],
                      is_forum=True)
    quizzes = fake_api.create_topic(FORUM, "Квизы", by=BORYA)
    quiet = fake_api.create_topic(FORUM, "Тихая", by=BORYA)
    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    engine = create_engine(database.url)
    async with create_session_factory(engine)() as session, session.begin():
        for topic in (quizzes, quiet):
            await subscriptions.subscribe(
                session, chat_id=FORUM, chat_type="supergroup", by_user=BORYA["id"],
                now=clock(), timezone="UTC", times=[time(slot.hour, slot.minute)],
                thread_id=topic)
            await subscriptions.set_kinds(session, FORUM, ("quiz",), clock(), thread_id=topic)
        await subscriptions.set_private_feedback(session, FORUM, False, clock(),
                                                 thread_id=quiet)
    await engine.dispose()
    bot = await start_bot()

    clock.move_to(slot)
    daily = await fake_api.wait_for_call("sendPoll", to(FORUM, quizzes))
    fake_api.answer_poll(ANYA, daily.result["poll"]["id"], right_and_wrong(daily)[0])
    await eventually_noted(fake_api, ANYA["id"], 1)
    assert notes_to(fake_api, ANYA["id"])[0]["message_thread_id"] == quizzes

    silent = await ChatUser(fake_api, ANYA, FORUM, thread_id=quiet).says(
        "/quiz", expect="sendPoll")
    fake_api.answer_poll(ANYA, silent.result["poll"]["id"], right_and_wrong(silent)[0])
    await settled(database, "SELECT count(*) FROM attempts", [(2,)])
    one_off = await ChatUser(fake_api, ANYA, FORUM, thread_id=quizzes).says(
        "/quiz", expect="sendPoll")
    fake_api.answer_poll(ANYA, one_off.result["poll"]["id"], right_and_wrong(one_off)[0])
    await eventually_noted(fake_api, ANYA["id"], 2)
    await bot.stop()
    # The quiet topic turned its notes off; the one-off quiz's note went to its topic.
    assert [note["message_thread_id"] for note in notes_to(fake_api, ANYA["id"])] == [
        quizzes, quizzes]
