"""The headless face's live progress on stderr, and its human-readable summary.

On a terminal it redraws a small table a few times a second (Rich ``Live``); elsewhere (a log,
CI) it prints one line per finished stream and per rate-limit wait. Provider text is never shown
here except error messages, which are escaped.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import IO, Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from . import progress as ev
from .textsafe import clean


class HeadlessDisplay:
    def __init__(self, stream: IO[str], *, quiet: bool = False) -> None:
        self.console = Console(file=stream, highlight=False, soft_wrap=True)
        self.live_mode = self.console.is_terminal and not quiet
        self.quiet = quiet
        self.rows: dict[str, dict[str, Any]] = {}
        self.waits: dict[str, str] = {}
        self.started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> HeadlessDisplay:
        if self.live_mode:
            self._live = Live(
                self._table(), console=self.console, refresh_per_second=4, transient=False
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(None, None, None)

    def __call__(self, event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.RunStarted):
            for key in event.streams:
                self.rows[key] = {
                    "status": "pending",
                    "counters": ev.StreamCounters(),
                    "error": None,
                }
            self._line(f"run {event.run_id}: {len(event.streams)} streams since {event.since}")
        elif isinstance(event, ev.PageStored):
            row = self.rows.setdefault(event.stream, {"error": None})
            row.update(status="running", counters=event.counters)
            self.waits.pop(event.stream.rsplit("/", 1)[0], None)
        elif isinstance(event, ev.RateLimitWait):
            at = datetime.fromtimestamp(event.until).strftime("%H:%M:%S")
            self.waits[event.source] = f"{clean(event.reason)}, resuming at {at}"
            self._line(f"{event.source}: {self.waits[event.source]}")
        elif isinstance(event, ev.StreamFinished):
            row = self.rows.setdefault(event.stream, {})
            row.update(status=event.status, counters=event.counters, error=event.error)
            c = event.counters
            note = " (capped by --max-items)" if event.capped else ""
            reason = f": {clean(event.error)}" if event.error else ""
            self._line(
                f"{event.stream}: {event.status}{note}, {c.fetched} fetched, {c.new} new, "
                f"{c.duplicates} duplicates, {c.failed} failed, {c.pages} pages{reason}"
            )
        if self._live is not None:
            self._live.update(self._table())

    def _line(self, text: str) -> None:
        if not self.live_mode and not self.quiet:
            self.console.print(escape(text))

    def _table(self) -> Table:
        elapsed = time.monotonic() - self.started
        table = Table(title=f"backfill · {elapsed:.0f}s", expand=False, title_justify="left")
        for name in ("stream", "status", "fetched", "new", "dup", "failed", "pages", "calls"):
            table.add_column(name, justify="left" if name in ("stream", "status") else "right")
        for key, row in self.rows.items():
            c: ev.StreamCounters = row.get("counters", ev.StreamCounters())
            status = row.get("status", "pending")
            wait = self.waits.get(key.rsplit("/", 1)[0])
            if status == "running" and wait:
                status = wait
            if row.get("error"):
                status = f"failed: {clean(row['error'])}"
            table.add_row(
                escape(key),
                escape(status),
                str(c.fetched),
                str(c.new),
                str(c.duplicates),
                str(c.failed),
                str(c.pages),
                str(c.api_calls),
            )
        return table


def print_summary(console: Console, summary: dict[str, Any]) -> None:
    console.print(
        f"run {summary['run_id']} · workspace {escape(clean(summary['workspace']))} · "
        f"{summary['depth_days']} days since {summary['since']} · {summary['status']}"
    )
    for source in summary["sources"]:
        wait = f", waited {source['rate_limit_wait_s']:.0f}s" if source["rate_limit_wait_s"] else ""
        console.print(
            f"  {source['source']}:{escape(clean(source['target']))} {source['status']} "
            f"({source['api_calls']} API calls{wait})"
        )
        if source["error"]:
            console.print(f"    error: {escape(clean(source['error']))}")
        for s in source["streams"]:
            capped = f", capped at {s['capped_at']}" if s["capped"] else ""
            console.print(
                f"    {s['entity']:<13} {s['status']:<10} {s['fetched']:>6} fetched "
                f"{s['new']:>6} new {s['duplicates']:>6} dup {s['failed']:>4} failed "
                f"{s['pages']:>4} pages{capped}"
            )
