"""The dashboard's rows: a header line per source and a row per stream with its progress bar.

Each widget keeps the last state it was given and applies it when mounted, so the dashboard
can hand it state before the first frame. Text is built as :class:`Content` (never parsed as
markup); colours come from CSS classes in ``screens/dashboard.tcss``.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Label, ProgressBar, Static

from ..engine.live import SourceState, StreamState, clock_time
from ..terms import StreamStatus, plural
from ..textsafe import clean

__all__ = [
    "COLUMNS",
    "ColumnHeader",
    "SourceHeader",
    "StreamRow",
    "counts_text",
    "progress_text",
    "stream_bar",
]

STATUS_CLASSES = ("-pending", "-running", "-completed", "-failed", "-cancelled", "-waiting")
#: A stream that ended without completing: its bar shows how far it got, in its own colour.
STOPPED = frozenset({StreamStatus.FAILED, StreamStatus.CANCELLED, StreamStatus.INTERRUPTED})
NAME_WIDTH, PROGRESS_TEXT_WIDTH = 14, 15
COLUMNS = ("fetched", "new", "dup", "failed", "pages", "calls")
SHORT_COLUMNS = ("fetch", "new", "dup", "fail", "pages", "calls")


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
    done = state.counters.fetched
    if state.total is None or done >= state.total:
        return 1.0, 0.0
    return float(max(state.total, 1)), float(done)


def stopped_text(fetched: int) -> str:
    """``stopped at 200``: a stopped stream whose share of its estimate is unknown, within the
    progress column's 15 cells."""
    text = f"stopped at {fetched}"
    return text if len(text) <= PROGRESS_TEXT_WIDTH else f"stopped {fetched}"


def progress_text(state: StreamState) -> str:
    """``62% of ~71`` while running, ``done`` when completed, how far a stopped one got."""
    if state.status == StreamStatus.COMPLETED:
        return f"capped at {state.counters.fetched}" if state.capped else "done"
    if state.total is None:
        if state.status in STOPPED:
            return stopped_text(state.counters.fetched)
        return "" if state.status == StreamStatus.PENDING else "no estimate"
    if state.status == StreamStatus.PENDING:
        return f"~{state.total} expected"
    share = min(99, int(100 * state.counters.fetched / max(state.total, 1)))
    if state.finished and state.counters.fetched >= state.total:
        return stopped_text(state.counters.fetched)  # past the estimate: no share
    if state.finished:
        return f"stopped at {share}%"
    return f"{share:>2}% of ~{state.total}"


class ColumnHeader(Horizontal):
    """The column names above the stream rows, in cells styled like the rows' (so they align)."""

    def __init__(self) -> None:
        super().__init__(id="column-header")
        self.compact = False

    def compose(self) -> ComposeResult:
        yield Label("stream", classes="stream-name")
        yield Label("progress", classes="bar-head")
        yield Label("", classes="stream-progress")
        yield Label(Content(counts_header(6 if self.compact else 7)), classes="stream-counts")
        yield Label("status", classes="stream-status")

    def set_compact(self, compact: bool) -> None:
        """Narrower counter columns (below 100 columns of terminal)."""
        self.compact = compact
        if self.is_mounted:
            self.query_one(".stream-counts", Label).update(
                Content(counts_header(6 if compact else 7))
            )


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
        parts = [clean(self.source)]
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
        waiting = state.waiting(now)
        if waiting and state.wait_until is not None:
            left = max(0, round(state.wait_until - now))
            reason = state.wait_reason or "rate limited"
            parts.append(f"{reason}, resuming at {clock_time(state.wait_until)} (in {left}s)")
        text = " · ".join(parts)
        lines = token_lines(state) if len(state.tokens) > 1 else []
        self.set_class(waiting, "-waiting")
        shown = "\n".join([text, *lines])
        if shown != self._text:
            # A layout only when the line may wrap (or did), or the token lines come or go: a
            # quota changing on every page must not lay the whole screen out again.
            widest = max(len(line) for line in [*shown.splitlines(), *self._text.splitlines()])
            wraps = widest >= self.size.width - 1
            height_changed = shown.count("\n") != self._text.count("\n")
            self._text = shown
            content = Content.assemble(
                text, *(("\n" + line, "not bold $text-muted") for line in lines)
            )
            self.update(content, layout=wraps or height_changed or not self.size.width)


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


class StreamRow(Horizontal):
    """One stream: name, progress bar, fetched/estimate, counters and status."""

    def __init__(self, state: StreamState) -> None:
        super().__init__(classes="stream-row")
        self.key = state.key
        self._state = state
        self._shown: tuple[object, ...] = ()
        self.compact = False

    def set_compact(self, compact: bool) -> None:
        """Narrower counter columns (below 100 columns of terminal)."""
        if compact != self.compact:
            self.compact = compact
            self._shown = ()
            if self.is_mounted:
                self._apply()

    def compose(self) -> ComposeResult:
        yield Label(Content(clean(self._state.entity)), classes="stream-name")
        yield ProgressBar(total=None, show_eta=False, show_percentage=False)
        yield Label("", classes="stream-progress")
        yield Label("", classes="stream-counts")
        yield Label("", classes="stream-status")

    def on_mount(self) -> None:
        self._apply()

    def show(self, state: StreamState) -> None:
        self._state = state
        if self.is_mounted:
            self._apply()

    def _apply(self) -> None:
        state = self._state
        c = state.counters
        total, progress = stream_bar(state)
        shown = (
            state.status,
            c,
            total,
            progress,
            state.error,
            state.capped,
            state.note,
            self.compact,
        )
        if shown == self._shown:
            return
        self._shown = shown
        self.query_one(ProgressBar).update(total=total, progress=progress)
        # Every cell has a fixed size (dashboard.tcss): new text needs a repaint, not a layout
        # of the whole screen, which four times a second per row would stall the UI.
        self.query_one(".stream-progress", Label).update(
            Content(progress_text(state)), layout=False
        )
        self.query_one(".stream-counts", Label).update(
            Content(
                counts_text(
                    (c.fetched, c.new, c.duplicates, c.failed, c.pages, c.api_calls),
                    6 if self.compact else 7,
                )
            ),
            layout=False,
        )
        status: str = state.shown_status
        if state.note and not state.error:
            status = f"{status}: {state.note}"
        if state.error:
            status = f"{state.status}: {reason_in_row(state.error, state.key)}"
        label = self.query_one(".stream-status", Label)
        label.update(Content(clean(status)), layout=False)
        for name in STATUS_CLASSES:
            label.set_class(name == f"-{state.status}", name)
        stopped = state.status in STOPPED
        self.set_class(stopped and state.status != StreamStatus.FAILED, "-stopped")
        self.set_class(state.status == StreamStatus.FAILED, "-failed")


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
