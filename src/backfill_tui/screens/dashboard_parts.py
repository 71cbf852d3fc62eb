"""The dashboard's texts for a run, made from its record and progress: its title
(:func:`run_title`), its times (:func:`duration`), and what failed or was cancelled
(:func:`failed_text`, :func:`cancelled_text`) for the overall line.

Plain functions of the run's state, apart from the screen that shows them
(:class:`.dashboard.DashboardScreen`), so they are read and tested without an app.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..terms import StreamStatus, plural, what_failed
from ..textsafe import clean

if TYPE_CHECKING:
    from ..engine.live import RunProgress
    from ..engine.mirror import RunRecord


def duration(seconds: float | None) -> str:
    """``MM:SS``, or ``H:MM:SS`` from an hour, to the nearest second; ``--:--`` where there is
    no time to say (an ETA not known yet)."""
    if seconds is None:
        return "--:--"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes:02}:{secs:02}"


def run_title(run: RunRecord, width: int) -> str:
    """``run ID · workspace W · 30 days since 2026-10-31 11:56 UTC · simulated``, or a shorter
    form of it when that is wider than ``width`` cells (the id always whole). A replay says
    ``· replay`` instead (it read as the run it replayed: a fresh tester's finding)."""
    since = datetime.fromisoformat(run.since).astimezone(UTC)
    sim = " · replay" if run.recording else " · simulated" if run.simulate else ""
    ws = clean(run.workspace)
    forms: tuple[str, ...] = (
        f"run {run.id} · workspace {ws} · {run.depth_days} days since "
        f"{since:%Y-%m-%d %H:%M} UTC{sim}",
        f"run {run.id} · {ws} · {run.depth_days} days since {since:%b %d %H:%M} UTC{sim}",
        f"run {run.id} · {ws} · {run.depth_days} days since {since:%b %d}{sim}",
        f"run {run.id} · {ws} · {run.depth_days} days since {since:%b %d}",
    )
    if run.recording:  # the replay is said first of what the narrowest form leaves out
        forms = (*forms[:-1], f"run {run.id} · {ws} · {run.depth_days} days{sim}", forms[-1])
    return next((f for f in forms if len(f) <= width), forms[-1])


def failed_text(progress: RunProgress) -> str:
    """What failed, streams and items each named: ``4 streams failed``, ``3 items failed``,
    ``0 items failed``, and one stream by its key: ``github:acme/rocket/release failed``,
    ``github:acme/rocket/release, 2 items failed``. The totals line said "0 failed" (items)
    beside four failed streams, which read as if nothing had (a tester's finding); "1 stream
    failed" left the reader to find which in a table that at 80x24 may not show its row (a
    fresh tester's finding)."""
    failed = [key for key, s in progress.streams.items() if s.status == StreamStatus.FAILED]
    items = progress.totals().failed
    if len(failed) == 1:
        return f"{', '.join(p for p in (clean(failed[0]), what_failed(0, items)) if p)} failed"
    return f"{what_failed(len(failed), items) or '0 items'} failed"


def cancelled_text(progress: RunProgress) -> str:
    """The cancelled streams, named as the failed ones are: ``2 streams cancelled``; empty when
    none was (the totals named failed streams, never cancelled ones: a fresh tester's finding)."""
    streams = sum(1 for s in progress.streams.values() if s.status == StreamStatus.CANCELLED)
    return f"{plural(streams, 'stream')} cancelled" if streams else ""
