"""The dashboard's texts for a run, made from its record and progress: its title
(:func:`run_title`), its times (:func:`duration`), and what failed or was cancelled
(:func:`failed_text`, :func:`cancelled_text`) for the overall line.

Also the line naming the stream rows out of sight (:func:`streams_hint`) and the chart's words
with no run open (:func:`no_run_chart_text`).

Plain functions of the run's state, apart from the screen that shows them
(:class:`.dashboard.DashboardScreen`), so they are read and tested without an app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..terms import StreamStatus, duration, grouped, noun, plural, what_failed
from ..textsafe import clean

if TYPE_CHECKING:
    from ..engine.live import RunProgress
    from ..engine.mirror import RunRecord


def run_title(run: RunRecord, width: int) -> str:
    """``run ID · workspace W · 30 days since 2026-10-31 11:56 UTC · simulated``, or a shorter
    form of it when that is wider than ``width`` cells (the id always whole). A replay says
    ``· replay`` instead (it read as the run it replayed: a fresh tester's finding).

    "since" is said with its time or not at all: a form with the date alone ("since Oct 31")
    was taken wherever the form with the time was a few cells too wide (a workspace longer
    than "demo" at 80 columns), so one run's header had the time and another's had not (a
    stranger's finding). Narrower, the "simulated" or "replay" tag is kept before "since"."""
    since = datetime.fromisoformat(run.since).astimezone(UTC)
    sim = " · replay" if run.recording else " · simulated" if run.simulate else ""
    ws = clean(run.workspace)
    head = f"run {run.id} · {ws} · {run.depth_days} days"
    forms: tuple[str, ...] = (
        f"run {run.id} · workspace {ws} · {run.depth_days} days since "
        f"{since:%Y-%m-%d %H:%M} UTC{sim}",
        f"{head} since {since:%b %d %H:%M} UTC{sim}",
        f"{head}{sim}",
        head,
    )
    return next((f for f in forms if len(f) <= width), forms[-1])


def failed_text(progress: RunProgress) -> str:
    """What failed, streams and items each named: ``4 streams failed``, ``3 items failed``,
    and one stream by its key: ``github:acme/rocket/release failed``,
    ``github:acme/rocket/release, 2 items failed``; empty when nothing failed. The totals line
    said "0 failed" (items) beside four failed streams, which read as if nothing had (a
    tester's finding); "1 stream failed" left the reader to find which in a table that at
    80x24 may not show its row (a fresh tester's finding). "0 items failed" came and went as
    the line's other figures grew and shrank around the width that held it (a fresh tester's
    finding): nothing failed is said by saying nothing."""
    failed = [key for key, s in progress.streams.items() if s.status == StreamStatus.FAILED]
    items = progress.totals().failed
    if len(failed) == 1:
        return f"{', '.join(p for p in (clean(failed[0]), what_failed(0, items)) if p)} failed"
    what = what_failed(len(failed), items)
    return f"{what} failed" if what else ""


def cancelled_text(progress: RunProgress) -> str:
    """The cancelled streams, named as the failed ones are: ``2 streams cancelled``; empty when
    none was (the totals named failed streams, never cancelled ones: a fresh tester's finding)."""
    streams = sum(1 for s in progress.streams.values() if s.status == StreamStatus.CANCELLED)
    return f"{plural(streams, 'stream')} cancelled" if streams else ""


def overall_line(progress: RunProgress, now: float, room: int, *, compact: bool) -> str:
    """The run's overall line (status, times, counts) in the first of its forms that fits
    ``room`` cells; ``compact`` (below 100 columns): the short words only."""
    t = progress.totals()
    status = progress.status
    eta = progress.eta(now)
    failed = failed_text(progress)
    cancelled = cancelled_text(progress)
    # After a retry the time is the run's in all, and this try's beside it: a retry that
    # failed again at once left it unchanged, read as not counting the new try (a fresh
    # tester's finding).
    elapsed = duration(progress.elapsed(now))
    this_try = duration(progress.stretch(now)) if progress.retried else None
    # one line at 80 columns (or wherever the long words would be cut): the same figures
    short = [
        status,
        elapsed if this_try is None else f"{elapsed} (try {this_try})",
        f"ETA {duration(eta)}" if progress.running else "",
        f"{t.fetched:,} fetched",
        f"{t.new:,} new",
        f"{t.duplicates:,} dup",
        failed,
        cancelled,
        plural(t.pages, "page"),
        plural(t.api_calls, "call"),
    ]
    parts = [
        status,
        f"elapsed {elapsed}" + ("" if this_try is None else f" (this try {this_try})"),
        f"ETA {duration(eta)}" if progress.running else "",
        f"{t.fetched:,} fetched",
        f"{t.new:,} new",
        f"{t.duplicates:,} duplicate",
        failed,
        cancelled,
        plural(t.pages, "page"),
        plural(t.api_calls, "API call"),
    ]
    # The first form that fits: the long words, then the short ones (below 100 columns
    # only these); where a form is too wide, in the short form, first the pages and the
    # calls go, then the new and duplicate counts (the table has them all: a failed
    # stream's name, at 80 columns, comes first). A line too wide even so keeps its calls
    # (or the failed stream's name) and is cut at the end.
    pages, calls = plural(t.pages, "page"), plural(t.api_calls, "call")
    counts = (f"{t.new:,} new", f"{t.duplicates:,} dup")
    forms: list[tuple[str, list[str], tuple[str, ...]]] = []
    if not compact:
        forms.append((" · ", parts, ()))
    forms += [("  ", short, drop) for drop in ((), (pages,))]
    cut = len(forms) - 1  # the form shown, cut, when none fits
    forms.append(("  ", short, (pages, calls)))
    if failed and not failed[0].isdigit():  # a failed stream is named: kept, even cut
        forms.append(("  ", short, (pages, calls, *counts)))
        cut = len(forms) - 1
    lines = [joint.join(p for p in words if p and p not in drop) for joint, words, drop in forms]
    return next((line for line in lines if len(line) <= room), lines[cut])


def streams_hint(above: int, below: int, focused: bool = True) -> str:
    """The streams panel's title: the rows scrolled out of sight, ``4 more streams below ↓``,
    and how to reach them (Tab first where the rows have not the focus); empty when every row
    is in sight."""
    if not above and not below:
        return ""
    parts = [f"↑ {plural(above, 'stream')} above"] if above else []
    if below:
        parts.append(f"{below} more {noun(below, 'stream')} below ↓")
    return " · ".join(parts) + (" (↑↓ PgDn: scroll)" if focused else " (Tab, then ↑↓: scroll)")


def no_run_chart_text(observations: int) -> str:
    """The day chart's words with no run open: what the mirror holds and how to chart a run."""
    held = (
        f"The mirror holds {grouped(observations, 'observation')} (F4 lists them). "
        if observations
        else "The mirror holds no observations yet. "
    )
    return f"{held}A run's days show here: open one (F5) or start one (F2, ctrl+s)."
