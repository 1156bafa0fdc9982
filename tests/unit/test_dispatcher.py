"""The app built by create_dispatcher, fed updates in-process with an injected clock and dice;
on PostgreSQL, with the server killing a connection under an update."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from random import Random

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher, load_content
from bot.content.files import read_content_dir
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import ItemView, SentPoll
from bot.telegram.i18n import create_i18n
from tests.databases import kill_connection_before
from tests.fakebot import FakeBotAPI, make_user

E2E_CONTENT = Path(__file__).resolve().parents[1] / "e2e" / "content"
FROZEN = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


async def test_quiz_command_uses_the_injected_clock_and_random_source(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await load_content(session_factory, read_content_dir(E2E_CONTENT), lambda: FROZEN)
    questions: list[str] = []
    for seed in (0, 0, 1):
        dispatcher = create_dispatcher(
            session_factory=session_factory, i18n=create_i18n("ru"), signature="@test",
            clock=lambda: FROZEN, rng=Random(seed),
        )
        user = make_user(2000 + len(questions), "Ира")  # a new learner each time: nothing seen
        update = fake_api.send_text(user, "/quiz")
        await dispatcher.feed_raw_update(aiogram_bot, update)
        sent = await fake_api.wait_for_call("sendPoll")
        questions.append(sent.params["question"])
    assert questions[0] == questions[1]  # same seed, same card
    assert questions[2] != questions[0]  # the choice really follows the random source

    async with session_factory() as session:
        views = (await session.scalars(select(ItemView.shown_at))).all()
        polls = (await session.scalars(select(SentPoll.sent_at))).all()
    assert set(views) == set(polls) == {FROZEN}


async def test_a_quiz_poll_whose_record_loses_its_connection_goes_out_once_and_is_known(
    fake_api: FakeBotAPI, aiogram_bot: Bot, postgres_url: str,
) -> None:
    engine = create_engine(postgres_url)
    session_factory = create_session_factory(engine)
    await load_content(session_factory, read_content_dir(E2E_CONTENT), lambda: FROZEN)
    # As a failover does, while the poll is on its way to the learner.
    killed = kill_connection_before(engine, "INSERT INTO sent_polls")
    dispatcher = create_dispatcher(session_factory=session_factory, i18n=create_i18n("ru"),
                                   signature="@test", clock=lambda: FROZEN)
    try:
        await dispatcher.feed_raw_update(
            aiogram_bot, fake_api.send_text(make_user(2100, "Ира"), "/quiz"))

        assert killed
        (poll,) = fake_api.polls_sent()  # not a second one by a retry of the update
        async with session_factory() as session:  # an answer to it will be judged and counted
            assert (await session.scalars(select(SentPoll.poll_id))).all() == [poll.id]
    finally:
        await engine.dispose()
