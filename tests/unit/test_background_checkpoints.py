"""A run's pages are copied from the WAL into the mirror's file while the run goes
(``store/checkpoints.py``), not all after its last page, where the copy and its two syncs were
about 45 ms of a four-provider replay's half second (bench/replay.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from backfill_tui.models import SourceEvent
from backfill_tui.store import Mirror, RunRecord
from backfill_tui.store.checkpoints import BackgroundCheckpoints


def _event(source_id: str) -> SourceEvent:
    return SourceEvent(
        source="github",
        sourceType="push",
        sourceId=source_id,
        title=f"[Push] {source_id}",
        body="body",
        occurredAt="2026-11-01T10:00:00Z",
        metadata={"deliveryId": f"backfill-1-push-{source_id}"},
    )


def _in_the_file_alone(path: Path) -> int:
    """Observations the mirror's main file holds, its WAL left unread (``immutable``: SQLite
    reads the file as it is, https://sqlite.org/uri.html)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        (count,) = conn.execute("SELECT COUNT(*) FROM observations").fetchone()
    finally:
        conn.close()
    return int(count)


def test_a_runs_pages_reach_the_mirrors_file_while_it_writes(tmp_path: Path) -> None:
    """Once ``EVERY_ROWS`` observations are committed during a run (``Mirror.run_writes``),
    they are in the mirror's file before the run ends; fewer wait for the next checkpoint; at
    the end every one is, and the mirror reads them all, each once."""
    path = tmp_path / "m.db"
    mirror = Mirror.open(path)
    mirror.create_run(
        RunRecord(
            "r1", "ws", ["github:acme/rocket"], 30, "2026-10-01T00:00:00+00:00", None, 100_000,
            started_at="2026-11-01T00:00:00+00:00",
        ),
        [("github", "acme/rocket", "push")],
    )  # fmt: skip
    (stream,) = mirror.streams("r1")
    mirror.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # its schema in the file, no rows
    every = BackgroundCheckpoints.EVERY_ROWS

    def commit(first: int, count: int) -> None:
        mirror.commit_page(
            stream, "ws", [_event(f"push:{i}") for i in range(first, first + count)], [],
            fetched=count, cursor=f"c{first}", done=False, capped_at=None, api_calls=1,
            wait_s=0.0,
        )  # fmt: skip

    with mirror.run_writes():
        commit(0, every - 1)
        assert mirror._checkpoints is not None
        mirror._checkpoints.settle()
        assert _in_the_file_alone(path) == 0  # not yet asked for: still in the WAL only
        commit(every - 1, 1)
        mirror._checkpoints.settle()
        assert _in_the_file_alone(path) == every
        commit(every, 5)
    assert _in_the_file_alone(path) == every + 5
    assert mirror.count_observations("ws") == every + 5
    mirror.close()
