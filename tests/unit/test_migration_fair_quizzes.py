"""Revision 0012: subscriptions made before it get fair play and private notes (on), polls sent
before it keep no order (their options went out in the item's own order)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic import command

from bot.platform.db.migrate import alembic_config
from tests.databases import Database


@pytest.fixture
def database(empty_database_url: str) -> Iterator[Database]:
    database = Database(empty_database_url)
    yield database
    database.close()


def test_existing_subscriptions_get_the_new_settings_on(database: Database) -> None:
    config = alembic_config(database.url)
    command.upgrade(config, "0012")
    command.downgrade(config, "-1")
    database.execute("INSERT INTO chats (id, type) VALUES (-100, 'supergroup')")
    database.execute(
        "INSERT INTO subscriptions (chat_id, status, times, timezone, weekdays, topics, kinds,"
        " anonymous_polls, reveal_after_minutes, cycle) VALUES (-100, 'active', '[\"09:00\"]',"
        " 'Europe/Moscow', '[0]', '[]', '[\"quiz\"]', false, 60, 1)")
    database.execute(
        "INSERT INTO topics (id, hashtag, title_ru, title_en) VALUES ('t', 't', 'T', 'T')")
    database.execute(
        "INSERT INTO items (id, slug, kind, topic_id, difficulty, language, document,"
        " content_hash, version, source) VALUES (1, 'q', 'quiz', 't', 'junior', 'ru', '{}',"
        " 'h', 1, 'file')")
    database.execute(
        "INSERT INTO sent_polls (poll_id, item_id, chat_id, message_id, correct_option_ids)"
        " VALUES ('p', 1, -100, 5, '[1]')")
    command.upgrade(config, "0012")
    assert database.query("SELECT fair_play, private_feedback FROM subscriptions") == [
        (True, True)]
    assert database.query("SELECT option_order FROM sent_polls") == [(None,)]
