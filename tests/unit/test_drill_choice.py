"""Which card a learner gets next: due reviews, then new items under a daily cap, by topic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from random import Random

from fsrs import Rating
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.practice import (
    NoCardReason,
    choose_item,
    finish_drill,
    introduced_since,
    next_drill_card,
    record_view,
    start_drill,
    why_no_card,
)
from bot.platform.content.schema import Kind
from bot.platform.content.sync import sync_content
from bot.platform.db.models import Item, ItemView
from bot.study.learners import (
    Learner,
    load_learner,
    select_all_topics,
    set_new_cards_per_day,
    toggle_topic,
)
from bot.study.srs import review
from tests.unit.factories import TOPICS, learner, question, quiz

EVENING = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)
QUIZ = frozenset({Kind.QUIZ})
ALL_KINDS = frozenset({Kind.QUIZ, Kind.QUESTION, Kind.TASK})


async def bank(session: AsyncSession) -> dict[str, int]:
    """Six quizzes (three per topic) and an open question; slug → item id."""
    items = [quiz(f"m{n}") for n in range(3)] + [quiz(f"s{n}", topic="sql") for n in range(3)]
    await sync_content(session, TOPICS, [*items, question("open")], EVENING)
    rows = await session.execute(select(Item.slug, Item.id))
    return {row.slug: row.id for row in rows}


async def show(session: AsyncSession, user: Learner, item_id: int, at: datetime) -> None:
    await record_view(session, user.user_id, item_id, Kind.QUIZ, at)


async def pick(
    session: AsyncSession, user: Learner, at: datetime, kinds: frozenset[Kind] = QUIZ,
    *, practice: bool = False, seed: int = 0,
) -> int | None:
    return await choose_item(session, user, kinds, at, Random(seed), practice=practice)


async def test_due_reviews_come_first_most_overdue_first(session: AsyncSession) -> None:
    ids = await bank(session)
    alice = learner(1)
    long_ago = EVENING - timedelta(days=30)
    for slug, reviewed_at in (("m1", long_ago), ("s2", long_ago - timedelta(days=1))):
        await show(session, alice, ids[slug], reviewed_at)
        await review(session, alice.user_id, ids[slug], Rating.Good, reviewed_at)
    assert await pick(session, alice, EVENING) == ids["s2"]
    await review(session, alice.user_id, ids["s2"], Rating.Easy, EVENING)
    assert await pick(session, alice, EVENING) == ids["m1"]
    await review(session, alice.user_id, ids["m1"], Rating.Easy, EVENING)
    # Nothing due: a new item, never one already rated.
    assert await pick(session, alice, EVENING) not in {ids["s2"], ids["m1"], None}


async def test_new_items_stop_at_the_daily_cap_until_local_midnight(
    session: AsyncSession,
) -> None:
    ids = await bank(session)
    moscow = learner(1, new_cards_per_day=2)
    tokyo = learner(2, new_cards_per_day=2, zone="Asia/Tokyo")
    before = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 17:30 in Moscow, 23:30 in Tokyo
    for user in (moscow, tokyo):
        for slug in ("m0", "m1"):
            await show(session, user, ids[slug], before)
            await review(session, user.user_id, ids[slug], Rating.Easy, before)
    # One hour later: still the same day in Moscow, a new one in Tokyo.
    after = before + timedelta(hours=1)
    assert await pick(session, moscow, after) is None
    assert await pick(session, tokyo, after) not in {ids["m0"], ids["m1"], None}
    assert await introduced_since(session, 1, moscow.local_day_start(after)) == 2
    moscow_midnight = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    assert await pick(session, moscow, moscow_midnight - timedelta(seconds=1)) is None
    assert await pick(session, moscow, moscow_midnight) not in {ids["m0"], ids["m1"], None}


async def test_practice_commands_always_serve_something(session: AsyncSession) -> None:
    ids = await bank(session)
    capped = learner(1, new_cards_per_day=0)
    assert await pick(session, capped, EVENING) is None
    assert await pick(session, capped, EVENING, practice=True) is not None
    await show(session, capped, ids["m0"], EVENING)
    await review(session, capped.user_id, ids["m0"], Rating.Easy, EVENING)
    # Asked for more, the learner gets an unseen quiz beyond the cap, not the one just rated.
    assert await pick(session, capped, EVENING, practice=True) not in {ids["m0"], None}


async def practise(
    session: AsyncSession, user: Learner, times: int, kinds: frozenset[Kind] = QUIZ,
    *, grade: Rating = Rating.Easy,
) -> list[int]:
    """A learner pressing "Next" ``times`` times, a minute apart, rating each card."""
    served = []
    for step in range(times):
        at = EVENING + timedelta(minutes=step)
        item_id = await pick(session, user, at, kinds, practice=True, seed=step)
        assert item_id is not None
        served.append(item_id)
        await show(session, user, item_id, at)
        await review(session, user.user_id, item_id, grade, at)
    return served


async def test_next_in_practice_shows_every_item_before_any_comes_back(
    session: AsyncSession,
) -> None:
    items = [quiz(f"m{n}") for n in range(21)]
    await sync_content(session, TOPICS, items, EVENING)
    alice = learner(1, new_cards_per_day=0, topic_ids=frozenset({"metrics"}))
    served = await practise(session, alice, 30)
    assert len(set(served[:21])) == 21
    assert all(a != b for a, b in itertools.pairwise(served))
    assert served[21:] == served[:9]  # then round again, the one seen longest ago first


async def test_next_never_repeats_the_card_just_seen_and_due_reviews_still_come_first(
    session: AsyncSession,
) -> None:
    ids = await bank(session)
    alice = learner(1, new_cards_per_day=0, topic_ids=frozenset({"metrics"}))
    long_ago = EVENING - timedelta(days=30)
    await show(session, alice, ids["m2"], long_ago)
    await review(session, alice.user_id, ids["m2"], Rating.Good, long_ago)
    # Grading "Again" makes a card due in a minute: still not the next one.
    served = await practise(session, alice, 6, grade=Rating.Again)
    assert served[0] == ids["m2"]  # overdue for a month: first
    assert all(a != b for a, b in itertools.pairwise(served))


async def test_a_single_item_topic_serves_that_item_again(session: AsyncSession) -> None:
    await bank(session)
    alice = learner(1, new_cards_per_day=0)
    served = await practise(session, alice, 3, frozenset({Kind.QUESTION}))
    assert len(set(served)) == 1


async def test_a_drill_that_serves_less_than_asked_says_why(session: AsyncSession) -> None:
    ids = await bank(session)
    alice = learner(1, new_cards_per_day=2)
    await start_drill(session, 1, EVENING, size=3, topic_id="sql")
    for _ in range(3):
        step = await next_drill_card(session, alice, EVENING, Random(0))
        if step is None:
            break
        card = step.card
        await record_view(session, 1, card.id, card.content.kind, EVENING)
        await review(session, 1, card.id, Rating.Easy, EVENING)
    summary = await finish_drill(session, alice, EVENING)
    assert (summary.served, summary.size) == (2, 3)
    assert summary.ended_early is NoCardReason.DAILY_CAP
    assert {ids["s0"], ids["s1"], ids["s2"]} - await seen(session, 1)  # one waits for tomorrow


async def seen(session: AsyncSession, user_id: int) -> set[int]:
    return set(await session.scalars(select(ItemView.item_id).where(ItemView.user_id == user_id)))


async def test_why_a_drill_has_nothing_names_the_cause(session: AsyncSession) -> None:
    await bank(session)
    alice = learner(1, new_cards_per_day=10, topic_ids=frozenset({"sql"}))
    questions = frozenset({Kind.QUESTION})
    assert await why_no_card(session, alice, questions) is NoCardReason.NO_ITEMS
    assert await why_no_card(session, alice, QUIZ) is NoCardReason.DAILY_CAP
    await practise(session, alice, 3)
    assert await why_no_card(session, alice, QUIZ) is NoCardReason.ALL_DONE


async def test_a_skipped_item_returns_after_the_new_ones_without_counting_twice(
    session: AsyncSession,
) -> None:
    ids = await bank(session)
    alice = learner(1, new_cards_per_day=1, topic_ids=frozenset({"metrics"}))
    first = await pick(session, alice, EVENING)
    assert first is not None
    await show(session, alice, first, EVENING)  # shown, never answered
    assert await pick(session, alice, EVENING) == first
    assert await introduced_since(session, 1, alice.local_day_start(EVENING)) == 1
    assert first in {ids["m0"], ids["m1"], ids["m2"]}


async def test_topics_and_kinds_filter_what_is_served(session: AsyncSession) -> None:
    ids = await bank(session)
    await toggle_topic(session, 1, "sql")
    alice = await load_learner(session, 1, learner(1).zone)
    assert alice.topic_ids == {"sql"}
    sql_quizzes = {ids["s0"], ids["s1"], ids["s2"]}
    served = {await pick(session, alice, EVENING, seed=seed) for seed in range(20)}
    assert served <= sql_quizzes
    assert await pick(session, alice, EVENING, frozenset({Kind.QUESTION})) is None

    assert not await toggle_topic(session, 1, "astrology")
    await select_all_topics(session, 1)
    everyone = await load_learner(session, 1, learner(1).zone)
    served = {await pick(session, everyone, EVENING, seed=seed) for seed in range(40)}
    assert served - sql_quizzes  # metrics quizzes again
    assert await pick(session, everyone, EVENING, frozenset({Kind.QUESTION})) == ids["open"]


async def test_archived_items_are_not_served(session: AsyncSession) -> None:
    await sync_content(session, TOPICS, [quiz("m0")], EVENING)
    alice = learner(1)
    assert await pick(session, alice, EVENING) is not None
    await sync_content(session, TOPICS, [], EVENING)
    assert await pick(session, alice, EVENING, practice=True) is None


async def test_a_drill_serves_its_size_then_sums_up(session: AsyncSession) -> None:
    ids = await bank(session)
    alice = learner(1)
    await start_drill(session, 1, EVENING, size=2, topic_id="sql")
    served = []
    for position in range(1, 4):
        step = await next_drill_card(session, alice, EVENING, Random(0))
        if step is None:
            break
        assert (step.position, step.size) == (position, 2)
        card = step.card
        served.append(card.id)
        await record_view(session, 1, card.id, card.content.kind, EVENING)
        await review(session, 1, card.id, Rating.Again, EVENING)
    assert len(served) == 2
    assert set(served) <= {ids["s0"], ids["s1"], ids["s2"]}
    summary = await finish_drill(session, alice, EVENING)
    assert (summary.served, summary.due_tomorrow) == (2, 2)
    assert await next_drill_card(session, alice, EVENING, Random(0)) is None  # it is over


async def test_the_daily_cap_is_the_learners_own_setting(session: AsyncSession) -> None:
    await bank(session)
    zone = learner(1).zone
    assert (await load_learner(session, 1, zone)).new_cards_per_day == 10
    await set_new_cards_per_day(session, 1, 1)
    capped = await load_learner(session, 1, zone)
    first = await pick(session, capped, EVENING)
    assert first is not None
    await show(session, capped, first, EVENING)
    await review(session, 1, first, Rating.Easy, EVENING)
    assert await pick(session, capped, EVENING) is None
