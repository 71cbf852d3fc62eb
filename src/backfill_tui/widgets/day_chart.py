"""Observations per day across the run's window, one sparkline per source (from the mirror).

Each source takes two lines (its label, then its sparkline) when the panel has room for every
source that way, else one line (a short label beside the sparkline): at 80x24 the panel holds
six lines, and a four-provider run must show its four providers (issue 12).
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.css.scalar import Scalar, Unit
from textual.widgets import Label, Sparkline

from ..textsafe import clean
from .steady_input import show_text

__all__ = ["DayChart", "day_series", "outside_note"]


def day_series(counts: dict[str, int], first: date, last: date) -> list[float]:
    """One value per day from ``first`` to ``last`` inclusive (missing days are 0)."""
    days = (last - first).days + 1
    return [float(counts.get((first + timedelta(d)).isoformat(), 0)) for d in range(max(days, 1))]


def outside_note(counts: dict[str, dict[str, int]], first: date, last: date, older: int) -> str:
    """The line beneath the axis for what the days from ``first`` to ``last`` leave out:
    ``older`` observations before ``first``, and those of ``counts``' days (``YYYY-MM-DD``,
    per source) after ``last``: ``+62 observed before Nov 01``, ``+1 dated after Dec 03``,
    both as ``+62 before Nov 01 · +1 after Dec 03`` (the 80-column panel holds about 36
    cells); ``""`` when nothing lies outside."""
    end = last.isoformat()
    later = sum(n for days in counts.values() for day, n in days.items() if day > end)
    if older and later:
        return f"+{older} before {first:%b %d} · +{later} after {last:%b %d}"
    if later:
        return f"+{later} dated after {last:%b %d}"
    return f"+{older} observed before {first:%b %d}" if older else ""


#: Digits a one-line label keeps room for (``github 12345``): its width then holds still while
#: a run's counts grow (see :meth:`DayChart._align`).
COUNT_ROOM = 5


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
    """Sparklines of observations per day, per source, with the window's dates beneath.

    A source keeps its sparkline once it has one: new sources mount their own beside the
    others (a layout pass each), and :meth:`expect` mounts a run's sources before their first
    count, with the rows of the run, so a run's chart causes no layout while the run goes (a
    layout of the whole dashboard is its slowest frame: issue 11's worst UI stall)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._expected: list[str] = []
        self._charts: dict[str, SourceChart] = {}
        self._pending: tuple[dict[str, dict[str, int]], date, date, int] | None = None
        self._failed = False

    def compose(self) -> ComposeResult:
        yield Label(Content("no observations in the window yet"), classes="chart-empty")
        with Horizontal(classes="chart-axis"):
            yield Label("", classes="axis-first")
            yield Label("", classes="axis-last")
        # Always there (empty when none), so a count appearing mid-run repaints, not a layout.
        yield Label("", classes="chart-older")

    def say(self, text: str) -> None:
        """The words shown while the chart has no counts (no run open: the dashboard says what
        the mirror holds and how to chart a run)."""
        for label in self.query(".chart-empty").results(Label):
            show_text(label, Content(text))  # the same words again on each visit: no layout

    def expect(self, sources: list[str]) -> None:
        """The sources (providers, as counted: ``"github"``) of the run now shown: each has a
        sparkline from now on (empty until its first count), and those of an earlier run
        without observations in this window go. After :meth:`fail`, none until a count."""
        self._expected = sorted(sources)
        self._set_sources(set() if self._failed else set(self._expected))

    def fail(self, text: str) -> None:
        """The counts could not be read (a damaged mirror): ``text`` is said in the chart's
        place and every sparkline goes until counts come, so no "github 0 ▁▁▁▁" passes for
        real data (a fresh tester's finding)."""
        self._failed, self._pending = True, None
        self._set_sources(set())
        if self.is_mounted:
            with contextlib.suppress(NoMatches):  # its parts being removed: nothing to say on
                for name in (".axis-first", ".axis-last", ".chart-older"):
                    self.query_one(name, Label).update(Content(""), layout=False)
                self.say(text)
                self.query_one(".chart-empty", Label).display = True

    def show(
        self, counts: dict[str, dict[str, int]], first: date, last: date, *, older: int = 0
    ) -> None:
        """Draw ``counts`` (observations per UTC day by source, ``{"github": {"2026-05-01":
        3}}``: ``Mirror.daily_counts``) from ``first`` to ``last`` inclusive; ``older``: the
        workspace's observations that occurred before ``first``, said beneath the axis (so the
        days and that line add up to what the workspace holds; a tester found 62 missing).
        Days of ``counts`` after ``last`` (an item dated in the future, 2999-01-01) are said on
        the same line (``+1 dated after Dec 03``): they were stored and counted in the header
        ("4 new") but left out of the days without a word (a fresh tester's finding).
        Draws nothing once its parts are being removed (the screen or app closing)."""
        if not self.is_mounted:
            self._pending = (counts, first, last, older)
            return
        text = outside_note(counts, first, last, older)
        self._failed = False
        try:
            self.query_one(".chart-older", Label).update(Content(text), layout=False)
            self._set_sources(set(counts) | set(self._expected))
            self._fill(counts, first, last)
            self._align()
            self.query_one(".chart-empty", Label).display = not counts and not self._charts
        except NoMatches:
            # Its parts are being removed (the app closing as a count lands, found about one
            # quit in three right after a run started): there is nothing left to draw on.
            return

    def _set_sources(self, sources: set[str]) -> None:
        """Mount a sparkline for each new source in its sorted place; remove the gone ones.
        Mounts queue behind earlier ones, so a burst of calls ends in the last call's set."""
        if sources == set(self._charts):
            return
        for source in set(self._charts) - sources:
            self._charts.pop(source).remove()
        added = sorted(sources - set(self._charts))
        for source in added:
            self._charts[source] = SourceChart(source)
        self._charts = dict(sorted(self._charts.items()))
        self._fit()
        if self.is_mounted:
            for source in added:  # before the next source already there, else before the axis
                chart = self._charts[source]
                after = [c for s, c in self._charts.items() if s > source and c.is_attached]
                before = after[0] if after else self.query_one(".chart-axis", Horizontal)
                self.mount(chart, before=before)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Two lines per source if they all fit with the date axis, else one line each."""
        if not self.size.height:
            return
        one_line = 2 * len(self._charts) + 2 > self.size.height  # + the axis and "older" lines
        for chart in self._charts.values():
            chart.set_one_line(one_line)
        self._align()

    def _align(self) -> None:
        """One-line labels share a width, so the sparklines start in one column."""
        charts = list(self._charts.values())
        one_line = bool(charts) and charts[0].one_line
        # Room for a count of COUNT_ROOM digits from the start: a width that grew with each
        # digit of a running count ("github 999" to "github 1000") laid out the whole
        # dashboard mid-run, its slowest frame (bench/ui_latency.py, 30-40 ms of CPU).
        width = max(
            (
                max(len(chart.label_text()), len(clean(chart.source)) + 1 + COUNT_ROOM)
                for chart in charts
            ),
            default=0,
        )
        for chart in charts:  # None: the stylesheet's width again (two-line layout)
            wanted = min(width, max(self.size.width // 2, 8)) if one_line else None
            # Set only when it changes: Textual lays the screen out again for each width set,
            # even the same, and for each None (a resize of the dashboard set them all).
            now = chart.label.styles.inline.width  # its own, not the CSS's
            if now != (None if wanted is None else Scalar(wanted, Unit.CELLS, Unit.WIDTH)):
                chart.label.styles.width = wanted

    def on_mount(self) -> None:
        if self._charts:  # expected before the panel was mounted
            self.mount_all(self._charts.values(), before=self.query_one(".chart-axis", Horizontal))
        if self._pending is not None:
            counts, first, last, older = self._pending
            self.show(counts, first, last, older=older)
            self._pending = None

    def _fill(self, counts: dict[str, dict[str, int]], first: date, last: date) -> None:
        for chart in self._charts.values():
            chart.show(day_series(counts.get(chart.source, {}), first, last), first)
        first_day = Content(f"{first:%b %d}" if counts else "")
        self.query_one(".axis-first", Label).update(first_day, layout=False)  # fixed widths
        self.query_one(".axis-last", Label).update(
            Content(f"{last:%b %d}" if counts else ""), layout=False
        )
