"""The progress chart: a real PNG of a sane size, drawn off the event loop."""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
import threading
import time
import zlib
from datetime import date, timedelta

from bot.drills.chart import ChartLabels, ChartRenderer, render_progress_chart
from bot.drills.progress import DayActivity, DueOnDay

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = date(2026, 11, 24)
LABELS = ChartLabels("Ответы и точность за 30 дней", "Ответы", "Точность",
                     "Карточки к повторению на 14 дней вперёд", "Карточки")


def month(answers: list[int]) -> list[DayActivity]:
    return [DayActivity(TODAY - timedelta(days=len(answers) - 1 - n), count, count * 2 // 3)
            for n, count in enumerate(answers)]


def fortnight(cards: list[int]) -> list[DueOnDay]:
    return [DueOnDay(TODAY + timedelta(days=n), count) for n, count in enumerate(cards)]


def png_chunks(png: bytes) -> dict[bytes, bytes]:
    """Walks the chunks, checking every CRC, as a decoder does."""
    assert png.startswith(PNG_SIGNATURE)
    chunks: dict[bytes, bytes] = {}
    position = len(PNG_SIGNATURE)
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind = png[position + 4:position + 8]
        data = png[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", png[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + data) == crc, kind
        chunks[kind] = chunks.get(kind, b"") + data
        position += 12 + length
    return chunks


def test_the_chart_is_a_complete_png_of_about_1200_by_800() -> None:
    png = render_progress_chart(month([n % 7 * 3 for n in range(30)]),
                                fortnight([5, 0, 3, 8, 1, 0, 0, 2, 4, 6, 0, 1, 9, 3]), LABELS)
    chunks = png_chunks(png)
    width, height, depth, color_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (width, height) == (1200, 800)
    assert b"IEND" in chunks
    # The pixel data decompresses to one filter byte plus the samples of every row.
    channels = {2: 3, 6: 4}[color_type]
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + width * channels * depth // 8)
    assert 10_000 < len(png) <= 200_000


def test_a_quiet_month_still_draws() -> None:
    png = render_progress_chart(month([0] * 29 + [1]), fortnight([0] * 14), LABELS)
    assert png_chunks(png)[b"IHDR"][:8] == struct.pack(">II", 1200, 800)


async def test_charts_are_drawn_in_a_worker_thread_while_the_loop_keeps_serving() -> None:
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    beating = asyncio.create_task(heartbeat())
    png = await ChartRenderer().render(month([3] * 30), fortnight([1] * 14), LABELS)
    beating.cancel()
    assert png.startswith(PNG_SIGNATURE)
    assert ticks > 1  # the loop ran other tasks while the chart was being drawn


async def test_charts_are_drawn_one_at_a_time_off_the_loop_thread() -> None:
    loop_thread = threading.get_ident()
    drawing: list[int] = []
    overlaps: list[int] = []
    threads: set[int] = set()

    def draw(days: object, forecast: object, labels: object) -> bytes:
        threads.add(threading.get_ident())
        drawing.append(threading.get_ident())
        overlaps.append(len(drawing))
        time.sleep(0.05)
        drawing.remove(threading.get_ident())
        return PNG_SIGNATURE

    renderer = ChartRenderer(draw)
    pictures = await asyncio.gather(*(renderer.render([], [], LABELS) for _ in range(4)))
    assert pictures == [PNG_SIGNATURE] * 4
    assert overlaps == [1, 1, 1, 1]
    assert threads
    assert loop_thread not in threads


def test_the_bot_loads_matplotlib_only_when_a_chart_is_drawn() -> None:
    probe = "import sys, bot.app; print('matplotlib' in sys.modules)"
    idle = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert idle.stdout.strip() == "False"
    render_progress_chart(month([1] * 30), fortnight([1] * 14), LABELS)
    assert "matplotlib" in sys.modules
    assert "matplotlib.pyplot" not in sys.modules  # no global figure state to share
