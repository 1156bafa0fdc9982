"""The explanation of a quiz answer in a private chat, when PostgreSQL kills the update's
connection after the answer was committed (the recorder's own transaction) and before the
explanation went out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from aiogram import Bot
from sqlalchemy import func, select

from bot.app import create_dispatcher
from bot.platform.content.files import read_content_dir
from bot.platform.content.sync import load_content
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.models import Attempt
from bot.platform.i18n import create_i18n
from tests.databases import kill_connection_before
from tests.fakebot import FakeBotAPI, make_user

E2E_CONTENT = Path(__file__).resolve().parents[1] / "e2e" / "content"
NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
LEARNER = 2400


async def test_an_answer_recorded_before_its_update_lost_the_connection_is_still_explained(
    fake_api: FakeBotAPI, aiogram_bot: Bot, postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    session_factory = create_session_factory(engine)
    await load_content(session_factory, read_content_dir(E2E_CONTENT), lambda: NOW)
    dispatcher = create_dispatcher(session_factory=session_factory, i18n=create_i18n("ru"),
                                   signature="@test", clock=lambda: NOW)
    learner = make_user(LEARNER, "Ира")
    try:
        await dispatcher.feed_raw_update(aiogram_bot, fake_api.send_text(learner, "/quiz"))
        quiz = await fake_api.wait_for_call("sendPoll")
        # The card for the explanation is read after the answer is committed.
        killed = kill_connection_before(engine, "SELECT items.")
        await dispatcher.feed_raw_update(
            aiogram_bot, fake_api.answer_poll(learner, quiz.result["poll"]["id"], [0]))

        assert killed
        explanation = await fake_api.wait_for_call(
            "sendMessage", lambda call: call.params["chat_id"] == LEARNER, timeout=5)
        keyboard = explanation.params["reply_markup"]["inline_keyboard"]
        assert [button["text"] for row in keyboard for button in row] == ["Дальше ▶"]
        assert len(fake_api.calls_of("sendMessage", chat_id=LEARNER)) == 1
        async with session_factory() as session:
            assert await session.scalar(select(func.count()).select_from(Attempt)) == 1
    finally:
        await engine.dispose()
