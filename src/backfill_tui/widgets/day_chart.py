"""Observations per day across the run's window, one sparkline per source (from the mirror)."""

from __future__ import annotations

from datetime import date, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Sparkline

from ..textsafe import clean

__all__ = ["DayChart", "day_series"]


def day_series(counts: dict[str, int], first: date, last: date) -> list[float]:
    """One value per day from ``first`` to ``last`` inclusive (missing days are 0)."""
    days = (last - first).days + 1
    return [float(counts.get((first + timedelta(d)).isoformat(), 0)) for d in range(max(days, 1))]


def chart_label(source: str, series: list[float], first: date | None) -> str:
    """``github:acme/rocket · 40 · busiest: 12 on Nov 2`` (the panel's title says the counts are
    observations per day): the busiest day's date when ``first``, the series' first day, is
    known; no busiest day when there are no observations. Short enough for the 80-column
    panel (about 36 cells): the window is at most 90 days, so the year goes without saying."""
    total = int(sum(series))
    text = f"{clean(source)} · {total}"
    if total:
        peak = max(series)
        text += f" · busiest: {int(peak)}"
        if first is not None:
            day = first + timedelta(days=series.index(peak))
            text += f" on {day:%b} {day.day}"
    return text


class SourceChart(Vertical):
    def __init__(self, source: str) -> None:
        super().__init__(classes="source-chart")
        self.source = source
        self._label = Label(Content(clean(source)), classes="chart-label")
        self._sparkline = Sparkline([], summary_function=max)

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._sparkline

    def show(self, series: list[float], first: date | None = None) -> None:
        """Draw ``series`` (observations per day, from the day ``first``). Safe before the
        chart is mounted: the label and sparkline keep what they are given."""
        # The label's width is fixed (dashboard.tcss): new text repaints it, no layout.
        self._label.update(Content(chart_label(self.source, series, first)), layout=False)
        self._sparkline.data = series


class DayChart(Vertical):
    """Sparklines of observations per day, per source, with the window's dates beneath."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sources: list[str] = []
        self._charts: list[SourceChart] = []
        self._pending: tuple[dict[str, dict[str, int]], date, date] | None = None

    def compose(self) -> ComposeResult:
        yield Label(Content("no observations in the window yet"), classes="chart-empty")
        with Horizontal(classes="chart-axis"):
            yield Label("", classes="axis-first")
            yield Label("", classes="axis-last")

    def show(self, counts: dict[str, dict[str, int]], first: date, last: date) -> None:
        if not self.is_mounted:
            self._pending = (counts, first, last)
            return
        sources = sorted(counts)
        if sources != self._sources:
            self._sources = sources
            self._charts = [SourceChart(s) for s in sources]
            # Old charts must be gone before new ones mount; queued replacements run in order.
            self.call_later(self._replace, self._charts)
        self._fill(counts, first, last)
        self.query_one(".chart-empty", Label).display = not sources

    async def _replace(self, charts: list[SourceChart]) -> None:
        if charts is not self._charts or not self.is_mounted:
            return  # a newer set of sources was shown meanwhile
        await self.query(SourceChart).remove()
        if charts is self._charts:
            await self.mount_all(charts, before=self.query_one(".chart-axis", Horizontal))

    def on_mount(self) -> None:
        if self._pending is not None:
            self.show(*self._pending)
            self._pending = None

    def _fill(self, counts: dict[str, dict[str, int]], first: date, last: date) -> None:
        for chart in self._charts:
            chart.show(day_series(counts.get(chart.source, {}), first, last), first)
        first_day = Content(f"{first:%b %d}" if counts else "")
        self.query_one(".axis-first", Label).update(first_day, layout=False)  # fixed widths
        self.query_one(".axis-last", Label).update(
            Content(f"{last:%b %d}" if counts else ""), layout=False
        )
