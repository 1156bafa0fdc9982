"""Start-up refusals: bad settings and bad content stop the bot with a clear message."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
from pathlib import Path

from tests.databases import Database
from tests.e2e.conftest import E2E_CONTENT, StartBot
from tests.fakebot import FakeBotAPI
from tests.fakebot.fixtures import PROJECT_ROOT

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
    database: Database, tmp_path: Path,
) -> None:
    first = await bot_process(bot_settings)
    assert await first.stop() == 0
    before = database.query("SELECT slug, version, archived_at FROM items ORDER BY slug")

    content = tmp_path / "content"
    shutil.copytree(E2E_CONTENT, content)
    (content / "items" / "broken.yaml").write_text(BROKEN_ITEM, encoding="utf-8")
    (content / "items" / "drill.yaml").unlink()  # would archive everything if it were loaded
    calls_before = len(fake_api.calls)
    second = await bot_process({**bot_settings, "CONTENT_DIR": str(content)}, wait=False)
    assert await second.wait_exit() == 3
    assert "items/broken.yaml:6, item 'broken-quiz', field 'options'" in second.log
    assert "at least 2" in second.log
    assert database.query(
        "SELECT slug, version, archived_at FROM items ORDER BY slug") == before
    assert fake_api.calls[calls_before:] == []  # refused before talking to Telegram


async def test_a_token_the_bot_api_rejects_is_reported_without_echoing_it(
    fake_api: FakeBotAPI, bot_process: StartBot, bot_settings: dict[str, str],
    database: Database,
) -> None:
    wrong_token = "987654321:AAwrong-token-wrong-token-wrong-tok"
    bot = await bot_process({**bot_settings, "BOT_TOKEN": wrong_token}, wait=False)
    assert await bot.wait_exit() == 2
    assert "BOT_TOKEN was rejected by the Bot API (401 Unauthorized)" in bot.log
    assert wrong_token.partition(":")[2] not in bot.log
    assert "Traceback" not in bot.log
    assert database.tables() == set()  # refused before any migration


async def test_settings_are_checked_before_anything_heavy_is_imported() -> None:
    # A misconfiguration is reported at once, not after aiogram's seconds of imports.
    probe = await asyncio.create_subprocess_exec(
        sys.executable, "-c",
        "import sys, bot.__main__; print(sorted(m for m in ('aiogram', 'sqlalchemy', 'alembic')"
        " if m in sys.modules))",
        cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await probe.communicate()
    assert out.decode().strip() == "[]"


async def test_an_unreachable_bot_api_is_explained_before_the_bot_says_it_stopped(
    bot_process: StartBot, bot_settings: dict[str, str], database: Database,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    bot = await bot_process({**bot_settings, "TELEGRAM_API_URL": closed}, wait=False)
    assert await bot.wait_exit() == 4
    lines = bot.log.splitlines()
    reason = next(n for n, line in enumerate(lines) if "cannot reach the Bot API" in line)
    stopped = next(n for n, line in enumerate(lines) if line.endswith("INFO bot: stopped"))
    assert reason < stopped
