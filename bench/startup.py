"""Benchmark: start-up time to the first getUpdates and idle RSS, the real bot and a bare one.

Prints figures; it is not a test. Each run starts, against a fresh fake Bot API (in this
process):

- the real bot on a fresh SQLite database with the full content bank (a first start: every
  migration, the whole bank written, every command menu set), then
- the real bot again on that database (a restart: nothing to migrate, the bank unchanged, the
  menus set already), then
- ``bench/bare_bot.py`` (aiogram, no-op handlers);

and measures, for each, the time from spawning ``python -m ...`` to its first getUpdates reaching
the fake server, and ``VmRSS`` once it has polled and then idled for ``--idle-seconds``. It
prints each run's figures with the load average, then the medians, and the time
``read_content_dir`` takes on the content bank in this process.

    .venv/bin/python -m bench.startup --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


async def start_once(module: str, folder: Path, idle_seconds: float) -> Start:
    async with FakeBotAPI() as api:
        env = {**bot_env(api), "LOG_LEVEL": "WARNING",
               "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bench.db'}"}
        process = BotProcess(env, PROJECT_ROOT, module=module, log_path=folder / "bot.log")
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


LABELS = ("bot, first start", "bot, restart", "bare aiogram")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    options = parser.parse_args()

    runs: list[tuple[Start, Start, Start]] = []
    for run in range(options.runs):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            first = await start_once("bot", folder, options.idle_seconds)
            again = await start_once("bot", folder, options.idle_seconds)
            bare = await start_once("bench.bare_bot", folder, options.idle_seconds)
        runs.append((first, again, bare))
        figures = ", ".join(f"{label} {start.seconds_to_poll:.2f} s"
                            for label, start in zip(LABELS, runs[-1], strict=True))
        print(f"run {run + 1}: first getUpdates after {figures}; load average "
              f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for index, label in enumerate(LABELS):
        seconds = statistics.median(run[index].seconds_to_poll for run in runs)
        rss = statistics.median(run[index].idle_rss_kib for run in runs)
        excess = statistics.median(run[index].seconds_to_poll - run[2].seconds_to_poll
                                   for run in runs)
        over = f" (bare + {excess:.2f} s)" if index < 2 else ""
        print(f"{label}: first getUpdates {seconds:.2f} s after spawning{over}, idle RSS "
              f"{rss / 1024:.0f} MiB (medians of {options.runs})")
    print(f"content bank parse (read_content_dir): {content_parse_seconds(options.runs):.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
