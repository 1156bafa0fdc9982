"""Benchmark: N subscriptions due in the same minute, the real bot process, the fake Bot API.

Prints figures; it is not a test. Three runs on fresh databases:

(a) the global rate limit lifted (TELEGRAM_RATE_LIMIT=0): the engine's own sends per second;
(b) the default limit (25/s), watched for ``--limited-seconds``: the achieved rate and the most
    sends the fake server saw in any one second (calendar seconds and any sliding 1 s window);
(c) peak RSS (VmHWM) of the bot process in run (a), next to a bare process that imports aiogram,
    builds a Bot and a Dispatcher and makes one call, measured in the same run;
(d) with ``--paid``: PAID_BROADCAST=on at the default limit: the posts' rate as a share of the
    paid limit (1000/s), the most in any sliding second, and whether every post was paid.

``--hog`` runs a busy process (one core's worth) beside the bot during (b) and (d): a starved
bot must still keep the arrivals within the limits.

    .venv/bin/python -m bench.daily_broadcast --subscriptions 10000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bot.platform.db.engine import create_engine
from bot.platform.db.migrate import upgrade_to_head
from bot.platform.db.models import Chat, Subscription
from tests.fakebot import BotProcess, Call, FakeBotAPI, bot_env

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIRST_CHAT = 100_000_001
SEND_METHODS = ("sendPoll", "sendMessage")
BARE_AIOGRAM = """
import asyncio, sys
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

async def main():
    bot = Bot(sys.argv[2], session=AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1])))
    Dispatcher()
    await bot.get_me()
    await bot.session.close()

asyncio.run(main())
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


