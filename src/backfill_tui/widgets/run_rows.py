"""The dashboard's rows: a header line per source and a row per stream with its progress bar.

Each widget keeps the last state it was given and draws it when mounted, so the dashboard can
hand it state before the first frame. Text is plain (never parsed as markup); colours come from
CSS classes and component classes in ``screens/dashboard.tcss``. A stream's row is one widget
drawing one line (:class:`StreamRow`), laid out by :func:`row_columns` like the column header,
and beneath it, when its status cell is too narrow for it, a failure's whole reason.

Past 400 lines on purpose: the rows, their column header and their one layout
(:func:`row_columns`) must agree cell for cell at every width, so they are read together; a
row draws its own line (``StreamRow.render_line``, the dashboard's hottest path) and the
source header fits its parts to the width (``fit_parts``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from time import monotonic
from typing import Any, ClassVar, cast

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.geometry import Size
from textual.renderables.bar import Bar as BarRenderable
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from ..engine.live import SourceState, StreamState, clock_time
from ..terms import StreamStatus, plural, unchanged_note
from ..textsafe import clean

__all__ = [
    "COLUMNS",
    "ColumnHeader",
    "SourceHeader",
    "StreamRow",
    "counts_text",
    "progress_text",
    "short_progress_text",
    "stream_bar",
]

NAME_WIDTH, PROGRESS_TEXT_WIDTH = 14, 15
COLUMNS = ("fetched", "new", "dup", "failed", "pages", "calls")
SHORT_COLUMNS = ("fetch", "new", "dup", "fail", "pages", "calls")


#: Redraws a second of a running stream's pulsing bar (its total unknown); Textual's progress
#: bar pulses at 15, which with ten streams redraws the screen 15 times a second.
PULSE_FPS = 5
#: How fast the pulse moves (Textual's moves 30 cells a second): about 2 cells a redraw.
PULSE_CELLS_PER_S = 9.0
#: The app's breakpoints (``screens/app.py`` ``HORIZONTAL_BREAKPOINTS``), in columns.
NARROW_BELOW, WIDE_FROM = 100, 160
#: The narrowest bar and the least room kept for the status between 100 and 160 columns.
MIN_BAR, MIN_STATUS = 6, 16
#: The widest bar below and from 160 columns: the status (a failure's reason) takes the rest.
MID_BAR, WIDE_BAR = 14, 30
STATUSES = ("pending", "running", "completed", "failed", "cancelled", "interrupted", "capped")
#: A stream that ended without completing: its bar shows how far it got, in its own colour.
STOPPED = frozenset({StreamStatus.FAILED, StreamStatus.CANCELLED, StreamStatus.INTERRUPTED})


def counts_text(values: tuple[int, ...], width: int = 7) -> str:
    """The counters right-aligned in columns of ``width`` cells (6 below 100 columns)."""
    return "".join(f"{v:>{width}}" for v in values)


def stream_bar(state: StreamState) -> tuple[float | None, float]:
    """(total, progress) for the stream's bar. As :meth:`StreamState.bar`, except that a stream
    which stopped (failed, cancelled, interrupted) never draws a full bar: it draws what it
    reached of its estimate or, with no estimate (or past it), an empty bar, since how far it
    got is unknown; its fetched count and status say what it did (issue 12)."""
    if state.status not in STOPPED:
        return state.bar()
    done, total = state.counters.fetched, stopped_estimate(state)
    if total is None or done >= total:
        return 1.0, 0.0
    return float(max(total, 1)), float(done)


def stopped_estimate(state: StreamState) -> int | None:
    """The estimate a stopped stream is measured against: one made before its pages (the
    connect screen's, stored with the run), never its own first page's guess (``sized``: every
    headless run's streams), a share of which, once the stream stopped, read as progress
    toward a figure the row no longer showed and no one had made ("failed at 64%" on a
    headless run's stream that fetched 100: a fresh tester's finding)."""
    return None if state.sized else state.total


def stopped_text(state: StreamState) -> str:
    """How far a stopped stream got, said with its status, within the progress column's 15
    cells: ``failed at 40%``, ``failed at 0%``, ``failed past ~71`` of an estimate
    (:func:`stopped_estimate`); with none, what it fetched: ``cancelled after 200``,
    ``failed after 0`` (a share of no estimate is none: it said "failed at 0%"). A failed
    stream read "stopped at 0" where the rows around it said "62% of ~71" (a fresh tester's
    finding)."""
    verb = {StreamStatus.FAILED: "failed", StreamStatus.CANCELLED: "cancelled"}.get(
        StreamStatus(state.status), "stopped"
    )
    fetched, total = state.counters.fetched, stopped_estimate(state)
    if total is not None and 0 < total <= fetched:
        forms = [f"{verb} past ~{total}", f"past ~{total}"]
    elif total is not None:
        share = min(99, int(100 * fetched / max(total, 1)))
        forms = [f"{verb} at {share}%", f"{verb} {share}%"]
    else:
        forms = [f"{verb} after {fetched}", f"{verb} at {fetched}", f"{verb} {fetched}"]
    return next((f for f in forms if len(f) <= PROGRESS_TEXT_WIDTH), forms[-1])


#: The progress cell below 100 columns: "done" and "capped" fit it (and "at 40%", "62%").
SHORT_PROGRESS_WIDTH = 6


def short_progress_text(state: StreamState) -> str:
    """The progress cell's words below 100 columns, in :data:`SHORT_PROGRESS_WIDTH` cells:
    ``done``, ``capped`` (completed as far as ``--max-items`` let it), ``62%`` while running
    (``past`` beyond its estimate), ``at 40%`` (or ``at 200``) for a stopped stream, nothing
    where nothing is known. At 80x24 the rows had no such cell, and a capped stream's full bar
    read as done (a stranger's finding: the status cell said "capped" across the row)."""
    fetched, total = state.counters.fetched, state.total
    if state.status == StreamStatus.COMPLETED:
        return "capped" if state.capped else "done"
    if state.status in STOPPED:  # a share only of an estimate made before its pages
        if (estimate := stopped_estimate(state)) is not None:
            return f"at {min(99, int(100 * fetched / max(estimate, 1)))}%"
        return f"at {fetched}" if len(f"at {fetched}") <= SHORT_PROGRESS_WIDTH else ""
    if total is None or state.status == StreamStatus.PENDING or total == fetched == 0:
        return ""  # ~0 with nothing fetched: a re-sync expecting nothing new, not "past"
    if fetched >= total:
        return "past"
    return f"{min(99, int(100 * fetched / max(total, 1)))}%"


def progress_text(state: StreamState) -> str:
    """``62% of ~71`` while running, ``done`` when completed (``capped at 20`` where
    ``--max-items`` stopped it), how far a stopped one got."""
    if state.status == StreamStatus.COMPLETED:
        return f"capped at {state.counters.fetched}" if state.capped else "done"
    if state.status in STOPPED:
        return stopped_text(state)
    if state.total is None:
        return "" if state.status == StreamStatus.PENDING else "no estimate"
    if state.status == StreamStatus.PENDING or state.total == state.counters.fetched == 0:
        return f"~{state.total} expected"  # ~0: a re-sync that expects nothing new, not "past"
    share = min(99, int(100 * state.counters.fetched / max(state.total, 1)))
    if state.counters.fetched >= state.total:  # an estimate from a first page can run low:
        return f"past ~{state.total}"  # "99% of ~620" with 700 fetched (a tester's finding)
    return f"{share:>2}% of ~{state.total}"


class ColumnHeader(Static):
    """The column names above the stream rows, laid out by :func:`row_columns` like the rows."""

    def __init__(self) -> None:
        super().__init__(id="column-header")

    def render(self) -> Text:
        cols = row_columns(self.size.width, self.app.size.width)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(f"{'stream':<{cols.name}}")
        line.append(f"{'progress':<{cols.bar + cols.bar_gap}}")
        if cols.progress:
            line.append(" " * cols.progress)
        line.append(counts_header(cols.count_width))
        line.append(" " * cols.status_gap)
        line.append("status")
        return line


def counts_header(width: int = 7) -> str:
    """The counter columns' names; in 6-cell columns, the short names."""
    names = COLUMNS if width >= 7 else SHORT_COLUMNS
    return "".join(f"{n:>{width}}" for n in names)


class SourceHeader(Static):
    """``github:acme/rocket · quota 4990/5000 · rate limited, resuming at 14:05:10 (in 3s)``."""

    def __init__(self, source: str) -> None:
        super().__init__(Content(clean(source)), classes="source-header")
        self.source = source
        self._text = ""

    def show(self, state: SourceState, now: float) -> None:
        self._shown = (state, now)
        parts = [clean(self.source)]
        short = ""
        known = [t for t in state.tokens if t.remaining is not None and not t.dropped]
        if len(state.tokens) > 1:  # several tokens: the quota is theirs together
            live = sum(1 for t in state.tokens if not t.dropped)
            parts.append(plural(live, "token"))
            if known:
                left = sum(t.remaining or 0 for t in known)
                parts.append(f"quota {left}/{sum(t.limit or 0 for t in known)} left")
        elif state.quota_remaining is not None and state.quota_limit is not None:
            parts.append(f"quota {state.quota_remaining}/{state.quota_limit} left")
        if "complexity" in state.budgets:  # Linear's second budget, paced like the first
            left, limit = state.budgets["complexity"]
            parts.append(f"complexity {left:,}/{limit:,} points left")
            short = f"complexity {compact_number(left)}/{compact_number(limit)} left"
        waiting = state.waiting(now)
        if waiting and state.wait_until is not None:
            left = max(0, round(state.wait_until - now))
            reason = state.wait_reason or "rate limited"
            parts.append(f"{reason}, resuming at {clock_time(state.wait_until)} (in {left}s)")
        text = fit_parts(parts, self.content_region.width, {"complexity": short} if short else {})
        lines = token_lines(state) if len(state.tokens) > 1 else []
        self.set_class(waiting, "-waiting")
        shown = "\n".join([text, *lines])
        if shown != self._text:
            # A layout only when the header's height changes (a line wraps, token lines come or
            # go): a quota or a countdown changing four times a second must not lay the whole
            # screen out again (a 50-140 ms stall each; bench/ui_latency.py).
            self._text = shown
            content = Content.assemble(
                text, *(("\n" + line, "not bold $text-muted") for line in lines)
            )
            width = self.content_region.width
            height = content.get_height(cast("Any", self.styles), width) if width else 0
            self.update(content, layout=not width or height != self.content_region.height)

    _shown: tuple[SourceState, float] | None = None

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown)  # the line's short form or its wrap follows the width


def compact_number(n: int) -> str:
    """``2,982,337`` as ``2.98M``, ``3,000,000`` as ``3M``, ``45,000`` as ``45k``."""
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if abs(n) >= size:
            return f"{n / size:.3g}{unit}"
    return str(n)


def fit_parts(parts: list[str], width: int, shorter: dict[str, str]) -> str:
    """``parts`` joined by " · " in ``width`` cells: where the line is longer, each part that
    starts with a key of ``shorter`` takes its short form, and what still does not fit goes on
    the next line between parts, never a lone word: at 80x24 Linear's line wrapped "left" onto
    a line of its own (a tester's finding)."""
    text = " · ".join(parts)
    if not width or cell_len(text) <= width:
        return text
    parts = [next((v for k, v in shorter.items() if p.startswith(k + " ")), p) for p in parts]
    lines: list[str] = []
    for part in parts:
        if lines and cell_len(f"{lines[-1]} · {part}") <= width:
            lines[-1] = f"{lines[-1]} · {part}"
        else:
            lines.append(part if not lines else f"· {part}")
    return "\n".join(lines)


def _room_left(cols: Columns, counts: str, width: int) -> int:
    """The cells a row ``width`` wide leaves its status (no fixed status column) after its
    name, bar, progress and ``counts`` (``counts_text``) laid out by ``cols``."""
    used = cols.name + cols.bar + cols.bar_gap + cols.progress + len(counts) + cols.status_gap
    return max(1, width - used)


def token_lines(state: SourceState) -> list[str]:
    """One line per token of a source given several: ``  tok:1a2b3c4d   41 calls · quota
    9/50 left`` (by fingerprint, never the token; issue 14)."""
    width = max(len(str(t.calls)) for t in state.tokens)
    lines = []
    for token in state.tokens:
        calls = f"{token.calls:>{width}} {'call ' if token.calls == 1 else 'calls'}"
        if token.dropped:
            tail = "rejected (401), dropped"
        elif token.remaining is not None and token.limit is not None:
            tail = f"quota {token.remaining}/{token.limit} left"
        else:
            tail = "quota not reported yet"
        lines.append(f"  {token.fingerprint}  {calls} · {tail}")
    return lines


@dataclass(frozen=True)
class Columns:
    """A stream row's cells, in terminal cells: name, bar (and the gap after it), progress text
    (0: not shown), counters (six of ``count_width``), the gap before the status, and the
    status (the rest of the row when None)."""

    name: int
    bar: int
    bar_gap: int
    progress: int
    count_width: int
    status_gap: int
    status: int | None


def row_columns(width: int, screen_width: int) -> Columns:
    """The cells of a row ``width`` cells wide on a terminal ``screen_width`` wide: below 100
    columns a short bar, the short progress cell (:func:`short_progress_text`) and 6-cell
    counters; above, a bar of at most
    :data:`MID_BAR` cells (:data:`WIDE_BAR` from 160 columns) and the status takes the rest
    (the app's breakpoints, ``screens/app.py``). The status holds a failure's reason: with the
    bar taking the room it was cut to "failed: GitHub has n…" at 120 columns, and kept 40
    cells at 200 beside an 80-cell bar (a tester's finding)."""
    if screen_width < NARROW_BELOW:  # "done" and "capped" beside the bar, as wider
        return Columns(NAME_WIDTH, 8, 1, SHORT_PROGRESS_WIDTH, 6, 1, None)
    fixed = NAME_WIDTH + 2 + PROGRESS_TEXT_WIDTH + 6 * 7 + 2
    most = WIDE_BAR if screen_width >= WIDE_FROM else MID_BAR
    # The bar gives way first, so the status keeps MIN_STATUS cells just above 100 columns
    # (there it had none: a tester found the status and failure reasons gone at 100x30).
    bar = max(MIN_BAR, min(most, width - fixed - MIN_STATUS))
    return Columns(NAME_WIDTH, bar, 2, PROGRESS_TEXT_WIDTH, 7, 2, None)


class StreamRow(Widget):
    """One stream on one line: name, progress bar, fetched/estimate, counters and status; a
    failure's reason too long for the status cell goes whole on the lines beneath.

    One widget, drawn as one line of text: a row of seven widgets (labels, Textual's progress
    bar) cost the dashboard about 60 widget renders and a 30-55 ms frame on every progress
    redraw (``bench/ui_latency.py``). Colours come from the component classes below
    (``screens/dashboard.tcss``); the bar is Textual's bar renderable. A running stream with no
    estimate pulses (:data:`PULSE_FPS` redraws a second); a stopped one (failed, cancelled,
    interrupted) draws how far it got, or an empty bar when its total is unknown.

    The status cell had 28 cells at 120 columns and 13 at 80, so a failure's reason was cut
    ("failed: GitHub has no /rep…") and whole only in the log, which a run opened from the runs
    screen does not have (a tester's finding). A row whose reason does not fit says its status
    alone and the whole reason beneath, wrapped, from the bar's column on: what a build or CI
    view does with a failed step, and there to read without a key (the dashboard has no
    cursor to select a row with). Rows of one source that failed in a row with the same reason
    (a target that does not exist fails every stream) say it once, beneath the last of them
    (:meth:`share_reason`, set by the dashboard).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "stream-row--bar",
        "stream-row--complete",
        "stream-row--pulse",
        "stream-row--stopped",
        "stream-row--failed-bar",
        "stream-row--muted",
        *(f"stream-row--{status}" for status in STATUSES),
    }

    DEFAULT_CSS = """
    StreamRow { height: auto; }
    """

    def __init__(self, state: StreamState) -> None:
        super().__init__(classes="stream-row")
        self.key = state.key
        self._state = state
        self._shown: tuple[object, ...] = ()
        #: Component styles as drawn (:meth:`_component`), forgotten when the styles change.
        self._components: dict[str, Style] = {}
        #: The next row says this row's reason beneath itself (:meth:`share_reason`).
        self._shared = False
        #: The reason's lines as last wrapped: ((width, reason), lines).
        self._wrapped: tuple[tuple[int, str], list[str]] | None = None

    def show(self, state: StreamState) -> None:
        """Take the stream's latest state; redraws only when something shown changed."""
        self._state = state
        shown = (
            state.status,
            state.counters,
            state.total,
            state.error,
            state.capped,
            state.note,
        )
        if shown == self._shown:
            return
        self._shown = shown
        self.auto_refresh = 1 / PULSE_FPS if self.pulsing else None
        # A layout (of the whole screen: 30-80 ms under load) only when the row's height
        # changes, a failure's reason coming or going beneath it; a stream that starts or
        # ends, and progress four times a second, repaint the row alone.
        width = self.size.width
        self.refresh(layout=bool(width) and 1 + len(self.reason_lines(width)) != self.size.height)

    def share_reason(self, shared: bool) -> None:
        """``shared``: the next row of the source failed with this row's reason and says it
        beneath itself, so this row does not (the dashboard sets it after each update)."""
        if shared != self._shared:
            self._shared = shared
            self.refresh(layout=True)

    # -- what the row shows (tests read these) -----------------------------------------------

    @property
    def pulsing(self) -> bool:
        """Whether the bar pulses: a running stream whose total is unknown."""
        return self._state.bar()[0] is None

    @property
    def counts_line(self) -> str:
        """The counters as shown: fetched, new, dup, failed, pages, calls."""
        width = row_columns(self.size.width, self.app.size.width).count_width
        return counts_text(_count_values(self._state), width)

    @property
    def status_text(self) -> str:
        """The status cell's whole text (the row may cut it with an ellipsis)."""
        state = self._state
        status: str = state.shown_status
        if state.note and not state.error:
            # A re-sync's 304 in one word, which fits at 80 columns (the log and the report
            # give the whole note).
            status = "unchanged" if unchanged_note(state.note) else f"{status}: {state.note}"
        if state.error:
            status = f"{state.status}: {reason_in_row(state.error, state.key)}"
        return clean(status)

    @property
    def reason(self) -> str | None:
        """A failure's reason as the row says it (without the stream's name), or a note's (an
        empty or moved repository: it was cut to "completed: r…" at 80 columns, the whole of it
        only in the log, a fresh tester's finding), or None. A re-sync's 304 stays one word."""
        error, note = self._state.error, self._state.note
        if error:
            return clean(reason_in_row(error, self._state.key))
        return clean(note) if note and not unchanged_note(note) else None

    def reason_below(self, width: int) -> bool:
        """Whether, ``width`` cells wide, the failure's reason goes beneath the row (by this
        row or the next one sharing it) because the status cell cannot hold it whole."""
        return self._reason_overflows(self._status_room(width))

    def _reason_overflows(self, room: int) -> bool:
        """Whether the failure's reason (if any) does not fit a status cell of ``room`` cells."""
        return self.reason is not None and cell_len(self.status_text) > room

    def reason_lines(self, width: int) -> list[str]:
        """The lines beneath the row, ``width`` cells wide: the whole reason, wrapped from the
        bar's column on, or none."""
        reason = self.reason
        if reason is None or self._shared or not self.reason_below(width):
            return []
        key = (width, reason)
        if self._wrapped is None or self._wrapped[0] != key:
            room = max(10, width - NAME_WIDTH)
            lines = Text(reason).wrap(self.app.console, room, overflow="fold")
            self._wrapped = (key, [line.plain.rstrip() for line in lines])
        return self._wrapped[1]

    def _status_room(self, width: int) -> int:
        """The status cell's cells in a row ``width`` cells wide (what :meth:`render` leaves)."""
        cols = row_columns(width, self.app.size.width)
        if cols.status is not None:
            return cols.status
        return _room_left(cols, counts_text(_count_values(self._state), cols.count_width), width)

    # -- drawing -----------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.auto_refresh = 1 / PULSE_FPS if self.pulsing else None

    def render(self) -> Text:
        state = self._state
        cols = row_columns(self.size.width, self.app.size.width)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append_text(_cell(clean(state.entity), cols.name))
        line.append_text(self._bar(cols.bar))
        line.append(" " * cols.bar_gap)
        if cols.progress:
            muted = self._component("stream-row--muted")
            words = (
                progress_text(state)
                if cols.progress >= PROGRESS_TEXT_WIDTH
                else short_progress_text(state)
            )
            line.append_text(_cell(words, cols.progress, muted))
        counts = counts_text(_count_values(state), cols.count_width)
        line.append(counts)
        line.append(" " * cols.status_gap)
        # The columns and counts laid out above give the status cell (as _status_room would,
        # computed again: this runs for every row on every frame).
        room = cols.status if cols.status is not None else _room_left(cols, counts, self.size.width)
        status = str(state.status) if self._reason_overflows(room) else self.status_text
        line.append_text(_cell(status, room, self._status_style(), pad=False))
        return line

    def _status_style(self) -> Style:
        shown = str(self._state.shown_status)
        return self._component(f"stream-row--{shown}" if shown in STATUSES else "stream-row--muted")

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """One line, and the reason's lines beneath it (:meth:`reason_lines`)."""
        return 1 + len(self.reason_lines(width)) if width else 1

    def render_line(self, y: int) -> Strip:
        """The row's line, drawn straight from :meth:`render`'s text (its segments under the
        widget's own style, cut or padded to the width), then the reason's lines. Textual's
        path turned that text into ``Content`` and wrapped and formatted it again on every
        drawing, the largest part of what a pulsing row cost a frame (bench/ui_latency.py)."""
        width = self.size.width
        base = self.visual_style.rich_style
        self._dirty_regions.clear()
        if not width:
            return Strip.blank(width, base)
        if y:
            lines = self.reason_lines(width)
            if y > len(lines):
                return Strip.blank(width, base)
            text = Text(" " * NAME_WIDTH + lines[y - 1], style=self._status_style(), end="")
        else:
            text = self.render()
        segments = text.render(self.app.console)
        return Strip(segments).apply_style(base).crop_extend(0, width, base)

    def _component(self, name: str) -> Style:
        """``get_component_rich_style(name)``, read once per style change: Textual walks up
        the DOM for the background of every call, and a row asked four a drawing; with a
        four-provider run's rows pulsing, that walk was two thirds of drawing them and the
        largest part of the dashboard's longest stalls (bench/ui_latency.py)."""
        style = self._components.get(name)
        if style is None:
            style = self._components[name] = self.get_component_rich_style(name)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._components.clear()  # a theme, a class or an ancestor's look changed

    def _bar(self, width: int) -> Text:
        state = self._state
        total, progress = state.bar()
        # As Textual's bar draws it: the track in the component's background colour, the
        # stretch done in its colour.
        track = Style.from_color(self._component("stream-row--bar").bgcolor)
        if total is None:  # running, total unknown: a pulse (still without animations)
            if self.app.animation_level == "none":
                start, end = 0.0, float(width)
            else:
                span = width + width / 4
                where = (monotonic() * PULSE_CELLS_PER_S) % (2 * span)
                start = (2 * span - where if where > span else where) - width / 4
                end = start + width / 4
            done = (max(0.0, start), min(end, float(width)))
            return _bar_text(width, done, self._colour("stream-row--pulse"), track)
        if state.status == StreamStatus.COMPLETED:
            colour = self._colour("stream-row--complete")
            if state.capped:  # full as far as it was let go, and ended at the cap: "━━━━━━━┫"
                line = _bar_text(width - 1, (0, width - 1), colour, track)
                line.append(CAP, colour)
                return line
            return _bar_text(width, (0, width), colour, track)
        if state.status in STOPPED:
            # What it reached of its estimate in its own colour (a failed one's red) on the
            # track every bar has: never a full bar, and an empty one with nothing reached or
            # no estimate (or past it; stream_bar). The track was tinted in the stopped colour,
            # which drew a stream that failed having fetched nothing as a full bar (a tester's
            # finding); its status and "failed at 0%" say it stopped.
            kind = "stream-row--failed-bar" if state.status == StreamStatus.FAILED else ""
            total, progress = stream_bar(state)
            reached = width * progress / max(total or 1, 1)
            return _bar_text(
                width, (0, reached), self._colour(kind or "stream-row--stopped"), track
            )
        kind = "stream-row--stopped" if state.finished else "stream-row--bar"
        return _bar_text(width, (0, width * progress / max(total, 1)), self._colour(kind), track)

    def _colour(self, component: str) -> Style:
        return Style.from_color(self._component(component).color)


def _count_values(state: StreamState) -> tuple[int, ...]:
    """A stream's counters in the columns' order (:data:`COLUMNS`)."""
    c = state.counters
    return (c.fetched, c.new, c.duplicates, c.failed, c.pages, c.api_calls)


def _cell(text: str, width: int, style: Style | None = None, *, pad: bool = True) -> Text:
    """``text`` in ``width`` cells: cut with an ellipsis when longer, padded when ``pad``."""
    cell = Text(text, style=style or "", no_wrap=True, overflow="ellipsis", end="")
    cell.truncate(width, overflow="ellipsis", pad=pad)
    return cell


_console: Console | None = None


def _bar_text(width: int, done: tuple[float, float], style: Style, track: Style) -> Text:
    """Textual's bar renderable (``textual.renderables.bar.Bar``) as one line of text:
    ``done`` (start and end cells, halves allowed) in ``style``, the rest in ``track``, drawn
    ``─`` where Textual draws ``━`` in the track's colour: by colour alone a stream at 0 and
    one done looked the same on a monochrome terminal or in a pasted screen (a tester's
    finding; ``widgets/toggles.py`` for the same in checkboxes)."""
    global _console
    if _console is None:
        _console = Console(width=256, color_system=None, file=io.StringIO())
    bar = BarRenderable(done, highlight_style=style, background_style=track, width=width)
    for part in bar.__rich_console__(_console, _console.options):
        if isinstance(part, Text):
            line = Text(end="")
            for span in part.spans:
                cells = part.plain[span.start : span.end]
                line.append(TRACK * len(cells) if span.style == track else cells, span.style)
            return line if line.cell_len == part.cell_len else part  # spans cover every cell
    return Text(" " * width, end="")


CAP = "\u252b"  # ┫: a capped stream's bar ends at its cap (--max-items), a done one's does not
TRACK = "\u2500"  # ─: a bar's cells not yet done (Textual's are ━, told apart by colour alone)


def reason_in_row(error: str, key: str) -> str:
    """A failure's reason as a stream's row shows it: without a leading ``key`` (the stream,
    ``sentry:acme/rocket/issue``) or its source (``sentry:acme/rocket``) that the row already
    names, so the width goes to the reason. The full text stays in the log and the detail."""
    source = key.rsplit("/", 1)[0]
    for prefix in (key, source):
        for joint in (": ", " "):
            if error.startswith(prefix + joint) and len(error) > len(prefix + joint):
                return error[len(prefix + joint) :]
    return error
