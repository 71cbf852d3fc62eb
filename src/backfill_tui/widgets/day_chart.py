"""Observations per day across the run's window, one sparkline per source (from the mirror).

Each source takes two lines (its label, then its sparkline) when the panel has room for every
source that way, else one line (a short label beside the sparkline): at 80x24 the panel holds
six lines, and a four-provider run must show its four providers (issue 12).
"""

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


def short_chart_label(source: str, series: list[float]) -> str:
    """``github 218``: the one-line layout's label (the sparkline beside it shows the days)."""
    return f"{clean(source)} {int(sum(series))}"


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
        self.label = Label(Content(clean(source)), classes="chart-label")
        self._sparkline = Sparkline([], summary_function=max)
        self._series: list[float] = []
        self._first: date | None = None
        self.one_line = False

    def compose(self) -> ComposeResult:
        yield self.label
        yield self._sparkline

    def show(self, series: list[float], first: date | None = None) -> None:
        """Draw ``series`` (observations per day, from the day ``first``). Safe before the
        chart is mounted: the label and sparkline keep what they are given."""
        self._series, self._first = series, first
        # The label's width is fixed (dashboard.tcss, or _align's): new text repaints it.
        self.label.update(Content(self.label_text()), layout=False)
        self._sparkline.data = series

    def set_one_line(self, one_line: bool) -> None:
        """The short label beside the sparkline (True) or the long one above it."""
        if one_line != self.one_line:
            self.one_line = one_line
            self.set_class(one_line, "-one-line")
            self.label.update(Content(self.label_text()))

    def label_text(self) -> str:
        if self.one_line:
            return short_chart_label(self.source, self._series)
        return chart_label(self.source, self._series, self._first)


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
            self._fit()
            # Old charts must be gone before new ones mount; queued replacements run in order.
            self.call_later(self._replace, self._charts)
        self._fill(counts, first, last)
        self._align()
        self.query_one(".chart-empty", Label).display = not sources

    async def _replace(self, charts: list[SourceChart]) -> None:
        if charts is not self._charts or not self.is_mounted:
            return  # a newer set of sources was shown meanwhile
        await self.query(SourceChart).remove()
        if charts is self._charts:
            await self.mount_all(charts, before=self.query_one(".chart-axis", Horizontal))

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Two lines per source if they all fit with the date axis, else one line each."""
        if not self.size.height:
            return
        one_line = 2 * len(self._charts) + 1 > self.size.height
        for chart in self._charts:
            chart.set_one_line(one_line)
        self._align()

    def _align(self) -> None:
        """One-line labels share a width, so the sparklines start in one column."""
        one_line = bool(self._charts) and self._charts[0].one_line
        width = max((len(chart.label_text()) for chart in self._charts), default=0)
        for chart in self._charts:  # None: the stylesheet's width again (two-line layout)
            chart.label.styles.width = (
                min(width, max(self.size.width // 2, 8)) if one_line else None
            )

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