async def prepare_database(path: Path, subscriptions: int) -> None:
    """``subscriptions`` private chats, all due at the start of the current minute (UTC)."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade_to_head(engine)
    now = datetime.now(UTC)
    slot = now.replace(second=0, microsecond=0)
    chats = [{"id": FIRST_CHAT + n, "type": "private", "title": None}
             for n in range(subscriptions)]
    rows = [
        {"chat_id": FIRST_CHAT + n, "status": "active", "times": [slot.strftime("%H:%M")],
         "timezone": "UTC", "weekdays": list(range(7)), "topics": [],
         "kinds": ["quiz", "question", "task"], "anonymous_polls": False,
         "reveal_after_minutes": 240, "cycle": 1, "next_run_at": slot, "created_at": now,
         "updated_at": now}
        for n in range(subscriptions)
    ]
    async with engine.begin() as connection:
        for start in range(0, subscriptions, 2000):
            await connection.execute(insert(Chat), chats[start:start + 2000])
            await connection.execute(insert(Subscription), rows[start:start + 2000])
    await engine.dispose()


def peak_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def broadcast_calls(api: FakeBotAPI) -> list[Call]:
    return sorted((call for call in api.calls
                   if call.method in SEND_METHODS and call.ok
                   and int(call.params.get("chat_id", 0)) >= FIRST_CHAT),
                  key=lambda call: call.at)


async def wait_for_sends(api: FakeBotAPI, count: int, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        if len(broadcast_calls(api)) >= count or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.5)


@dataclass(frozen=True)
class Run:
    calls: list[Call]
    peak_rss_kib: int
    bot_cpu_seconds: float  # while it broadcast
    server_cpu_seconds: float  # the fake Bot API (this process), meanwhile
    too_many_requests: int  # 429s answered


@contextlib.contextmanager
def cpu_hog(enabled: bool) -> Iterator[None]:
    """A process spinning on one core meanwhile, when ``enabled``."""
    if not enabled:
        yield
        return
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


async def run_bot(subscriptions: int, env: dict[str, str], watch_seconds: float | None) -> Run:
    """Start the bot on a fresh database and watch it broadcast."""
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        await prepare_database(database, subscriptions)
        async with FakeBotAPI() as api:
            process = BotProcess(
                {**bot_env(api), "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
                 "LOG_LEVEL": "WARNING", **env},
                PROJECT_ROOT, log_path=Path(folder) / "bot.log",
            )
            await process.start(api, timeout=60)
            assert process.pid is not None
            bot_cpu, server_cpu = cpu_seconds(process.pid), time.process_time()
            if watch_seconds is None:
                await wait_for_sends(api, subscriptions, timeout=600)
            else:
                await wait_for_sends(api, 1, timeout=60)
                await asyncio.sleep(watch_seconds)
            run = Run(broadcast_calls(api), peak_rss_kib(process.pid),
                      cpu_seconds(process.pid) - bot_cpu, time.process_time() - server_cpu,
                      sum(1 for call in api.calls if call.status == 429))
            await process.stop(check=False)
            return run


async def bare_aiogram_rss_kib(api_url: str, token: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", BARE_AIOGRAM, api_url, token, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await process.communicate()
    if process.returncode:
        raise RuntimeError("the bare aiogram process failed")
    return int(output.decode().strip())


def per_second(calls: list[Call]) -> tuple[int, int]:
    """The most sends in one calendar second, and in any sliding one-second window."""
    stamps = [call.at for call in calls]
    calendar = Counter(int(stamp) for stamp in stamps)
    sliding, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= 1.0:
            start += 1
        sliding = max(sliding, end - start + 1)
    return max(calendar.values()), sliding


def rate(calls: list[Call]) -> float:
    span = calls[-1].at - calls[0].at
    return (len(calls) - 1) / span if span > 0 else float("inf")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=25.0)
    parser.add_argument("--limited-seconds", type=float, default=30.0)
    parser.add_argument("--hog", action="store_true", help="a busy process beside (b) and (d)")
    parser.add_argument("--paid", action="store_true", help="(d): PAID_BROADCAST=on")
    parser.add_argument("--skip-lifted", action="store_true", help="no (a) nor (c)")
    options = parser.parse_args()

    print(f"{options.subscriptions} subscriptions due in the same minute")
    if not options.skip_lifted:
        await lifted_run(options.subscriptions)
    with cpu_hog(options.hog):
        watched = await run_bot(options.subscriptions,
                                {"TELEGRAM_RATE_LIMIT": str(options.limit)},
                                options.limited_seconds)
        load = os.getloadavg()[0]
    limited = watched.calls
    calendar, sliding = per_second(limited)
    achieved = rate(limited)
    print(f"(b) limit {options.limit:g}/s{' beside a CPU hog' if options.hog else ''}: "
          f"{len(limited)} posts in {limited[-1].at - limited[0].at:.1f} s = {achieved:.2f} "
          f"sends/s ({100 * achieved / options.limit:.1f} % of the limit); most in one calendar "
          f"second: {calendar}; in any sliding 1 s window: {sliding}; 429s: "
          f"{watched.too_many_requests}; load average {load:.2f}")
    if options.paid:
        with cpu_hog(options.hog):
            paid = (await run_bot(options.subscriptions, {"PAID_BROADCAST": "on"}, None)).calls
            load = os.getloadavg()[0]
        _, sliding = per_second(paid)
        print(f"(d) PAID_BROADCAST=on{' beside a CPU hog' if options.hog else ''}: {len(paid)} "
              f"posts in {paid[-1].at - paid[0].at:.1f} s = {rate(paid):.0f} sends/s "
              f"({100 * rate(paid) / 1000:.1f} % of 1000/s); most in any sliding 1 s window: "
              f"{sliding}; all paid: "
              f"{all(call.params.get('allow_paid_broadcast') is True for call in paid)}; "
              f"load average {load:.2f}")


async def lifted_run(subscriptions: int) -> None:
    lifted = await run_bot(subscriptions, {"TELEGRAM_RATE_LIMIT": "0"}, None)
    calls = lifted.calls
    print(f"(a) limit lifted: {len(calls)} posts in {calls[-1].at - calls[0].at:.1f} s "
          f"= {rate(calls):.0f} sends/s; chats posted twice: "
          f"{sum(1 for n in Counter(c.params['chat_id'] for c in calls).values() if n > 1)}; "
          f"CPU: bot {lifted.bot_cpu_seconds:.1f} s "
          f"({1000 * lifted.bot_cpu_seconds / len(calls):.2f} ms per post), "
          f"fake Bot API {lifted.server_cpu_seconds:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    async with FakeBotAPI() as api:
        bare_rss = await bare_aiogram_rss_kib(api.url, api.token)
    bot_rss = lifted.peak_rss_kib
    print(f"(c) peak RSS: bot {bot_rss / 1024:.0f} MiB, bare aiogram {bare_rss / 1024:.0f} MiB, "
          f"difference {(bot_rss - bare_rss) / 1024:.0f} MiB")


if __name__ == "__main__":
    asyncio.run(main())
