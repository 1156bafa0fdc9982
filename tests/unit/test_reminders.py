"""Daily reminders, driven by an injected clock: once a day, only with cards due, never twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.drills.exam import ExamRequest, set_exam
from bot.drills.reminder_loop import MAX_NAP, ReminderLoop
from bot.drills.reminder_rules import (
    AFTER_PRACTICE,
    parse_reminder_time,
    practised,
    set_reminder,
)
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Item, LearnerSettings, ReviewCard
from bot.platform.i18n import LanguageOverrides, create_i18n
from bot.study.learners import set_language, set_new_cards_per_day
from tests.fakebot import FakeBotAPI
from tests.unit.factories import TOPICS, quiz

MOSCOW = ZoneInfo("Europe/Moscow")
ALICE, BOB = 1001, 1002
# 18:00 in Moscow; the reminders are set for 19:00 there (16:00 UTC).
EVENING = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
AT_SEVEN = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(EVENING)


def reminder_loop(
    session_factory: async_sessionmaker[AsyncSession], bot: Bot, clock: Clock
) -> ReminderLoop:
    return ReminderLoop(session_factory, bot, create_i18n("ru"),
                        LanguageOverrides(session_factory), default_zone=MOSCOW, clock=clock)


async def learners_with_cards(
    session_factory: async_sessionmaker[AsyncSession], due: dict[int, int]
) -> None:
    """Each learner gets a 19:00 reminder and ``due[learner]`` cards due before 19:00."""
    async with session_factory() as session, session.begin():
        await sync_content(session, TOPICS, [quiz(f"q{n}") for n in range(3)], EVENING)
        item_ids = list(await session.scalars(select(Item.id)))
        for user_id, count in due.items():
            await set_reminder(session, user_id, time(19, 0), MOSCOW, EVENING)
            for item_id in item_ids[:count]:
                session.add(ReviewCard(
                    user_id=user_id, item_id=item_id, state=2, step=None, stability=2.0,
                    difficulty=5.0, due=EVENING, last_review=EVENING - timedelta(days=2),
                    last_rating=3, reps=2, lapses=0, introduced_at=EVENING - timedelta(days=2),
                ))


def reminders_sent(fake_api: FakeBotAPI) -> list[tuple[int, str]]:
    return [(call.params["chat_id"], call.params["text"])
            for call in fake_api.calls_of("sendMessage")]


def test_reminder_times_are_read_as_a_clock_shows_them() -> None:
    assert parse_reminder_time("19:00") == time(19, 0)
    assert parse_reminder_time(" 7.05 ") == time(7, 5)
    for wrong in ("24:00", "19", "7:5", "evening", "19:60"):
        assert parse_reminder_time(wrong) is None


async def test_a_due_reminder_is_sent_once_at_the_local_time(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 2})
    loop = reminder_loop(session_factory, aiogram_bot, clock)
    assert await loop.send_due() == 0  # 18:00: not yet
    assert await loop.pause() == MAX_NAP

    clock.now = AT_SEVEN - timedelta(seconds=20)
    assert await loop.pause() == timedelta(seconds=20)
    clock.now = AT_SEVEN
    assert await loop.send_due() == 1
    assert await loop.send_due() == 0
    ((chat_id, text),) = reminders_sent(fake_api)
    assert (chat_id, text) == (ALICE, "🔔 Карточек к повторению: 2. "
                                      "Пара минут — и память освежена.")
    start = fake_api.calls_of("sendMessage")[0].params["reply_markup"]["inline_keyboard"]
    assert start[0][0]["text"] == "Начать тренировку ▶"

    # The next one is tomorrow at 19:00 Moscow time.
    async with session_factory() as session:
        settings = await session.get(LearnerSettings, ALICE)
    assert settings is not None
    assert settings.next_reminder_at == AT_SEVEN + timedelta(days=1)


async def test_nothing_waiting_means_no_message_but_tomorrow_still_comes(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 0, BOB: 1})
    async with session_factory() as session, session.begin():
        await set_new_cards_per_day(session, ALICE, 0)  # no card due, none new today
    clock.now = AT_SEVEN + timedelta(minutes=3)
    assert await reminder_loop(session_factory, aiogram_bot, clock).send_due() == 1
    assert [chat for chat, _ in reminders_sent(fake_api)] == [BOB]
    async with session_factory() as session:
        nexts = set(await session.scalars(select(LearnerSettings.next_reminder_at)))
    assert nexts == {AT_SEVEN + timedelta(days=1)}


async def test_with_nothing_due_the_reminder_offers_the_new_cards_of_the_day(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 0})
    async with session_factory() as session, session.begin():
        await set_new_cards_per_day(session, ALICE, 2)  # of the bank's 3 unseen
    clock.now = AT_SEVEN
    assert await reminder_loop(session_factory, aiogram_bot, clock).send_due() == 1
    assert reminders_sent(fake_api) == [
        (ALICE, "🔔 Новых карточек на сегодня: 2. Пара минут — и вы на шаг ближе к "
                "собеседованию."),
    ]


async def test_without_a_time_the_reminder_comes_once_a_day_after_practice_unless_off(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {})
    async with session_factory() as session, session.begin():
        await practised(session, ALICE, EVENING)
        await practised(session, BOB, EVENING)
        await set_reminder(session, BOB, None, MOSCOW, EVENING)  # /remind off
    loop = reminder_loop(session_factory, aiogram_bot, clock)
    clock.now = EVENING + AFTER_PRACTICE - timedelta(seconds=1)
    assert await loop.send_due() == 0
    clock.now = EVENING + AFTER_PRACTICE
    assert await loop.send_due() == 1
    assert [chat for chat, _ in reminders_sent(fake_api)] == [ALICE]
    clock.now += timedelta(days=3)
    assert await loop.send_due() == 0  # once: the next practice sets the next one
    async with session_factory() as session, session.begin():
        await set_reminder(session, BOB, None, MOSCOW, EVENING, after_practice=True)
        await practised(session, BOB, clock.now)
    clock.now += AFTER_PRACTICE
    assert await loop.send_due() == 1
    assert [chat for chat, _ in reminders_sent(fake_api)] == [ALICE, BOB]


async def test_practice_does_not_move_a_reminder_at_a_chosen_time(
    session_factory: async_sessionmaker[AsyncSession], clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 1})
    async with session_factory() as session, session.begin():
        await practised(session, ALICE, EVENING)
    async with session_factory() as session:
        settings = await session.get(LearnerSettings, ALICE)
    assert settings is not None
    assert settings.next_reminder_at == AT_SEVEN


async def test_a_restarted_loop_does_not_send_the_same_reminder_again(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 1})
    clock.now = AT_SEVEN
    assert await reminder_loop(session_factory, aiogram_bot, clock).send_due() == 1
    restarted = reminder_loop(session_factory, aiogram_bot, clock)
    clock.now = AT_SEVEN + timedelta(minutes=1)
    assert await restarted.send_due() == 0
    clock.now = AT_SEVEN + timedelta(days=1)
    assert await restarted.send_due() == 1
    assert len(reminders_sent(fake_api)) == 2


async def test_turned_off_means_no_reminder_and_english_learners_read_english(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 1, BOB: 1})
    async with session_factory() as session, session.begin():
        await set_reminder(session, ALICE, None, MOSCOW, EVENING)
        await set_language(session, BOB, "en")
    clock.now = AT_SEVEN
    assert await reminder_loop(session_factory, aiogram_bot, clock).send_due() == 1
    assert reminders_sent(fake_api) == [
        (BOB, "🔔 Cards due for review: 1. A couple of minutes and your memory is fresh again."),
    ]


async def test_the_loop_sleeps_until_the_next_reminder(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 1})
    clock.now = AT_SEVEN - timedelta(seconds=30)
    naps: list[float] = []

    async def sleep(seconds: float) -> None:
        naps.append(seconds)
        clock.now += timedelta(seconds=seconds)
        if len(naps) == 3:
            raise asyncio.CancelledError

    loop = ReminderLoop(session_factory, aiogram_bot, create_i18n("ru"),
                        LanguageOverrides(session_factory), default_zone=MOSCOW, clock=clock,
                        sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        await loop.run()
    assert naps == [30.0, MAX_NAP.total_seconds(), MAX_NAP.total_seconds()]
    assert len(reminders_sent(fake_api)) == 1


async def test_an_interview_plan_brings_a_reminder_of_its_new_cards(
    session_factory: async_sessionmaker[AsyncSession], aiogram_bot: Bot,
    fake_api: FakeBotAPI, clock: Clock,
) -> None:
    await learners_with_cards(session_factory, {ALICE: 0, BOB: 0})
    async with session_factory() as session, session.begin():
        # Three items, twenty days: one new card a day; Bob has no interview, and hears
        # of new cards as anyone does.
        exam_on = EVENING.astimezone(MOSCOW).date() + timedelta(days=20)
        await set_exam(session, ALICE, ExamRequest(exam_on, None, frozenset()), EVENING)
    clock.now = AT_SEVEN
    assert await reminder_loop(session_factory, aiogram_bot, clock).send_due() == 2
    assert sorted(reminders_sent(fake_api)) == [
        (ALICE, "📅 Новых карточек на сегодня по плану к собеседованию: 1."),
        (BOB, "🔔 Новых карточек на сегодня: 3. Пара минут — и вы на шаг ближе к собеседованию."),
    ]
