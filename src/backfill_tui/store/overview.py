"""The runs overview in one query: every listed run with its streams' totals.

Called through :meth:`Mirror.run_overview <backfill_tui.store.Mirror.run_overview>`; the engine's
read model (``engine/runs.py``) adds the shown status. One ``SELECT`` with a grouped join, not
one query per run: listing a hundred runs costs one statement whatever the mirror holds.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..terms import StreamStatus
from .records import RunRecord

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
    """The newest ``limit`` runs (by ``started_at``, then insertion), each with its totals."""
    cur = conn.execute(
        "SELECT r.*, count(s.id), coalesce(sum(s.status = ?), 0), coalesce(sum(s.new), 0),"
        " coalesce(sum(s.duplicates), 0), coalesce(sum(s.failed), 0),"
        " coalesce(sum(s.status = ?), 0)"
        " FROM (SELECT rowid AS run_rowid, * FROM runs"
        "       ORDER BY started_at DESC, rowid DESC LIMIT ?) AS r"
        " LEFT JOIN streams AS s ON s.run_id = r.id"
        " GROUP BY r.id ORDER BY r.started_at DESC, r.run_rowid DESC",
        (str(StreamStatus.COMPLETED), str(StreamStatus.FAILED), limit),
    )
    cols = [c[0] for c in cur.description]
    run_cols = cols[1:-6]  # after run_rowid, before the six totals
    return [
        (RunRecord.from_row(run_cols, row[1:-6]), RunTotals(*(int(v) for v in row[-6:])))
        for row in cur.fetchall()
    ]
