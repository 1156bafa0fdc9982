"""A channel's daily quiz as the seed channel posts one: an anonymous quiz; then, as a reply to
it, the explanation post in the channel's format (result, headline, explanation, hashtags,
signature)."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from bot.daily import subscriptions
from bot.platform.db.engine import create_engine, create_session_factory
from tests.app.conftest import StartBot
from tests.app.harness import MovableClock
from tests.databases import Database
from tests.fakebot import FakeBotAPI
from tests.users import settled, to

CHANNEL = -1001000000021
ZONE = ZoneInfo("Europe/Moscow")
SIGNATURE = "@machinelearning_interview"


async def test_a_channel_gets_an_anonymous_quiz_and_its_explanation_as_a_reply(
    start_bot: StartBot, fake_api: FakeBotAPI, database: Database, clock: MovableClock,
) -> None:
    slot = (clock() + timedelta(minutes=5)).replace(second=0, microsecond=0)
    local = slot.astimezone(ZONE)
    engine = create_engine(database.url)
    async with create_session_factory(engine)() as session, session.begin():
        now = clock()
        await subscriptions.subscribe(session, chat_id=CHANNEL, chat_type="channel", by_user=1,
                                      now=now, timezone=ZONE.key,
                                      times=[time(local.hour, local.minute)])
        await subscriptions.set_kinds(session, CHANNEL, ["quiz"], now)
        await subscriptions.set_reveal_after(session, CHANNEL, 60, now)
    await engine.dispose()
    fake_api.add_chat(CHANNEL, "channel", "Machine learning Interview",
                      username="machinelearning_interview")
    await start_bot(signature=SIGNATURE)

    clock.move_to(slot)
    quiz = await fake_api.wait_for_call("sendPoll", to(CHANNEL))
    assert (quiz.params["type"], quiz.params["is_anonymous"]) == ("quiz", True)
    assert quiz.params["description"].endswith(
        f"{SIGNATURE}\nОтвет — в {local + timedelta(minutes=60):%H:%M}")
    await settled(database, "SELECT status FROM deliveries", [("sent",)])

    clock.move(timedelta(minutes=60))
    await fake_api.wait_for_call("stopPoll", to(CHANNEL))
    answer = await fake_api.wait_for_call("sendMessage", to(CHANNEL))
    assert answer.params["reply_parameters"]["message_id"] == quiz.result["message_id"]
    text = answer.params["text"]
    lead, headline, *_ = text.split("\n\n")
    assert lead == "📊 На этот квиз никто не ответил."
    assert headline[2:] == quiz.params["question"]  # after the item's emoji
    assert text.endswith(f"\n\n#регуляризация #тест #{'l2' if 'L2' in headline else 'l1'}\n"
                         f"{SIGNATURE}")
