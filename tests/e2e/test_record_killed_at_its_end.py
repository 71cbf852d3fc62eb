"""kill -9 as a recorded run ends no longer loses its recording. The mirror was told the run
completed before the recording was sealed: a kill in between left a completed run, no
recording at its path (only a hidden .part), ``resume`` saying the recording was lost and
nothing to replay (a tester's finding). The recording is now sealed before the run's end is
stored, so whenever the mirror says completed, the recording is there, whole.

The run is ``run --simulate --record`` in a process of its own, killed with SIGKILL at the exact
step: the first statement its mirror connection runs after the one that stored the run
completed has committed (SQLite's trace of that connection, set in the child; nothing of
backfill-tui's is replaced)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import run_cli

#: ``backfill-tui ARGS`` (after the first argument, ``after`` or ``before``) in this process,
#: SIGKILLed at the first statement its mirror runs after the run's "completed" has committed,
#: or as the statement storing it begins (it is not stored).
_KILLED_AT_THE_END = """
import os, signal, sqlite3, sys

connect = sqlite3.connect
seen = {"completed": False, "committed": False}
after = sys.argv.pop(1) == "after"

def trace(statement):
    if seen["committed"]:
        os.kill(os.getpid(), signal.SIGKILL)
    if statement.startswith("UPDATE runs SET status = 'completed'"):
        seen["completed"] = True
        if not after:
            os.kill(os.getpid(), signal.SIGKILL)
    elif seen["completed"] and statement.startswith("COMMIT"):
        seen["committed"] = True

def traced(*args, **kwargs):
    conn = connect(*args, **kwargs)
    conn.set_trace_callback(trace)
    return conn

sqlite3.connect = traced
from backfill_tui import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def _killed_at_its_end(tmp_path: Path, anchor: str, when: str) -> tuple[str, str, Path]:
    """A recorded run killed ``when`` ("after", "before") its "completed" is stored: its id,
    its stored status and its recording's path."""
    db, rec = tmp_path / "m.db", tmp_path / "end.rec.gz"
    ran = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_THE_END, when, "run", "github:acme/rocket",
         "--simulate", "--workspace", "w", "--db", str(db), "--record", str(rec), "--quiet"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},clock=virtual"},
    )  # fmt: skip
    assert ran.returncode == -9, (ran.returncode, ran.stderr)  # killed where it was meant to be
    with sqlite3.connect(db) as conn:
        run_id, status = conn.execute("SELECT id, status FROM runs").fetchone()
    return run_id, status, rec


def _calls_and_rows(db: Path) -> tuple[int, int]:
    """(API calls every stream of the mirror made, observations it holds)."""
    with sqlite3.connect(db) as conn:
        calls = conn.execute("SELECT sum(api_calls) FROM streams").fetchone()[0]
        return int(calls), int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])


def _replays_whole(
    tmp_path: Path, rec: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rec`` is at its path, sealed, and replays to a completed run of every observation."""
    assert rec.is_file(), sorted(p.name for p in tmp_path.iterdir())
    assert not list(tmp_path.glob(f".{rec.name}.*.part"))
    monkeypatch.delenv("BACKFILL_SIM", raising=False)
    replayed = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "r.db"), "--json")
    assert replayed.code == 0, replayed.err
    assert replayed.summary["status"] == "completed"
    stored = _calls_and_rows(tmp_path / "m.db")[1]
    assert sum(st["new"] for s in replayed.summary["sources"] for st in s["streams"]) == stored


def test_a_recorded_run_killed_once_it_is_stored_completed_keeps_its_recording(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, status, rec = _killed_at_its_end(tmp_path, anchor, "after")
    assert status == "completed"  # the mirror's end was stored before the kill
    _replays_whole(tmp_path, rec, capsys, monkeypatch)  # and the recording sealed before it
    resumed = run_cli(capsys, "resume", run_id, "--db", str(tmp_path / "m.db"))
    assert resumed.code == 2 and "was lost" not in resumed.err, resumed.err
    assert f"run {run_id} already completed; start a new one" in resumed.err


def test_a_recorded_run_killed_before_it_is_stored_completed_resumes_to_completed(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Sealed, then killed before the mirror stored the end: the run shows interrupted, every
    stream completed; ``resume`` fetches nothing and ends it completed; the recording is whole
    (it says its run completed)."""
    run_id, status, rec = _killed_at_its_end(tmp_path, anchor, "before")
    assert status == "running"
    db = tmp_path / "m.db"
    runs = run_cli(capsys, "runs", "--db", str(db), "--json")
    assert [r["status"] for r in json.loads(runs.out)] == ["interrupted"], runs.out
    before = _calls_and_rows(db)
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--json", "--quiet")
    assert resumed.code == 0, resumed.err
    assert resumed.summary["status"] == "completed"
    assert _calls_and_rows(db) == before  # nothing asked, nothing stored
    _replays_whole(tmp_path, rec, capsys, monkeypatch)
