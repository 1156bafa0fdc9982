"""Start-up refusals: bad settings and bad content stop the bot with a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.conftest import E2E_CONTENT, StartBot, query
from tests.fakebot import FakeBotAPI

BROKEN_ITEM = """\
items:
  - id: broken-quiz
    kind: quiz
    topic: metrics
    question: Сколько вариантов нужно квизу?
    options: [Один]
    correct_option_ids: [0]
    poll_explanation: Минимум два.
    explanation: Минимум два.
"""


async def test_a_missing_token_stops_the_bot_with_one_line(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str]
) -> None:
    bot = await bot_process({**bot_settings, "BOT_TOKEN": ""}, wait=False)
    assert await bot.wait_exit() == 2
    assert bot.log.strip() == "invalid settings: BOT_TOKEN: must look like 123456789:AA… " \
        "(the token @BotFather gave you)"
    assert fake_api.calls == []


async def test_a_bad_content_file_stops_the_bot_and_leaves_the_database_as_it_was(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database_file: Path, tmp_path: Path,
) -> None:
    first = await bot_process(bot_settings)
    assert await first.stop() == 0
    before = query(database_file, "SELECT slug, version, archived_at FROM items ORDER BY slug")

    content = tmp_path / "content"
    shutil.copytree(E2E_CONTENT, content)
    (content / "items" / "broken.yaml").write_text(BROKEN_ITEM, encoding="utf-8")
    (content / "items" / "drill.yaml").unlink()  # would archive everything if it were loaded
    second = await bot_process({**bot_settings, "CONTENT_DIR": str(content)}, wait=False)
    assert await second.wait_exit() == 3
    assert "items/broken.yaml:6, item 'broken-quiz', field 'options'" in second.log
    assert "at least 2" in second.log
    assert query(database_file,
                 "SELECT slug, version, archived_at FROM items ORDER BY slug") == before
    assert not fake_api.calls_of("getUpdates")[len(fake_api.calls_of("getUpdates")):]
