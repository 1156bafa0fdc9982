"""A getUpdates page's answers to group quizzes, recorded from Telegram's JSON before the
dispatcher (the polling's lane); everything else is left to the dispatcher."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.daily.group_answers import GroupAnswers
from bot.daily.private_notes import PrivateNotes
from bot.platform.db.models import Attempt
from bot.platform.i18n import create_i18n
from bot.platform.telegram.metrics import BotMetrics
from bot.study.answer_recorder import AnswerRecorder
from bot.study.polls import PollCache
from tests.unit.test_answer_recorder import count_commits, no_sleep
from tests.unit.test_answers import NOW, sent_quiz

GROUP = -100_500
PRIVATE_LEARNER = 1001


def poll_answer(update_id: int, poll_id: str, user_id: int, options: Any = (1,)) -> dict[str, Any]:
    return {"update_id": update_id, "poll_answer": {
        "poll_id": poll_id, "option_ids": list(options) if isinstance(options, tuple) else options,
        "user": {"id": user_id, "is_bot": False, "first_name": f"Learner {user_id}",
                 "language_code": "en"},
    }}


def lane(session_factory: async_sessionmaker[AsyncSession], metrics: BotMetrics) -> GroupAnswers:
    recorder = AnswerRecorder(session_factory, PollCache(session_factory, retry_delays=(),
                                                         sleep=no_sleep))
    notes = PrivateNotes(session_factory, create_i18n("ru"), "bot", per_minute=0)
    return GroupAnswers(recorder, lambda: NOW, notes, metrics)


async def test_a_page_s_group_answers_are_committed_together_and_the_rest_left(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession],
    aiogram_bot: Bot,
) -> None:
    async with session_factory() as session, session.begin():
        await sent_quiz(session, poll_id="group-poll", chat_id=GROUP)
        await sent_quiz(session, poll_id="private-poll", chat_id=PRIVATE_LEARNER)
    metrics = BotMetrics()
    commits = count_commits(engine)
    page = [
        poll_answer(1, "group-poll", 7001),
        poll_answer(2, "private-poll", PRIVATE_LEARNER),  # explained at once: the dispatcher's
        poll_answer(3, "group-poll", 7002, options=(0,)),
        poll_answer(4, "group-poll", 7003, options=()),  # a retraction
        poll_answer(5, "group-poll", 7004, options="1"),  # not Telegram's shape
        poll_answer(6, "someone-else's-poll", 7005),
        {"update_id": 7, "callback_query": {"id": "press"}},
    ]

    taken = await lane(session_factory, metrics).take(aiogram_bot, page)

    assert taken == {1, 3}
    assert len(commits) == 1
    async with session_factory() as session:
        stored = (await session.execute(
            select(Attempt.user_id, Attempt.is_correct).order_by(Attempt.user_id))).all()
    assert [tuple(row) for row in stored] == [(7001, True), (7002, False)]
    assert metrics.updates.labels("poll_answer", "handled")._value.get() == 2


async def test_a_page_without_group_answers_writes_nothing(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
) -> None:
    commits = count_commits(engine)
    page = [{"update_id": 1, "message": {"message_id": 1}},
            poll_answer(2, "group-poll", 7001, options=())]

    assert await lane(session_factory, BotMetrics()).take(aiogram_bot, page) == set()
    assert commits == []
