"""A busy group's quiz answers: every answer confirmed to Telegram is stored, even when the bot
is stopped or killed in the middle of the stream."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.platform.db.models import SentPoll
from tests.databases import Database
from tests.fakebot import BotProcess, FakeBotAPI

GROUP = -100_777
POLLS = ("group-poll-1", "group-poll-2")
ANSWERS = 600


def post_group_quizzes(database: Database) -> None:
    """Two quizzes in a group, as the bot records them when it sends them."""
    (item_id,) = database.query("SELECT id FROM items ORDER BY id LIMIT 1")[0]
    with database.engine.begin() as connection:
        connection.execute(insert(SentPoll), [
            {"poll_id": poll, "item_id": item_id, "chat_id": GROUP, "message_id": n + 1,
             "correct_option_ids": [0], "sent_at": datetime.now(UTC)}
            for n, poll in enumerate(POLLS)
        ])


def queue_answers(api: FakeBotAPI) -> list[tuple[str, int]]:
    """ANSWERS answers (each user once per poll), queued at once; their (poll, user) in order."""
    payloads = [
        {"poll_id": POLLS[n % 2],
         "user": {"id": 900_000 + n // 2, "is_bot": False, "first_name": f"Learner {n // 2}"},
         "option_ids": [n % 3 % 2], "option_persistent_ids": [str(n % 3 % 2)]}
        for n in range(ANSWERS)
    ]
    api.push_updates("poll_answer", payloads)
    return [(str(p["poll_id"]), int(p["user"]["id"])) for p in payloads]  # type: ignore[index]


@pytest.mark.parametrize("ending", ["SIGTERM", "SIGKILL"])
async def test_every_answer_confirmed_to_telegram_is_stored_however_the_bot_ends(
    fake_api: FakeBotAPI, running_bot: BotProcess, database: Database, ending: str
) -> None:
    post_group_quizzes(database)
    answers = queue_answers(fake_api)
    first_id = int(fake_api.pending_updates[0]["update_id"])
    # The moment the bot confirms its first page: a careless bot has not stored it yet.
    await fake_api.wait_for_call(
        "getUpdates", lambda call: int(call.params.get("offset") or 0) > first_id,
        finished=False,
    )

    if ending == "SIGTERM":
        assert await running_bot.stop() == 0
    else:
        await running_bot.kill()

    confirmed = answers[:ANSWERS - fake_api.unconfirmed_count]
    stored = set(database.query("SELECT poll_id, user_id FROM attempts"))
    assert set(confirmed) <= stored
    assert confirmed
