"""A stop is bounded by SHUTDOWN_GRACE_SECONDS, and what it cuts off is handled after it."""

from __future__ import annotations

import time

from tests.databases import Database
from tests.e2e.conftest import StartBot, settled, to
from tests.fakebot import FakeBotAPI, make_user

SPAMMER = 1001
BURST = 2000
GRACE_SECONDS = 5


async def test_a_burst_of_messages_does_not_hold_up_sigterm_and_nothing_confirmed_is_lost(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database: Database,
) -> None:
    user = make_user(SPAMMER, "Спамер")
    burst = [fake_api.send_text(user, f"сообщение {n}") for n in range(BURST)]
    settings = {**bot_settings, "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS)}
    bot = await bot_process(settings)
    for _ in range(3):  # replies come at Telegram's pace for one chat: one a second
        await fake_api.wait_for_call("sendMessage", to(SPAMMER), timeout=30)
    await fake_api.wait_delivered(burst[-1], timeout=30)  # all in hand, all confirmed

    started = time.monotonic()
    assert await bot.stop(timeout=GRACE_SECONDS + 5) == 0
    assert time.monotonic() - started <= GRACE_SECONDS
    assert "kept for the next start" in bot.log
    assert fake_api.unconfirmed_count == 0  # Telegram will not send them again: we must
    replied = len(fake_api.calls_of("sendMessage", chat_id=SPAMMER))
    ((kept,),) = database.query("SELECT count(*) FROM kept_updates")
    assert kept + replied >= BURST

    restarted = await bot_process(settings)
    await fake_api.wait_for_call("sendMessage", to(SPAMMER), timeout=30)
    await settled(database, f"SELECT count(*) < {kept} FROM kept_updates", [(True,)])
    assert await restarted.stop(timeout=GRACE_SECONDS + 5) == 0
