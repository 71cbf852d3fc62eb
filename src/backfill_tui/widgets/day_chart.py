"""Observations per day across the run's window, one sparkline per source (from the mirror)."""

from __future__ import annotations

from datetime import date, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Label, Sparkline

from ..counts import plural
from ..textsafe import clean

__all__ = ["DayChart", "day_series"]


def day_series(counts: dict[str, int], first: date, last: date) -> list[float]:
    """One value per day from ``first`` to ``last`` inclusive (missing days are 0)."""
    days = (last - first).days + 1
    return [float(counts.get((first + timedelta(d)).isoformat(), 0)) for d in range(max(days, 1))]


def chart_label(source: str, series: list[float], first: date | None) -> str:
    """``github:acme/rocket · 40 observations · busiest day: 12 observations on 2026-11-02``
    (the busiest day's date when ``first``, the series' first day, is known; no busiest day
    when there are no observations)."""
    total = int(sum(series))
    text = f"{clean(source)} · {plural(total, 'observation')}"
    if total:
        peak = max(series)
        text += f" · busiest day: {plural(int(peak), 'observation')}"
        if first is not None:
            text += f" on {first + timedelta(days=series.index(peak))}"
    return text


class SourceChart(Vertical):
    """One source's sparkline. It keeps the last series it was given and draws it once its
    children exist, so a redraw that races its mounting (a run's flush while the chart is
    being rebuilt) is never an error."""

    def __init__(self, source: str) -> None:
        super().__init__(classes="source-chart")
        self.source = source
        self._series: list[float] = []
        self._first: date | None = None  # the day of the series' first value

    def compose(self) -> ComposeResult:
        yield Label(Content(clean(self.source)), classes="chart-label")
        yield Sparkline([], summary_function=max)

    def on_mount(self) -> None:
        self._draw()

    def show(self, series: list[float], first: date | None = None) -> None:
        """Draw ``series`` (observations per day, from the day ``first``)."""
        self._series = series
        self._first = first
        self._draw()

    def _draw(self) -> None:
        labels, lines = self.query(".chart-label"), self.query(Sparkline)
        if not labels or not lines:  # not composed yet (or being removed): on_mount draws
            return
        series = self._series
        labels.first(Label).update(Content(chart_label(self.source, series, self._first)))
        lines.first(Sparkline).data = series


class DayChart(Vertical):
    """Sparklines of observations per day, per source, with the window's dates beneath."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._sources: list[str] = []
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
            self.query(SourceChart).remove()
            axis = self.query_one(".chart-axis", Horizontal)
            self.mount_all([SourceChart(s) for s in sources], before=axis)
        self._fill(counts, first, last)
        self.query_one(".chart-empty", Label).display = not sources

    def on_mount(self) -> None:
        if self._pending is not None:
            self.show(*self._pending)
            self._pending = None

    def _fill(self, counts: dict[str, dict[str, int]], first: date, last: date) -> None:
        for chart in self.query(SourceChart):
            if chart.source in self._sources:  # not one being removed
                chart.show(day_series(counts.get(chart.source, {}), first, last), first)
        self.query_one(".axis-first", Label).update(Content(f"{first:%b %d}" if counts else ""))
        self.query_one(".axis-last", Label).update(Content(f"{last:%b %d}" if counts else ""))
