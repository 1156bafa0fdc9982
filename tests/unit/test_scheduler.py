"""The daily-post loop against the fake Bot API, with an injected clock: no sleeping."""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.daily import daily_posts, subscriptions
from bot.daily.daily_posts import Lease
from bot.daily.scheduler import DailyScheduler, send_page_size, send_workers_for
from bot.platform.content.files import read_content_dir
from bot.platform.content.sync import load_content
from bot.platform.db.models import Delivery, SentPoll, Subscription
from bot.platform.i18n import create_i18n
from bot.platform.telegram.json_session import JsonBodySession
from bot.platform.telegram.metrics import BotMetrics
from bot.platform.telegram.retry import RetryMiddleware
from bot.platform.wakeup import ScheduleWakeup
from tests.fakebot import (
    FakeBotAPI,
    bad_request,
    delay,
    forbidden,
    make_user,
    server_error,
    too_many_requests,
)

E2E_CONTENT = Path(__file__).resolve().parents[1] / "e2e" / "content"
BERLIN = "Europe/Berlin"
# Monday 2 March 2026, 09:00 in Berlin (CET, UTC+1).
NINE_BERLIN = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
GROUP = -1001234567890
OTHER_GROUP = -1009876543210
LEARNER = 4242


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(fake_api: FakeBotAPI) -> FakeClock:
    """The scheduler's clock, and the fake Bot API's (a quiz's close_date is checked on it)."""
    clock = FakeClock(NINE_BERLIN - timedelta(hours=1))
    fake_api.clock = lambda: clock().timestamp()
    return clock


