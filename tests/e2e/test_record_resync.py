"""A run recorded into a mirror that already holds the sources replays into any other mirror.

A re-sync asks conditionally and narrows by what its own mirror holds (ETags, earlier runs, a
lookup's stored body), so its recording held 304 answers that a replay into a fresh mirror could
not use: every GitHub stream failed (a tester's finding). A recorded run now fetches in full.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli, stored_ids


def test_a_second_run_recorded_replays_into_a_fresh_mirror(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    first, fresh, rec = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "resync.rec.gz"
    args = ("run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--json")
    assert run_cli(capsys, *args, "--db", str(first)).code == 0
    recorded = run_cli(capsys, *args, "--db", str(first), "--record", str(rec))
    assert recorded.code == 0, recorded.err
    summary = json.loads(recorded.out)
    streams = [s for src in summary["sources"] for s in src["streams"]]
    # In full: every stream fetched its window again (all duplicates), none answered 304.
    assert all(s["fetched"] > 0 and s["new"] == 0 for s in streams), streams

    replayed = run_cli(capsys, "replay", str(rec), "--db", str(fresh), "--json")
    assert replayed.code == 0, replayed.err
    assert "never asked for" not in replayed.err
    again = json.loads(replayed.out)
    fetched = {s["entity"]: s["fetched"] for src in again["sources"] for s in src["streams"]}
    assert fetched == {s["entity"]: s["fetched"] for s in streams}
    assert set(stored_ids(fresh)) == set(stored_ids(first))
