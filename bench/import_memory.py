"""How much memory the bot process takes to import a big content file.

    .venv/bin/python -m bench.import_memory [--megabytes 10] [--write]

Builds a file in the export's format from the shipped bank (``content/``), copied over with new
ids until it reaches the size; starts the real bot (``python -m bot``, the shipped bank loaded)
against the fake Bot API of ``tests/fakebot`` on a fresh SQLite file; an admin sends the file with
the caption ``/import dry`` (``/import`` with ``--write``). Prints the bot's RSS once idle and its
peak RSS (``VmHWM``, reset just before the upload through ``/proc/<pid>/clear_refs``) until the
report arrives. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bot.authoring.bank import content_file_yaml
from bot.platform.content.documents import item_document
from bot.platform.content.files import read_content_dir
from tests.fakebot import BotProcess, FakeBotAPI, make_user
from tests.fakebot.process import bot_env

PROJECT = Path(__file__).resolve().parent.parent
OWNER_ID = 501
TOKEN = "123456:" + "A" * 35


def export_of_size(size: int) -> bytes:
    """The shipped bank's items in the export's format, copied (new ids) up to ``size`` bytes."""
    documents = [
        {key: value for key, value in item_document(sourced.item).items() if value is not None}
        for sourced in read_content_dir(PROJECT / "content").items
    ]
    copies = size // len(content_file_yaml(documents)) + 1
    items = [{**document, "id": f"{document['id'][:40]}-c{copy}"}
             for copy in range(copies) for document in documents]
    raw = content_file_yaml(items)
    while len(raw) > size:  # whole items only
        items = items[: len(items) * size // len(raw)]
        raw = content_file_yaml(items)
    return raw


def kibibytes(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS


async def measure(raw: bytes, caption: str) -> None:
    api = FakeBotAPI(token=TOKEN)
    await api.start()
    folder = Path(tempfile.mkdtemp())
    bot = BotProcess({**bot_env(api), "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bot.db",
                      "ADMIN_IDS": str(OWNER_ID), "LOG_LEVEL": "WARNING"},
                     PROJECT, log_path=folder / "bot.log")
    try:
        await bot.start(api, timeout=120)
        pid = bot.pid
        assert pid is not None
        await asyncio.sleep(2)  # start-up's garbage collected, the loop idle
        idle = kibibytes(pid, "VmRSS")
        reset_peak(pid)
        file_id = api.add_file(raw, "bank.yaml", "application/x-yaml")
        started = time.perf_counter()
        api.send_document(make_user(OWNER_ID, "Olga"), file_id, caption)
        report = await api.wait_for_call(
            "sendMessage", lambda call: call.params.get("chat_id") == OWNER_ID, timeout=600)
        seconds = time.perf_counter() - started
        peak = kibibytes(pid, "VmHWM")
    finally:
        await bot.stop()
        await api.close()
    print(f"{caption} of {len(raw) / 1e6:.1f} MB: {report.params['text'].splitlines()[1]}; "
          f"report after {seconds:.1f} s")
    print(f"RSS idle {idle / 1024:.0f} MiB, peak during the import {peak / 1024:.0f} MiB: "
          f"+{(peak - idle) / 1024:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--write", action="store_true", help="/import instead of /import dry")
    arguments = parser.parse_args()
    raw = export_of_size(int(arguments.megabytes * 1_000_000))
    asyncio.run(measure(raw, "/import" if arguments.write else "/import dry"))


if __name__ == "__main__":
    main()
