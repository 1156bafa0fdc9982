"""The progress picture: answers and accuracy of the last days, and the cards due next.

Drawing is CPU-bound and synchronous, so ``ChartRenderer`` runs it in a worker thread while the
event loop keeps serving updates. Threads rather than a process pool: a chart takes well under a
second and /stats is occasional, while a pool would keep a second interpreter with matplotlib
loaded (about 75 MB) for it. Charts are drawn one at a time: matplotlib is not thread-safe
beyond separate figures, and on a small machine one drawing thread leaves a core for the loop.

Only matplotlib's object-oriented API is used (a ``Figure`` with its own Agg canvas, no pyplot
state). matplotlib is imported on the first chart, so a bot whose learners never ask for one
does not carry it in memory.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.drills.progress import DayActivity, DueOnDay

WIDTH_INCHES, HEIGHT_INCHES, DPI = 12, 8, 100  # 1200×800 pixels
ANSWERS_COLOR = "#4c78a8"
ACCURACY_COLOR = "#e45756"
DUE_COLOR = "#72b7b2"


@dataclass(frozen=True)
class ChartLabels:
    """Words on the picture, in the learner's interface language."""

    activity_title: str
    answers: str
    accuracy: str
    forecast_title: str
    due: str


def render_progress_chart(
    days: Sequence[DayActivity], forecast: Sequence[DueOnDay], labels: ChartLabels
) -> bytes:
    """A PNG: answers per day as bars with accuracy as a line on top, then the due forecast."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    activity, due = figure.subplots(2, 1, height_ratios=(3, 2))

    day_labels = [day.day.strftime("%d.%m") for day in days]
    positions = list(range(len(days)))
    activity.bar(positions, [day.answers for day in days], color=ANSWERS_COLOR,
                 label=labels.answers)
    activity.set_title(labels.activity_title, loc="left", fontweight="bold")
    activity.set_ylabel(labels.answers)
    activity.yaxis.set_major_locator(MaxNLocator(integer=True))
    ticks = positions[::-3]  # every third day, counted back from today
    activity.set_xticks(ticks, [day_labels[tick] for tick in ticks])
    activity.set_xlim(-0.6, len(days) - 0.4)
    activity.grid(axis="y", alpha=0.3)

    accuracy = activity.twinx()
    # Days without answers have no accuracy: NaN breaks the line there instead of drawing 0 %.
    accuracy.plot(positions, [100 * d.accuracy if d.accuracy is not None else float("nan")
                              for d in days],
                  color=ACCURACY_COLOR, marker="o", markersize=4, linewidth=2,
                  label=labels.accuracy)
    accuracy.set_ylim(0, 105)
    accuracy.set_ylabel(labels.accuracy)
    accuracy.yaxis.set_major_formatter(PercentFormatter())
    handles = [*activity.get_legend_handles_labels()[0], *accuracy.get_legend_handles_labels()[0]]
    activity.legend(handles=handles, loc="upper left")

    forecast_positions = list(range(len(forecast)))
    bars = due.bar(forecast_positions, [day.cards for day in forecast], color=DUE_COLOR)
    due.bar_label(bars, labels=[str(day.cards) if day.cards else "" for day in forecast])
    due.set_title(labels.forecast_title, loc="left", fontweight="bold")
    due.set_ylabel(labels.due)
    due.yaxis.set_major_locator(MaxNLocator(integer=True))
    due.set_xticks(forecast_positions, [day.day.strftime("%d.%m") for day in forecast])
    due.margins(y=0.2)
    due.grid(axis="y", alpha=0.3)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


Draw = Callable[[Sequence[DayActivity], Sequence[DueOnDay], ChartLabels], bytes]


class ChartRenderer:
    """Draws charts off the event loop, one at a time (see the module docstring)."""

    def __init__(self, draw: Draw = render_progress_chart) -> None:
        self.draw = draw
        self._one_at_a_time = asyncio.Lock()

    async def render(
        self, days: Sequence[DayActivity], forecast: Sequence[DueOnDay], labels: ChartLabels
    ) -> bytes:
        async with self._one_at_a_time:
            return await asyncio.to_thread(self.draw, days, forecast, labels)
