"""The headless face's live progress on stderr, and its human-readable summary.

On a terminal it redraws a small table a few times a second (Rich ``Live``); elsewhere (a log,
CI) it prints one line per finished stream and per rate-limit wait. Provider text is never shown
here except error messages, which are escaped. The summary after the run: summary_lines.py.

A little over 400 lines: the table's fitting to the terminal's width and height belongs with
the table it fits.
"""

from __future__ import annotations

import math
import os
import textwrap
import threading
import time
from datetime import datetime
from typing import IO, Any

from rich import box
from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..engine import progress as ev
from ..terms import StreamCounters, StreamStatus, shown_stream_status
from ..terms import plural as plural  # the one helper (counts.py); still importable from here
from ..textsafe import clean
from .summary_lines import LiteralConsole

STATUS_WIDTH = 24  # the status column's most; longer (a wait's reason) ends in "…"
#: Seconds between two redraws events ask for: the live table redraws itself 4 times a second
#: besides, and one redraw costs ~4 ms, against hundreds of pages a second at zero latency.
REDRAW_EVERY = 0.25


def _frame(columns: int) -> int:
    """The live table's cells besides its columns' text: each column padded by one either side
    but at the table's edges, a separator between columns, and 2 edges (23 for 8 columns)."""
    return 2 * columns - 2 + (columns - 1) + 2


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: the end is kept (``…acme/rocket-web``), as it
    tells two targets of one owner apart."""
    if len(text) <= width:
        return text
    return "…" + text[len(text) - max(1, width - 1) :]


def fold(text: str, width: int, indent: str = "  ") -> list[str]:
    """``text`` as lines of at most ``width`` characters, broken between words (a word longer
    than a line is broken inside it), the lines after the first indented by ``indent``: a
    wait's or a failure's reason read whole on a narrow terminal, not cut at its edge."""
    width = max(len(indent) + 8, width)
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False) or [""]


def fit_source(source: str, width: int) -> str:
    """``github:acme/rocket-web`` in at most ``width`` characters, the provider kept and the
    target's last parts whole where they fit (``vercel:…/rocket-web``, not
    ``vercel:…me/rocket-web``, a tester's finding), else its end (``github:…rocket-web``)."""
    provider, _, target = source.partition(":")
    if len(source) <= width or len(provider) + 5 > width:
        return fit(source, width)
    room = width - len(provider) - 1
    parts = target.split("/")
    for start in range(1, len(parts)):
        tail = "…/" + "/".join(parts[start:])
        if len(tail) <= room:
            return f"{provider}:{tail}"
    return f"{provider}:{fit(target, room)}"


