"""Benchmark: start-up time to the first getUpdates and idle RSS, the real bot and a bare one.

Prints figures; it is not a test. Each run starts the process against a fresh fake Bot API (in
this process) and, for the real bot, a fresh SQLite database and the full content bank:

- start-up: from spawning ``python -m ...`` to its first getUpdates reaching the fake server
  (migrations, content parsing and loading, getMe, commands: everything before it can answer);
- idle RSS: ``VmRSS`` once it has polled, then idled for ``--idle-seconds``;
- the same for ``bench/bare_bot.py`` (aiogram, no-op handlers), in the same run;
- the content bank's parse time in this process (``read_content_dir``), the part of the bot's
  start-up that the YAML loader decides.

    .venv/bin/python -m bench.startup --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.platform.content.files import read_content_dir
from tests.fakebot import BotProcess, FakeBotAPI, bot_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Start:
    seconds_to_poll: float
    idle_rss_kib: int


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))


async def start_once(module: str, idle_seconds: float) -> Start:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotAPI() as api:
            env = {**bot_env(api), "LOG_LEVEL": "WARNING",
                   "DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"}
            process = BotProcess(env, PROJECT_ROOT, module=module,
                                 log_path=Path(folder) / "bot.log")
            spawned = time.monotonic()
            await process.start(api, timeout=120)
            first_poll = next(call.at for call in api.calls if call.method == "getUpdates")
            await asyncio.sleep(idle_seconds)
            assert process.pid is not None
            start = Start(first_poll - spawned, rss_kib(process.pid))
            await process.stop(check=False)
            return start


def content_parse_seconds(runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        read_content_dir(PROJECT_ROOT / "content")
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    options = parser.parse_args()

    for label, module in (("bot", "bot"), ("bare aiogram", "bench.bare_bot")):
        starts = [await start_once(module, options.idle_seconds) for _ in range(options.runs)]
        seconds = statistics.median(start.seconds_to_poll for start in starts)
        rss = statistics.median(start.idle_rss_kib for start in starts)
        print(f"{label}: first getUpdates {seconds:.2f} s after spawning, idle RSS "
              f"{rss / 1024:.0f} MiB (median of {options.runs})")
    print(f"content bank parse (read_content_dir): {content_parse_seconds(options.runs):.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