@pytest.fixture
async def bank(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Two quizzes, one open question and one task."""
    await load_content(session_factory, read_content_dir(E2E_CONTENT), lambda: NINE_BERLIN)


@pytest.fixture
def scheduler_for(
    aiogram_bot: Bot, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock
) -> Callable[..., DailyScheduler]:
    def build(**options: Any) -> DailyScheduler:
        settings: dict[str, Any] = {"bot": aiogram_bot, "grace": timedelta(hours=3),
                                    "rng": Random(7), "bot_username": "drill_bot"}
        settings.update(options)
        return DailyScheduler(session_factory=session_factory,
                              i18n=create_i18n("ru"), signature="@drill_bot", clock=clock,
                              wakeup=ScheduleWakeup(), **settings)
    return build


# Long enough for any answer on a loaded machine (0.3 s was not: ten sends, their connections
# and the fake Bot API in one event loop, all gave up before a request was read).
IMPATIENT_SECONDS = 3.0


@pytest.fixture
async def impatient_bot(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    """A Bot that retries as the app's does, and gives up waiting for an answer after
    IMPATIENT_SECONDS."""
    session = JsonBodySession(api=TelegramAPIServer.from_base(fake_api.url),
                              timeout=IMPATIENT_SECONDS)
    session.middleware(RetryMiddleware())
    bot = Bot(fake_api.token, session=session)
    yield bot
    await bot.session.close()


@pytest.fixture
async def unreachable_bot(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    """A Bot whose every connection is refused: nothing listens on its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = JsonBodySession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{port}"))
    bot = Bot(fake_api.token, session=session)
    yield bot
    await bot.session.close()


async def run_until(
    scheduler: DailyScheduler, clock: FakeClock,
    session_factory: async_sessionmaker[AsyncSession], end: datetime,
) -> None:
    """What the loop does while the clock runs to ``end``: work through what is due, then
    sleep until the next due instant (a slot, a retry, a reveal)."""
    while True:
        await scheduler.run_due()
        async with session_factory() as session:
            due = await daily_posts.earliest_due(session)
        assert due is None or due > clock.now, "a round left due work behind"
        if due is None or due > end:
            return
        clock.now = due


async def subscribe(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    chat_id: int,
    chat_type: str = "supergroup",
    *,
    kinds: tuple[str, ...] | None = None,
    reveal_after_minutes: int | None = None,
) -> subscriptions.SubscriptionView:
    async with session_factory() as session, session.begin():
        view = await subscriptions.subscribe(
            session, chat_id=chat_id, chat_type=chat_type, by_user=1, now=clock(),
            timezone=BERLIN, times=[time(9, 0)],
        )
        if kinds is not None:
            view = await subscriptions.set_kinds(session, chat_id, kinds, clock())
        if reveal_after_minutes is not None:
            view = await subscriptions.set_reveal_after(session, chat_id, reveal_after_minutes,
                                                        clock())
    return view


def posts(api: FakeBotAPI, chat_id: int) -> list[dict[str, Any]]:
    return api.sent_messages(chat_id)


def questions(api: FakeBotAPI, chat_id: int) -> list[dict[str, Any]]:
    """The day's posts, without the answers posted as replies to them."""
    return [message for message in posts(api, chat_id) if "reply_to_message" not in message]


async def deliveries(session_factory: async_sessionmaker[AsyncSession]) -> list[Delivery]:
    async with session_factory() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def subscription_of(
    session_factory: async_sessionmaker[AsyncSession], subscription_id: int
) -> Subscription:
    async with session_factory() as session:
        found = await session.get(Subscription, subscription_id)
        assert found is not None
        return found


@pytest.mark.usefixtures("bank")
async def test_the_post_goes_out_at_the_local_time_once(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    await subscribe(session_factory, clock, GROUP)
    scheduler = scheduler_for()

    clock.now = NINE_BERLIN - timedelta(seconds=1)
    await scheduler.run_due()
    assert posts(fake_api, GROUP) == []

    clock.now = NINE_BERLIN + timedelta(seconds=2)
    await scheduler.run_due()
    await scheduler.run_due()
    assert len(questions(fake_api, GROUP)) == 1

    clock.now += timedelta(days=1)
    await scheduler.run_due()
    assert len(questions(fake_api, GROUP)) == 2


@pytest.mark.usefixtures("bank")
async def test_a_quiz_is_a_public_quiz_poll_in_a_group_and_anonymous_in_a_channel(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    channel = -1001111111111
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    fake_api.add_chat(channel, "channel", "ML channel")
    await subscribe(session_factory, clock, GROUP, kinds=("quiz",))
    await subscribe(session_factory, clock, channel, "channel", kinds=("quiz",))

    clock.now = NINE_BERLIN
    await scheduler_for().run_due()

    group_poll = posts(fake_api, GROUP)[0]["poll"]
    channel_poll = posts(fake_api, channel)[0]["poll"]
    assert (group_poll["type"], group_poll["is_anonymous"]) == ("quiz", False)
    assert (channel_poll["type"], channel_poll["is_anonymous"]) == ("quiz", True)
    async with session_factory() as session:
        recorded = set(await session.scalars(select(SentPoll.poll_id)))
    assert recorded == {group_poll["id"], channel_poll["id"]}  # answers in the group count


@pytest.mark.usefixtures("bank")
async def test_items_do_not_repeat_until_every_matching_item_was_posted(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    await subscribe(session_factory, clock, LEARNER, "private")
    scheduler = scheduler_for()
    for day in range(8):
        clock.now = NINE_BERLIN + timedelta(days=day)
        await scheduler.run_due()

    items = [delivery.item_id for delivery in await deliveries(session_factory)]
    assert len(items) == 8
    assert len(set(items[:4])) == 4  # the whole bank once …
    assert len(set(items[4:])) == 4  # … then a new cycle, again without repeats


@pytest.mark.usefixtures("bank")
async def test_topics_kinds_and_a_pinned_item_decide_what_is_posted(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    await subscribe(session_factory, clock, LEARNER, "private", kinds=("quiz", "task"))
    async with session_factory() as session, session.begin():
        await subscriptions.set_topics(session, LEARNER, ["metrics"], clock())
        await subscriptions.pin_item(session, LEARNER, (NINE_BERLIN + timedelta(days=1)).date(),
                                     "e2e-l1", 1, clock())
    scheduler = scheduler_for()
    for day in range(2):
        clock.now = NINE_BERLIN + timedelta(days=day)
        await scheduler.run_due()

    first, second = questions(fake_api, LEARNER)
    assert first["text"].startswith("📌")  # the only task about metrics
    assert "L1" in second["poll"]["question"]  # the pin wins over the topics and kinds


@pytest.mark.usefixtures("bank")
async def test_downtime_within_grace_posts_once_and_beyond_grace_skips(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler], caplog: pytest.LogCaptureFixture,
) -> None:
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    view = await subscribe(session_factory, clock, GROUP)
    scheduler = scheduler_for(grace=timedelta(hours=3))

    clock.now = NINE_BERLIN + timedelta(days=2, hours=2)  # two days down; today's slot 2 h ago
    await scheduler.run_due()
    await scheduler.run_due()
    assert len(questions(fake_api, GROUP)) == 1

    clock.now = NINE_BERLIN + timedelta(days=3, hours=4)  # down again, 4 h past the slot
    await scheduler.run_due()
    assert len(questions(fake_api, GROUP)) == 1
    assert "skipped the daily post" in caplog.text
    subscription = await subscription_of(session_factory, view.subscription_id)
    assert subscription.next_run_at == NINE_BERLIN + timedelta(days=4)


@pytest.mark.usefixtures("bank")
async def test_a_stop_in_the_middle_of_a_broadcast_then_a_restart_posts_each_chat_once(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    learners = list(range(5001, 5031))
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    first = scheduler_for(send_batch=4)
    broadcast = asyncio.create_task(first.run())
    await fake_api.wait_for_call(None, lambda call: call.params.get("chat_id") == learners[9])
    first.stop()  # SIGTERM: the page in flight finishes, the rest waits for the next start
    await broadcast
    assert 0 < sum(len(posts(fake_api, learner)) for learner in learners) < len(learners)

    restarted = scheduler_for(send_batch=4)
    await restarted.recover()
    await restarted.run_due()
    assert [len(posts(fake_api, learner)) for learner in learners] == [1] * len(learners)


@pytest.mark.usefixtures("bank")
async def test_the_next_batch_is_claimed_while_the_last_ones_posts_are_on_their_way(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler], monkeypatch: pytest.MonkeyPatch,
) -> None:
    learners = list(range(7001, 7007))
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    fake_api.fail_next("*", delay(30))  # the first post is answered late
    claim_due = daily_posts.claim_due
    answered_at_claims: list[int] = []
    second_claim = asyncio.Event()

    async def counted_claim(*args: Any, **kwargs: Any) -> daily_posts.ClaimReport:
        answered_at_claims.append(sum(1 for call in fake_api.calls
                                      if call.method in ("sendPoll", "sendMessage")
                                      and call.finished_at is not None))
        if len(answered_at_claims) == 2:
            second_claim.set()
        return await claim_due(*args, **kwargs)

    monkeypatch.setattr(daily_posts, "claim_due", counted_claim)
    scheduler = scheduler_for(claim_batch=2, send_batch=2, send_workers=1)
    broadcast = asyncio.create_task(scheduler.run_due())
    await second_claim.wait()
    broadcast.cancel()
    with pytest.raises(asyncio.CancelledError):
        await broadcast
    # The second batch was claimed before the first one's two posts were answered (before: only
    # once the late answer came, 30 s on).
    assert answered_at_claims[0] == 0
    assert answered_at_claims[1] < 2


@pytest.mark.usefixtures("bank")
async def test_a_crash_with_sends_in_flight_never_posts_a_chat_twice(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    learners = list(range(6001, 6021))
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    hanging = learners[6]
    fake_api.fail_next("*", delay(30), chat_id=hanging)
    # One worker: when the hanging send is in flight no transaction is open, as after a real
    # crash, where the dead process holds no database lock.
    crashing = scheduler_for(send_batch=4, send_workers=1)
    broadcast = asyncio.create_task(crashing.run_due())
    await fake_api.wait_for_call(None, lambda call: call.params.get("chat_id") == hanging,
                                 finished=False)
    broadcast.cancel()  # the process dies with a page of sends in flight
    with pytest.raises(asyncio.CancelledError):
        await broadcast

    restarted = scheduler_for(send_batch=4, send_workers=2)
    await restarted.recover()
    await restarted.run_due()
    counts = Counter({learner: len(posts(fake_api, learner)) for learner in learners})
    interrupted = {d.chat_id for d in await deliveries(session_factory) if d.status == "unknown"}
    assert max(counts.values()) == 1
    assert hanging in interrupted
    assert len(interrupted) <= 4  # at most the page that was in flight
    assert all(counts[learner] == 1 for learner in learners if learner not in interrupted)


@pytest.mark.usefixtures("bank")
async def test_how_late_each_slot_was_started_goes_to_the_lag_metric(
    session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    for learner in (7301, 7302):
        await subscribe(session_factory, clock, learner, "private")
    metrics = BotMetrics()
    clock.now = NINE_BERLIN + timedelta(seconds=90)

    await scheduler_for(metrics=metrics).run_due()

    exposition = metrics.exposition().decode()
    assert "bot_daily_scheduler_lag_seconds_count 2.0" in exposition
    assert "bot_daily_scheduler_lag_seconds_sum 180.0" in exposition


async def lease_a_page(
    session_factory: async_sessionmaker[AsyncSession], clock: FakeClock, owner: str
) -> tuple[Lease, list[int]]:
    """What a replica does before it dies or stalls: lease a page of deliveries."""
    lease = Lease(owner, clock() + timedelta(seconds=60))
    async with session_factory() as session, session.begin():
        await daily_posts.claim_due(session, clock(), timedelta(hours=3), Random(1), 100)
        jobs = await daily_posts.lease_deliveries(session, clock(), timedelta(hours=3), 100,
                                                  lease)
    return lease, [job.delivery_id for job in jobs]


@pytest.mark.usefixtures("bank")
async def test_another_replica_takes_over_a_dead_replicas_page_only_after_its_lease(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    learners = list(range(7001, 7006))
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    await lease_a_page(session_factory, clock, "replica-a/dead")
    survivor = scheduler_for(replica="replica-b")

    await survivor.run_due()
    assert [len(posts(fake_api, learner)) for learner in learners] == [0] * len(learners)

    clock.now += timedelta(seconds=61)
    await survivor.run_due()
    assert [len(posts(fake_api, learner)) for learner in learners] == [1] * len(learners)


@pytest.mark.usefixtures("bank")
async def test_a_replica_restarting_under_its_name_takes_its_page_back_at_once(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    for learner in (7101, 7102):
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    await lease_a_page(session_factory, clock, "replica-a/before-restart")

    await scheduler_for(replica="replica-a").run_due()

    assert [len(posts(fake_api, learner)) for learner in (7101, 7102)] == [1, 1]


@pytest.mark.usefixtures("bank")
async def test_a_replica_that_stalled_past_its_lease_cannot_post_what_was_taken_over(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    for learner in (7201, 7202):
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    stalled, leased = await lease_a_page(session_factory, clock, "replica-a/stalled")
    clock.now += timedelta(seconds=61)
    await scheduler_for(replica="replica-b").run_due()

    async with session_factory() as session, session.begin():
        still_ours = await daily_posts.mark_sending(session, leased, stalled)

    assert still_ours == set()  # the stalled replica's write-ahead fails: it sends nothing
    assert [len(posts(fake_api, learner)) for learner in (7201, 7202)] == [1, 1]


@pytest.mark.usefixtures("bank")
async def test_posts_another_replica_claimed_and_has_not_sent_yet_are_due_at_once(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    # A replica whose round found nothing left to claim (another claimed the minute's posts
    # while it looked) helps send them, instead of sleeping until the next slot.
    learners = [7301, 7302]
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
    clock.now = NINE_BERLIN
    async with session_factory() as session, session.begin():  # replica A, not yet sending
        await daily_posts.claim_due(session, clock(), timedelta(hours=3), Random(1), 100)

    async with session_factory() as session:
        due = await daily_posts.earliest_due(session)
    assert due is not None
    assert due <= clock.now
    await scheduler_for(replica="replica-b").run_due()
    assert [len(posts(fake_api, learner)) for learner in learners] == [1, 1]


@pytest.mark.usefixtures("bank")
async def test_the_quiz_is_closed_and_answered_in_a_reply_with_the_share_of_right_answers(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    fake_api.add_chat(GROUP, "supergroup", "ML club")
    await subscribe(session_factory, clock, GROUP, kinds=("quiz",), reveal_after_minutes=60)
    async with session_factory() as session, session.begin():  # the reveal closes the quiz
        await subscriptions.set_fair_play(session, GROUP, False, clock())
    scheduler = scheduler_for()
    clock.now = NINE_BERLIN
    await scheduler.run_due()
    (quiz,) = posts(fake_api, GROUP)
    poll = quiz["poll"]
    right = poll["correct_option_ids"][0]
    wrong = (right + 1) % len(poll["options"])
    for voter, choice in ((1, right), (2, right), (3, wrong)):
        fake_api.answer_poll(make_user(voter, f"U{voter}"), poll["id"], [choice])

    clock.now = NINE_BERLIN + timedelta(minutes=59)
    await scheduler.run_due()
    assert not fake_api.calls_of("stopPoll")

    clock.now = NINE_BERLIN + timedelta(minutes=60)
    await scheduler.run_due()
    (stop,) = fake_api.calls_of("stopPoll")
    assert stop.params["message_id"] == quiz["message_id"]
    answer = posts(fake_api, GROUP)[-1]
    assert answer["reply_to_message"]["message_id"] == quiz["message_id"]
    assert answer["text"].startswith("📊 Правильно ответили 67% (2 из 3)")
    (button,) = answer["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "🎯 Тренировать тему в личке"
    assert button["url"].startswith("https://t.me/drill_bot?start=")
    await scheduler.run_due()
    assert len(posts(fake_api, GROUP)) == 2


@pytest.mark.usefixtures("bank")
async def test_an_open_question_gets_its_answer_as_a_reply_later(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    await subscribe(session_factory, clock, LEARNER, "private", kinds=("question",),
                    reveal_after_minutes=30)
    scheduler = scheduler_for()
    clock.now = NINE_BERLIN
    await scheduler.run_due()
    clock.now += timedelta(minutes=30)
    await scheduler.run_due()

    question, answer = posts(fake_api, LEARNER)
    assert answer["reply_to_message"]["message_id"] == question["message_id"]
    assert answer["text"].startswith(question["text"].split("\n")[0])  # same headline
    assert not fake_api.calls_of("stopPoll")


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize(
    ("fault", "reason"),
    [(forbidden("bot was kicked from the supergroup chat"), "bot was kicked"),
     (bad_request("chat not found"), "chat not found")],
)
async def test_a_chat_that_refuses_pauses_its_subscription_and_the_others_still_get_posts(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler], fault: Any, reason: str,
) -> None:
    fake_api.add_chat(GROUP, "supergroup", "Gone")
    fake_api.add_chat(OTHER_GROUP, "supergroup", "Fine")
    gone = await subscribe(session_factory, clock, GROUP)
    await subscribe(session_factory, clock, OTHER_GROUP)
    fake_api.fail_chat(GROUP, fault)
    clock.now = NINE_BERLIN
    scheduler = scheduler_for()
    await scheduler.run_due()

    assert len(posts(fake_api, OTHER_GROUP)) == 1
    paused = await subscription_of(session_factory, gone.subscription_id)
    assert paused.status == "paused"
    assert reason in (paused.pause_reason or "")
    assert paused.next_run_at is None
    clock.now += timedelta(days=1)
    await scheduler.run_due()
    assert len([call for call in fake_api.calls if call.params.get("chat_id") == GROUP]) == 1


@pytest.mark.usefixtures("bank")
async def test_a_group_that_became_a_supergroup_gets_the_post_at_its_new_id(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    old, new = -4001, -1004000000001
    fake_api.add_chat(old, "group", "Study group")
    view = await subscribe(session_factory, clock, old, "group")
    fake_api.migrate_group(old, new)
    clock.now = NINE_BERLIN
    await scheduler_for().run_due()

    assert len(posts(fake_api, new)) == 1
    moved = await subscription_of(session_factory, view.subscription_id)
    assert (moved.chat_id, moved.status) == (new, "active")


@pytest.mark.usefixtures("bank")
async def test_a_storm_of_502s_at_the_posts_minute_delays_every_chats_post_and_loses_none(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    learners = list(range(8001, 8051))
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
        fake_api.fail_chat(learner, server_error(502))
    scheduler = scheduler_for()

    clock.now = NINE_BERLIN
    await run_until(scheduler, clock, session_factory, NINE_BERLIN + timedelta(seconds=30))
    assert sum(len(posts(fake_api, learner)) for learner in learners) == 0
    fake_api.clear_faults()  # the storm is over
    await run_until(scheduler, clock, session_factory, NINE_BERLIN + timedelta(hours=1))

    assert [len(posts(fake_api, learner)) for learner in learners] == [1] * len(learners)
    assert {(d.status, d.failed_attempts) for d in await deliveries(session_factory)} == {
        ("sent", 2)}  # refused at 9:00:00 and 9:00:30, sent at 9:01:30
    assert clock.now == NINE_BERLIN + timedelta(seconds=90)


@pytest.mark.usefixtures("bank")
async def test_while_the_bot_api_refuses_connections_the_post_waits_and_goes_out_once(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler], unreachable_bot: Bot,
) -> None:
    await subscribe(session_factory, clock, LEARNER, "private")
    clock.now = NINE_BERLIN
    await scheduler_for(bot=unreachable_bot).run_due()
    assert posts(fake_api, LEARNER) == []

    await run_until(scheduler_for(), clock, session_factory, NINE_BERLIN + timedelta(hours=1))

    assert len(posts(fake_api, LEARNER)) == 1
    assert clock.now == NINE_BERLIN + timedelta(seconds=30)


@pytest.mark.usefixtures("bank")
async def test_flood_control_holds_the_post_back_for_exactly_retry_after(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    await subscribe(session_factory, clock, LEARNER, "private")
    fake_api.fail_next("*", too_many_requests(retry_after=90), chat_id=LEARNER)
    scheduler = scheduler_for()

    clock.now = NINE_BERLIN
    await run_until(scheduler, clock, session_factory, NINE_BERLIN + timedelta(seconds=89))
    assert posts(fake_api, LEARNER) == []
    assert len(fake_api.calls_of(None, chat_id=LEARNER)) == 1  # nothing before retry_after

    await run_until(scheduler, clock, session_factory, NINE_BERLIN + timedelta(hours=1))
    assert len(posts(fake_api, LEARNER)) == 1
    assert clock.now == NINE_BERLIN + timedelta(seconds=90)


@pytest.mark.usefixtures("bank")
async def test_a_post_refused_until_the_grace_runs_out_is_given_up_and_the_next_day_posts(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler],
) -> None:
    view = await subscribe(session_factory, clock, LEARNER, "private")
    fake_api.fail_chat(LEARNER, server_error(503))
    scheduler = scheduler_for(grace=timedelta(hours=1))

    clock.now = NINE_BERLIN
    await run_until(scheduler, clock, session_factory, NINE_BERLIN + timedelta(hours=6))

    tries = fake_api.calls_of(None, chat_id=LEARNER)
    (delivery,) = await deliveries(session_factory)
    assert (delivery.status, delivery.failed_attempts) == ("failed", len(tries))
    assert delivery.error is not None
    assert delivery.error.startswith(f"gave up after {len(tries)} attempts: ")
    assert "Service Unavailable" in delivery.error
    assert 5 < len(tries) < 15  # growing delays, not a try a minute
    assert NINE_BERLIN + timedelta(minutes=50) < clock.now < NINE_BERLIN + timedelta(hours=1)
    subscription = await subscription_of(session_factory, view.subscription_id)
    assert (subscription.status, subscription.next_run_at) == (
        "active", NINE_BERLIN + timedelta(days=1))

    fake_api.clear_faults()
    clock.now = NINE_BERLIN + timedelta(days=1)
    await scheduler.run_due()
    assert len(posts(fake_api, LEARNER)) == 1


@pytest.mark.usefixtures("bank")
async def test_a_long_post_refused_after_its_first_part_later_sends_only_the_rest(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.study.posts.MESSAGE_LIMIT", 40)  # the task takes 3 messages
    other_learner = LEARNER + 1
    for learner in (LEARNER, other_learner):
        await subscribe(session_factory, clock, learner, "private", kinds=("task",))
    fake_api.fail_next("sendMessage", server_error(502), chat_id=LEARNER, after=1)

    clock.now = NINE_BERLIN
    await run_until(scheduler_for(), clock, session_factory, NINE_BERLIN + timedelta(hours=1))

    assert len(fake_api.sent_texts(other_learner)) >= 3
    assert fake_api.sent_texts(LEARNER) == fake_api.sent_texts(other_learner)
    delivery = next(d for d in await deliveries(session_factory) if d.chat_id == LEARNER)
    assert (delivery.status, delivery.failed_attempts) == ("sent", 1)
    assert delivery.message_id == posts(fake_api, LEARNER)[-1]["message_id"]  # for the reveal


@pytest.mark.usefixtures("bank")
async def test_a_post_whose_send_timed_out_is_not_sent_again_and_its_outcome_is_unknown(
    fake_api: FakeBotAPI, session_factory: async_sessionmaker[AsyncSession], clock: FakeClock,
    scheduler_for: Callable[..., DailyScheduler], impatient_bot: Bot,
) -> None:
    learners = list(range(8101, 8111))
    hanging = learners[::5]
    for learner in learners:
        await subscribe(session_factory, clock, learner, "private")
    # Telegram posts these, but answers only after the client gave up: however loaded the
    # machine, the client's timer is due first, in the same event loop as the fake's delay.
    for learner in hanging:
        fake_api.fail_next("*", delay(IMPATIENT_SECONDS + 0.5), chat_id=learner)
    scheduler = scheduler_for(bot=impatient_bot)

    clock.now = NINE_BERLIN
    await scheduler.run_due()
    for _ in hanging:  # Telegram carries the hung requests out all the same
        await fake_api.wait_for_call(None, lambda call: call.fault is not None)
    clock.now += timedelta(hours=1)
    await scheduler.run_due()

    assert [len(posts(fake_api, learner)) for learner in learners] == [1] * len(learners)
    outcomes = {delivery.chat_id: delivery.status for delivery in await deliveries(session_factory)}
    assert {chat for chat, status in outcomes.items() if status == "unknown"} == set(hanging)
    assert {outcomes[learner] for learner in learners if learner not in hanging} == {"sent"}


def test_a_page_of_posts_is_about_a_second_at_the_overall_limit() -> None:
    assert send_page_size(25) == 25
    assert send_page_size(60) == 60
    assert send_page_size(1000) == 100  # paid broadcasts
    assert send_page_size(None) == 100  # the limit lifted
    assert send_page_size(5) == 25


def test_a_seconds_worth_of_posts_waits_for_its_turn_at_the_overall_limit() -> None:
    assert send_workers_for(1000) == 10  # paid broadcasts: ten pages of 100
    assert send_workers_for(25) == 4  # pages of 25: four seconds' worth
    assert send_workers_for(None) == 4  # the limit lifted: nothing waits
