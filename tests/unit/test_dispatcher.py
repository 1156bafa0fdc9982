"""The app built by create_dispatcher, fed updates in-process with an injected clock and dice;
on PostgreSQL, with the server killing a connection under an update."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_dispatcher
from bot.platform.content.files import read_content_dir
from bot.platform.content.sync import load_content
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.db.models import HandledUpdate, ItemView, SentPoll
from bot.platform.i18n import create_i18n
from bot.platform.telegram.middlewares import callback_data_classes, callback_data_prefixes
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


async def test_an_update_delivered_again_is_dropped_until_telegram_no_longer_keeps_it(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await load_content(session_factory, read_content_dir(E2E_CONTENT), lambda: FROZEN)
    now = FROZEN
    dispatcher = create_dispatcher(session_factory=session_factory, i18n=create_i18n("ru"),
                                   signature="@test", clock=lambda: now)
    start = fake_api.send_text(make_user(2100, "Ира"), "/start")
    for _ in range(3):
        await dispatcher.feed_raw_update(aiogram_bot, start)
    assert len(fake_api.calls_of("sendMessage", chat_id=2100)) == 1

    now = FROZEN + timedelta(hours=27)  # the next update purges marks Telegram can't repeat
    await dispatcher.feed_raw_update(aiogram_bot, fake_api.send_text(make_user(2100, "Ира"),
                                                                     "/help"))
    async with session_factory() as session:
        marks = (await session.scalars(select(HandledUpdate.update_id))).all()
    assert start["update_id"] not in marks
    assert len(marks) == 1


async def test_an_absurd_argument_is_quoted_shortened_so_the_reply_still_goes_out(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await load_content(session_factory, read_content_dir(E2E_CONTENT), lambda: FROZEN)
    dispatcher = create_dispatcher(session_factory=session_factory, i18n=create_i18n("ru"),
                                   signature="@test", clock=lambda: FROZEN)
    absurd = "Europe/" + "x" * 4000
    await dispatcher.feed_raw_update(
        aiogram_bot, fake_api.send_text(make_user(2200, "Ира"), f"/subscribe {absurd}"))
    reply = await fake_api.wait_for_call("sendMessage", lambda call: call.params["chat_id"] == 2200)
    assert reply.ok
    assert "«Europe/xxxx" in reply.params["text"]
    assert "…»" in reply.params["text"]
    assert len(reply.params["text"]) < 1000


async def test_top_in_private_says_it_ranks_a_group(
    fake_api: FakeBotAPI, aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    dispatcher = create_dispatcher(session_factory=session_factory, i18n=create_i18n("ru"),
                                   signature="@test", clock=lambda: FROZEN)
    await dispatcher.feed_raw_update(aiogram_bot, fake_api.send_text(make_user(2300, "Ира"),
                                                                     "/top"))
    reply = await fake_api.wait_for_call("sendMessage", lambda call: call.params["chat_id"] == 2300)
    assert reply.params["text"].startswith("/top — рейтинг участников группы")


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


def test_every_button_kind_packs_with_the_separator_the_stale_button_check_reads() -> None:
    # bot.app (imported above) imports every feature: all the bot's button kinds are defined.
    for kind in callback_data_classes():
        assert kind.__separator__ == ":", kind
    assert {"next", "grade", "reveal"} <= callback_data_prefixes()
