"""PostgreSQL connections killed under the running bot, as a failover or a server restart
kills them: learners keep getting their quizzes, no answer is lost, and once the kills stop
the bot works at once, without a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.databases import Database
from tests.e2e.conftest import E2E_CONTENT, Learner, StartBot, buttons, to
from tests.fakebot import FakeBotAPI, make_user

LEARNERS = 8
KILLS = 4
SECONDS_BETWEEN_KILLS = 1.5
TERMINATE_THE_BOTS_CONNECTIONS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


@pytest.fixture
def postgres(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    yield database
    database.close()


async def kill_connections(postgres: Database) -> None:
    """Terminates every connection of the bot, KILLS times, SECONDS_BETWEEN_KILLS apart:
    more than an update takes, so the retry of one that lost its connection is not killed too."""
    for _ in range(KILLS):
        await asyncio.sleep(SECONDS_BETWEEN_KILLS)
        await asyncio.to_thread(postgres.execute, TERMINATE_THE_BOTS_CONNECTIONS)


async def test_quizzes_and_answers_survive_connections_killed_mid_stream(
    fake_api: FakeBotAPI, bot_process: StartBot, postgres: Database,
) -> None:
    await bot_process({"DATABASE_URL": postgres.url, "CONTENT_DIR": str(E2E_CONTENT)})
    learners = [Learner(fake_api, make_user(880_001 + n, f"Learner {n}"))
                for n in range(LEARNERS)]

    async def quiz_answered(learner: Learner) -> None:
        quiz = await learner.says("/quiz", expect="sendPoll")
        explanation = await learner.answers(quiz, [0])
        assert "Дальше ▶" in [button["text"] for button in buttons(explanation)]

    # The stream flows before the first kill: a process's first updates take a while.
    await asyncio.gather(*(quiz_answered(learner) for learner in learners))
    killing = asyncio.create_task(kill_connections(postgres))

    async def practise(learner: Learner) -> int:
        """Quizzes answered, one after another, until the kills are over; how many."""
        answered = 0
        while not killing.done():
            await quiz_answered(learner)
            answered += 1
        return answered

    answered = len(learners) + sum(
        await asyncio.gather(*(practise(learner) for learner in learners))
    )

    # Every connection in the bot's pool is dead now, none of them in use by a learner's
    # update: each learner's next /quiz still gets its poll, at once.
    postgres.execute(TERMINATE_THE_BOTS_CONNECTIONS)
    after_the_kills = fake_api.mark()
    for learner in learners:
        fake_api.send_text(learner.user, "/quiz")
    await asyncio.gather(*(fake_api.wait_for_call("sendPoll", to(learner.id),
                                                  after=after_the_kills, timeout=5)
                           for learner in learners))

    assert postgres.query("SELECT count(*) FROM attempts") == [(answered,)]
