"""Forum topics in the fake Bot API: sends into topics and Telegram's refusals, topic updates."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import EphemeralMessageParameters, Update

from .server import ApiError, FakeBotAPI
from .updates import make_user

OWNER = make_user(1001, "Olga")
FORUM_ID = -1001234567890
GROUP_ID = -1001234567891


@pytest.mark.asyncio
async def test_sends_into_topics_and_the_refusals_of_closed_and_missing_ones(
    aiogram_bot: Bot, fake_api: FakeBotAPI,
) -> None:
    fake_api.add_chat(FORUM_ID, "supergroup", "Forum", owner=OWNER, is_forum=True)
    fake_api.add_chat(GROUP_ID, "supergroup", "Plain group", owner=OWNER)
    topic = fake_api.create_topic(FORUM_ID, "Quizzes", by=OWNER)

    sent = await aiogram_bot.send_message(FORUM_ID, "hello", message_thread_id=topic)
    assert (sent.message_thread_id, sent.is_topic_message) == (topic, True)
    general = await aiogram_bot.send_message(FORUM_ID, "hello")
    assert general.message_thread_id is None

    for chat_id, thread_id in ((FORUM_ID, 999), (GROUP_ID, 999)):
        with pytest.raises(TelegramBadRequest, match="message thread not found"):
            await aiogram_bot.send_message(chat_id, "hello", message_thread_id=thread_id)

    closed = fake_api.close_topic(FORUM_ID, topic, by=OWNER)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await aiogram_bot.send_message(FORUM_ID, "hello", message_thread_id=topic)
    reopened = fake_api.reopen_topic(FORUM_ID, topic, by=OWNER)
    await aiogram_bot.send_poll(FORUM_ID, "Q?", ["a", "b"], message_thread_id=topic)
    fake_api.delete_topic(FORUM_ID, topic)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await aiogram_bot.send_message(FORUM_ID, "hello", message_thread_id=topic)

    said = fake_api.send_text(OWNER, "/top", FORUM_ID, thread_id=None)
    updates = [Update.model_validate(update) for update in (closed, reopened, said)]
    assert [update.message.forum_topic_closed is not None for update in updates if update.message
            ] == [True, False, False]
    reopening = updates[1].message
    assert reopening is not None
    assert reopening.forum_topic_reopened is not None
    assert (reopening.message_thread_id, reopening.is_topic_message) == (topic, True)
    with pytest.raises(ApiError, match="message thread not found"):  # nobody writes there now
        fake_api.send_text(OWNER, "/top", FORUM_ID, thread_id=topic)


@pytest.mark.asyncio
async def test_an_ephemeral_message_goes_into_a_topic_as_any_send_does(
    aiogram_bot: Bot, fake_api: FakeBotAPI,
) -> None:
    fake_api.add_chat(FORUM_ID, "supergroup", "Forum", owner=OWNER, is_forum=True)
    topic = fake_api.create_topic(FORUM_ID, "Quizzes", by=OWNER)
    only_olga = EphemeralMessageParameters(receiver_user_id=OWNER["id"])

    note = await aiogram_bot.send_message(FORUM_ID, "psst", message_thread_id=topic,
                                          ephemeral_message_parameters=only_olga)
    assert (note.message_thread_id, note.is_topic_message) == (topic, True)
    fake_api.close_topic(FORUM_ID, topic, by=OWNER)
    with pytest.raises(TelegramBadRequest, match="TOPIC_CLOSED"):
        await aiogram_bot.send_message(FORUM_ID, "psst", message_thread_id=topic,
                                       ephemeral_message_parameters=only_olga)


def test_a_topic_message_replies_to_the_message_that_named_the_topic(
    fake_api: FakeBotAPI,
) -> None:
    fake_api.add_chat(FORUM_ID, "supergroup", "Forum", owner=OWNER, is_forum=True)
    topic = fake_api.create_topic(FORUM_ID, "Quizzes", by=OWNER)
    said = Update.model_validate(fake_api.send_text(OWNER, "/subscribe", FORUM_ID,
                                                    thread_id=topic))
    assert said.message is not None
    opening = said.message.reply_to_message
    assert opening is not None
    assert opening.forum_topic_created is not None
    assert (opening.message_id, opening.forum_topic_created.name) == (topic, "Quizzes")
