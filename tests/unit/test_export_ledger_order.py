"""The destinations a workspace was exported to, the one exported to last first: at 80x24 the
export screen's "Already exported" list scrolls, and the row just written, listed in name
order, was below its fold (a tester's finding)."""

from __future__ import annotations

from pathlib import Path

from backfill_tui.store import Mirror
from backfill_tui.store.exports import export_counts, record_export_keys


def test_the_destination_exported_to_last_comes_first(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "m.db")
    try:
        keys = [("ws", f"github-issue:acme/rocket:#{n}:opened", "run-1") for n in range(3)]
        record_export_keys(mirror.conn, "inngest", "a.example", keys)
        mirror.conn.execute("UPDATE exports SET exported_at = '2026-01-01T00:00:00+00:00'")
        mirror.conn.commit()
        record_export_keys(mirror.conn, "postgres", "z.example/db", keys[:2])
        assert list(export_counts(mirror.conn, "ws").items()) == [
            (("postgres", "z.example/db"), 2),
            (("inngest", "a.example"), 3),
        ]
    finally:
        mirror.close()
