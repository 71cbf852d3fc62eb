"""The runs overview in one query: every listed run with its streams' totals.

Called through :meth:`Mirror.run_overview <backfill_tui.store.Mirror.run_overview>`; the engine's
read model (``engine/runs.py``) adds the shown status. One ``SELECT`` with a grouped join, not
one query per run: listing a hundred runs costs one statement whatever the mirror holds (and
one more for a run whose streams' counts do not sum to whole numbers: a hand-edited count).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..terms import StreamStatus
from .records import RunRecord, StreamRecord

__all__ = ["RunTotals", "run_overview"]


@dataclass(frozen=True)
class RunTotals:
    """One run's streams, summed: how many, how many completed, and their new, duplicate and
    failed items; and how many streams failed."""

    streams: int
    streams_done: int
    new: int
    duplicates: int
    failed: int
    streams_failed: int


def run_overview(conn: sqlite3.Connection, limit: int) -> list[tuple[RunRecord, RunTotals]]:
    """The newest ``limit`` runs, each with its totals: newest made first (insertion order,
    not ``started_at``: a replay starts at its recording's instant, and was listed ninth of 13
    right after it was made, as a session's note found).

    Raises :class:`~backfill_tui.errors.MirrorError` (``columns``' one line) for a count edited
    by hand past what a count holds, whose sum overflowed SQLite's integers."""
    try:
        return _overview(conn, limit)
    except sqlite3.OperationalError as exc:
        if "integer overflow" not in str(exc):
            raise
        for (run_id,) in conn.execute("SELECT id FROM runs ORDER BY rowid DESC LIMIT ?", (limit,)):
            _check_streams(conn, run_id)  # says which count, as for any other hand edit
        raise


def _overview(conn: sqlite3.Connection, limit: int) -> list[tuple[RunRecord, RunTotals]]:
    cur = conn.execute(
        "SELECT r.*, count(s.id), coalesce(sum(s.status = ?), 0), coalesce(sum(s.new), 0),"
        " coalesce(sum(s.duplicates), 0), coalesce(sum(s.failed), 0),"
        " coalesce(sum(s.status = ?), 0)"
        " FROM (SELECT rowid AS run_rowid, * FROM runs"
        "       ORDER BY rowid DESC LIMIT ?) AS r"
        " LEFT JOIN streams AS s ON s.run_id = r.id"
        " GROUP BY r.id ORDER BY r.run_rowid DESC",
        (str(StreamStatus.COMPLETED), str(StreamStatus.FAILED), limit),
    )
    cols = [c[0] for c in cur.description]
    run_cols = cols[1:-6]  # after run_rowid, before the six totals
    listed = []
    for row in cur.fetchall():
        run, totals = RunRecord.from_row(run_cols, row[1:-6]), row[-6:]
        if not all(isinstance(v, int) and v >= 0 for v in totals):
            _check_streams(conn, run.id)  # a count edited by hand: say which, as `report` does
        listed.append((run, RunTotals(*(int(v) for v in totals))))
    return listed


def _check_streams(conn: sqlite3.Connection, run_id: str) -> None:
    """Read every stream of ``run_id`` as :class:`StreamRecord`: its check raises the one line
    (``columns.check_stream_row``) for the count that summed to no whole number, or to less
    than none (SQLite's ``sum`` of text reads it as 0, and returns a real)."""
    cur = conn.execute("SELECT * FROM streams WHERE run_id = ? ORDER BY id", (run_id,))
    cols = [c[0] for c in cur.description]
    for row in cur.fetchall():
        StreamRecord.from_row(cols, row)