class ProgressConsole(LiteralConsole):
    """A Rich console for the progress on stderr, whose reader may go away (``run … 2>&1
    >/dev/null | head -2``). Rich's own answer to a broken pipe is ``SystemExit(1)``, raised
    inside the engine's progress callback: it cancelled the run, said nothing, and pointed
    stdout (not the pipe that broke) at devnull, so the summary was lost too (a fresh tester's
    finding). The progress is a view of the run, the mirror its product: this console points
    its own descriptor at devnull, says nothing more, and the run goes on to its end; every
    later line to that stream (the last line, a Ctrl-C's) goes nowhere, without an error."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.file.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # a stream without a descriptor: quiet is enough
            pass


class HeadlessDisplay:
    """The progress of a run on ``stream``: on a terminal a live table, redrawn on each event
    and four times a second besides (its title's seconds tick through a long wait: a table
    redrawn only on events froze at "backfill · 5s" for a minute's wait, a fresh tester's
    finding); elsewhere a line per finished stream and per wait. Events may come from the
    engine's threads; the table is drawn from Rich's refresh thread, under ``self._lock``."""

    def __init__(
        self, stream: IO[str], *, quiet: bool = False, brief: bool = False, earlier_s: float = 0.0
    ) -> None:
        self.console = ProgressConsole(file=stream, highlight=False, soft_wrap=True)
        self.live_mode = self.console.is_terminal and not quiet and not brief
        self.quiet = quiet
        #: Only the run's first line ("run ID: N streams since …"): ``run --json`` off a
        #: terminal, whose stderr said nothing at all, so a run killed mid-way left no trace
        #: of its id to resume (a fresh tester's finding).
        self.brief = brief
        self.rows: dict[str, dict[str, Any]] = {}
        #: Requests of each source's own lookup (``SourceCalls``): a source's row counts them,
        #: as the summary's "(N API calls)" under it does.
        self.setup_calls: dict[str, int] = {}
        # The stream waiting (its key), or a source all of whose streams wait (a quota used
        # up) -> (reason and when it resumes, monotonic seconds it ends by); the latest last.
        # Per stream: one source's streams wait for their own causes (a 429 of 4 s on one, a
        # secondary limit of 60 s on another), and a page of one does not end another's wait
        # (a fresh tester saw a source's wait vanish, and another stream's cause shown).
        self.waits: dict[str, tuple[str, float]] = {}
        # A stream (or a source's lookup) whose request is being tried again after an error
        # (a slow answer past the deadline) -> the line saying so, until its next page or end.
        self.retries: dict[str, str] = {}
        self.started = time.monotonic()
        #: Seconds the run ran before this process took it up (a resume's spans before: the
        #: title's time goes on from them, as the summary's "ran" counts them).
        self.earlier_s = earlier_s
        self._live: Live | None = None
        #: At most one redraw an event asks for in this many seconds (:data:`REDRAW_EVERY`).
        self.redraw_every = REDRAW_EVERY
        self._drawn_at = float("-inf")
        self._lock = threading.RLock()

    def __enter__(self) -> HeadlessDisplay:
        if self.live_mode:
            self._live = Live(
                console=self.console,
                refresh_per_second=4,
                transient=False,
                get_renderable=self._shown,
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)

    def erase(self) -> None:
        """Take the live table off the terminal and show the cursor again, for a quit at once
        (``signals.Stop.before_quit``, called from the thread that watches the signals): the
        quit line is then the last on the screen, not followed by a table frozen mid-run."""
        live = self._live
        if live is not None:
            live.transient = True
            live.stop()

    def _shown(self) -> Group | Text:
        """The live table, then the current waits (the latest first, one line per source) and
        each failed stream's reason, folded to the terminal's width; or nothing while no stream
        is known (a stop before the run's streams were listed left an empty table frame after
        the last line)."""
        with self._lock:
            if not self.rows:
                return Text("")
            width = self.console.width
            now = time.monotonic()
            for key, (_, ends) in list(self.waits.items()):
                if ends <= now:  # the wait is over, whether or not a page came since
                    del self.waits[key]
            # One line per cause: the streams of a source waiting for the same one together.
            causes: dict[tuple[str, str, int], list[str]] = {}
            for key, (wait, ends) in reversed(self.waits.items()):
                source, entity = (key.rpartition("/")[0], key.rpartition("/")[2])
                if key not in self.rows:  # a source-wide wait (all its streams)
                    source, entity = key, ""
                left = max(0, math.ceil(ends - now))
                causes.setdefault((source, wait, left), []).append(entity)
            lines = [
                line
                for (source, wait, left), entities in causes.items()
                for line in fold(
                    f"{source}{'/' + ','.join(e for e in entities if e) if any(entities) else ''}"
                    f": {wait} (in {left}s)",
                    width,
                )
            ]
            lines += [
                line
                for key, retry in self.retries.items()
                for line in fold(f"{key}: {retry}", width)
            ]
            failed: dict[tuple[str, str], list[str]] = {}  # one line per source and reason
            for key, row in self.rows.items():
                if row.get("error"):
                    source, _, entity = key.rpartition("/")
                    failed.setdefault((source, clean(row["error"])), []).append(entity)
            lines += [
                line
                for (source, error), entities in failed.items()
                for line in fold(f"{source}/{','.join(entities)} failed: {error}", width)
            ]
            table, lines = self._fit_height(lines)
            if not lines:
                return Group(table)
            return Group(table, Text("\n".join(lines), no_wrap=True, overflow="crop"))

    def _fit_height(self, lines: list[str]) -> tuple[Table, list[str]]:
        """The table and the lines beneath it in the terminal's height (Rich's ``Live`` crops
        what is taller, its last line "...": the demo's four sources at 50x24 lost their waits,
        a fresh tester's finding). Where all would not fit, step by step: the table's blank top
        and bottom edges go, then each source whose streams all ended well shows as one row
        (its counts summed), then the lines beneath that do not fit are counted in one line."""
        height = self.console.height
        sources = len({key.rpartition("/")[0] for key in self.rows})
        tall = len(self.rows) + sources + 5  # title, top edge, header, rule, bottom edge
        table = self._table()
        if tall + len(lines) <= height:
            return table, lines
        table = self._table(collapse=tall - 2 + len(lines) > height)
        table.show_edge = False
        room = max(0, height - (table.row_count + 3))  # title, header, rule
        if len(lines) > room:
            kept = lines[: max(0, room - 1)]
            more = plural(len(lines) - len(kept), "more line")
            lines = [*kept, f"… {more} (a taller terminal shows them)"] if room else []
        return table, lines

    def _end_wait(self, stream: str) -> None:
        """A page or the end of ``stream``: its own wait is over, and so is a wait of its whole
        source (a page came)."""
        self.waits.pop(stream, None)
        self.waits.pop(stream.rpartition("/")[0], None)
        self.retries.pop(stream, None)
        self.retries.pop(stream.rpartition("/")[0], None)

    def _waiting(self, key: str) -> bool:
        return key in self.waits or key.rpartition("/")[0] in self.waits

    def __call__(self, event: ev.ProgressEvent) -> None:
        with self._lock:
            self._handle(event)
        if self._live is not None:
            now = time.monotonic()
            if now - self._drawn_at >= self.redraw_every:  # else the next tick draws it
                self._drawn_at = now
                self._live.refresh()

    def _handle(self, event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.RunStarted):
            for key in event.streams:
                self.rows[key] = {
                    "status": StreamStatus.PENDING,
                    "counters": StreamCounters(),
                    "error": None,
                }
            self._line(
                f"run {event.run_id}: {plural(len(event.streams), 'stream')} since {event.since}",
                brief=True,
            )
            for note in event.notes:  # before a page is read (above a live table too)
                if not self.quiet:
                    self.console.print(escape(f"note: {clean(note)}"))
        elif isinstance(event, ev.SourceCalls):
            self.setup_calls[event.source] = self.setup_calls.get(event.source, 0) + event.api_calls
        elif isinstance(event, ev.StreamStarted):
            row = self.rows.setdefault(event.stream, {"counters": StreamCounters(), "error": None})
            if row.get("status", StreamStatus.PENDING) == StreamStatus.PENDING:
                row["status"] = StreamStatus.RUNNING
        elif isinstance(event, ev.PageStored):
            row = self.rows.setdefault(event.stream, {"error": None})
            row.update(status=StreamStatus.RUNNING, counters=event.counters)
            self._end_wait(event.stream)
        elif isinstance(event, ev.RateLimitWait):
            at = datetime.fromtimestamp(event.until).strftime("%H:%M:%S")
            wait = f"{clean(event.reason)}, resuming at {at}"
            key = event.stream if event.stream in self.rows else event.source
            self.waits.pop(key, None)  # the latest goes last (shown first)
            self.waits[key] = (wait, time.monotonic() + event.seconds)
            self._line(f"{event.source}: {wait}")
        elif isinstance(event, ev.RequestRetry):
            key = event.stream if event.stream in self.rows else event.source
            self.retries[key] = event.line()
            self._line(f"{key}: {event.line()}")
        elif isinstance(event, ev.MirrorWait):  # above the live table too: it shows no wait
            if not self.quiet:  # (sent from the engine's lock watch thread; print is locked)
                self.console.print(escape(event.line()))
        elif isinstance(event, ev.StreamFinished):
            row = self.rows.setdefault(event.stream, {})
            status = shown_stream_status(event.status, capped=event.capped)
            capped = status == StreamStatus.CAPPED
            row.update(status=status, counters=event.counters, error=event.error)
            self._end_wait(event.stream)
            c = event.counters
            note = " by --max-items" if capped else ""
            reason = f": {clean(event.error)}" if event.error else ""
            if event.note:
                reason += f" ({clean(event.note)})"
            self._line(
                f"{event.stream}: {status}{note}, {c.fetched} fetched, {c.new} new, "
                f"{plural(c.duplicates, 'duplicate')}, {c.failed} failed, "
                f"{plural(c.pages, 'page')}{reason}"
            )

    def _line(self, text: str, *, brief: bool = False) -> None:
        """``text`` as a line of its own (off a terminal); ``brief``: one said by a brief
        display too."""
        if not self.live_mode and not self.quiet and (brief or not self.brief):
            self.console.print(escape(text))

    def _table(self, collapse: bool = False) -> Table:
        """The live table: a row per source, its streams' rows beneath; ``collapse``: a source
        whose streams all ended without an error is its one row, its streams' counts summed
        (to fit a short terminal: :meth:`_fit_height`)."""
        elapsed = self.earlier_s + time.monotonic() - self.started
        table = Table(
            title=f"backfill · {elapsed:.0f}s",
            expand=False,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        # The dashboard's short words: at 80 columns "failed" and "calls" showed as "fail…"
        # and "cal…" (a tester's finding).
        counters = [row.get("counters", StreamCounters()) for row in self.rows.values()]
        values = {
            "fetch": [c.fetched for c in counters],
            "new": [c.new for c in counters],
            "dup": [c.duplicates for c in counters],
            "fail": [c.failed for c in counters],
            "pages": [c.pages for c in counters],
            "calls": [c.api_calls for c in counters],
        }
        widths = {n: max(len(n), *(len(str(v)) for v in vs)) for n, vs in values.items()}
        # Where every number column does not fit beside the stream and status at their least,
        # the least read go first (pages, calls, then fail while none failed, then dup): at 50
        # columns Rich squeezed all eight to "fe… … … pa… c…" (a tester's finding).
        numbers = list(values)
        for name in ("pages", "calls", "fail", "dup"):
            if self._table_width(numbers, widths) <= self.console.width:
                break
            if name != "fail" or not any(values["fail"]):
                numbers.remove(name)
        number_width = sum(widths[n] for n in numbers)
        # Widths at this terminal width: the numbers whole, the stream names before the status
        # (a wait's detail is in the caption). Besides its cells the table takes its frame:
        # each column's padding of one either side (none at the table's two edges), a
        # separator between columns and an edge at each side (_frame).
        avail = max(24, self.console.width - number_width - _frame(2 + len(numbers)))
        # A row per source, then its streams' entities indented beneath it (entities whole).
        widest = max(
            (
                max(len(key.rpartition("/")[0]), len(key.rpartition("/")[2]) + 2)
                for key in self.rows
            ),
            default=6,
        )
        room = max(14, min(widest, avail - 10))
        status_width = max(8, min(STATUS_WIDTH, avail - room))
        table.add_column("stream", no_wrap=True)
        table.add_column("status", no_wrap=True, overflow="ellipsis", max_width=status_width)
        for name in numbers:
            table.add_column(name, justify="right", no_wrap=True)
        ended: dict[str, list[dict[str, Any]]] = {}  # the sources shown as one row each
        for key, row in self.rows.items():
            ended.setdefault(key.rpartition("/")[0], []).append(row)
        if collapse:
            ended = {
                source: rows
                for source, rows in ended.items()
                if all(
                    not row.get("error")
                    and row.get("status", StreamStatus.PENDING)
                    not in (StreamStatus.PENDING, StreamStatus.RUNNING)
                    for row in rows
                )
            }
        else:
            ended = {}
        shown_source = None
        for key, row in self.rows.items():
            source, _, entity = key.rpartition("/")
            if source in ended:
                if source != shown_source:
                    shown_source = source
                    setup = self.setup_calls.get(source, 0)
                    table.add_row(*self._source_row(source, ended[source], room, numbers, setup))
                continue
            if source != shown_source:
                shown_source = source
                table.add_row(f"[bold]{escape(fit_source(source, room))}[/]")
            c: StreamCounters = row.get("counters", StreamCounters())
            status = row.get("status", StreamStatus.PENDING)
            if status in (StreamStatus.PENDING, StreamStatus.RUNNING) and self._waiting(key):
                status = "waiting"
            elif status in (StreamStatus.PENDING, StreamStatus.RUNNING) and (
                key in self.retries or source in self.retries
            ):
                status = "retrying"
            if row.get("error"):  # its reason under the table, whole ("failed: G…" at 50 columns)
                status = StreamStatus.FAILED
            cells = {
                "fetch": c.fetched,
                "new": c.new,
                "dup": c.duplicates,
                "fail": c.failed,
                "pages": c.pages,
                "calls": c.api_calls,
            }
            table.add_row(
                escape(fit(f"  {entity}", room)),
                escape(status),
                *(str(cells[name]) for name in numbers),
            )
        return table

    @staticmethod
    def _source_row(
        source: str, rows: list[dict[str, Any]], room: int, numbers: list[str], setup: int = 0
    ) -> list[str]:
        """One row for a source whose streams all ended well: its name, their status (one
        alike, else "ended") and their counts summed, its calls with ``setup``, its lookup's."""
        counters = [row.get("counters", StreamCounters()) for row in rows]
        statuses = {str(row.get("status")) for row in rows}
        cells = {
            "fetch": sum(c.fetched for c in counters),
            "new": sum(c.new for c in counters),
            "dup": sum(c.duplicates for c in counters),
            "fail": sum(c.failed for c in counters),
            "pages": sum(c.pages for c in counters),
            "calls": sum(c.api_calls for c in counters) + setup,
        }
        return [
            f"[bold]{escape(fit_source(source, room))}[/]",
            escape(statuses.pop() if len(statuses) == 1 else "ended"),
            *(str(cells[name]) for name in numbers),
        ]

    @staticmethod
    def _table_width(numbers: list[str], widths: dict[str, int]) -> int:
        """The table's width with these number columns, the stream and status at their least
        (14 and 8 cells)."""
        return 14 + 8 + sum(widths[n] for n in numbers) + _frame(2 + len(numbers))
