"""Every daily post ends as the channel's do: hashtags, the signature, and when the answer
comes, in the chat's own zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.daily import subscriptions
from bot.platform.db.engine import create_engine, create_session_factory
from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI
from tests.users import to

ZONE = ZoneInfo("Asia/Kathmandu")  # +05:45
QUIZ_GROUP, QUESTION_GROUP, TASK_CHANNEL = -1001000000011, -1001000000012, -1001000000013
SIGNATURE = "@ml_interview"


async def subscribe(database: Database, slot: datetime, now: datetime, reveal_after: int) -> None:
    engine = create_engine(database.url)
    local = slot.astimezone(ZONE).time()
    plans = [(QUIZ_GROUP, "supergroup", "quiz"), (QUESTION_GROUP, "supergroup", "question"),
             (TASK_CHANNEL, "channel", "task")]
    async with create_session_factory(engine)() as session, session.begin():
        for chat_id, chat_type, kind in plans:
            await subscriptions.subscribe(session, chat_id=chat_id, chat_type=chat_type,
                                          by_user=1, now=now, timezone=ZONE.key,
                                          times=[time(local.hour, local.minute)])
            await subscriptions.set_kinds(session, chat_id, [kind], now)
            await subscriptions.set_reveal_after(session, chat_id, reveal_after, now)
    await engine.dispose()


async def test_quiz_question_and_task_posts_end_with_hashtags_signature_and_answer_time(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    await subscribe(database, slot, clock(), reveal_after=5)
    fake_api.add_chat(QUIZ_GROUP, "supergroup", "Quizzes")
    fake_api.add_chat(QUESTION_GROUP, "supergroup", "Questions")
    fake_api.add_chat(TASK_CHANNEL, "channel", "Tasks")
    await start_bot(signature=SIGNATURE)

    clock.move_to(slot)
    answer_at = f"Ответ — в {(slot + timedelta(minutes=5)).astimezone(ZONE):%H:%M}"
    quiz = await fake_api.wait_for_call("sendPoll", to(QUIZ_GROUP))
    question = await fake_api.wait_for_call("sendMessage", to(QUESTION_GROUP))
    task = await fake_api.wait_for_call("sendMessage", to(TASK_CHANNEL))
    assert quiz.params["description"].endswith(
        f"#регуляризация #тест #{'l2' if 'L2' in quiz.params['question'] else 'l1'}\n"
        f"{SIGNATURE}\n{answer_at}")
    assert question.params["text"].endswith(
        f"\n\n#метрики #вопросы_с_собеседований #roc\n{SIGNATURE}\n{answer_at}")
    assert task.params["text"].startswith("📌 Задача про метрики")
    assert task.params["text"].endswith(f"\n\n#метрики #задача\n{SIGNATURE}\n{answer_at}")


async def test_an_answer_on_another_day_names_the_date(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    await subscribe(database, slot, clock(), reveal_after=24 * 60)
    for chat_id in (QUIZ_GROUP, QUESTION_GROUP, TASK_CHANNEL):
        fake_api.add_chat(chat_id, "channel" if chat_id == TASK_CHANNEL else "supergroup")
    await start_bot()

    clock.move_to(slot)
    question = await fake_api.wait_for_call("sendMessage", to(QUESTION_GROUP))
    tomorrow = (slot + timedelta(days=1)).astimezone(ZONE)
    assert question.params["text"].endswith(
        f"#roc\n@{fake_api.username}\nОтвет — {tomorrow:%d.%m} в {tomorrow:%H:%M}")
