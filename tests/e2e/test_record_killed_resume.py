"""Resuming a run whose `run --record` was killed (kill -9) says its recording was lost (the file
was never completed), not that "a replay of that file ends where the run stopped" for a file that
does not exist (a tester's finding), and removes the unfinished `.part` its dead writer left;
another live process's `.part` for the same path is left alone."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import run_cli, stored_count


def test_resuming_a_killed_recorded_run_says_its_recording_was_lost(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, rec = tmp_path / "m.db", tmp_path / "k9.rec.gz"
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "run", "github:acme/rocket", "--simulate",
         "--workspace", "w", "--db", str(db), "--record", str(rec), "--json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},latency=0.5"},
    )  # fmt: skip
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        for _ in range(1200):
            if stored_count(db) > 0:
                break
            assert process.poll() is None, "ended before it stored anything"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        dead = list(tmp_path.glob(".k9.rec.gz.*.part"))
        assert len(dead) == 1 and not rec.exists()
        # Another process writing the same path now (still running): its file stays.
        writing = tmp_path / f".k9.rec.gz.{live.pid}.abcdefgh.part"
        writing.write_bytes(b"")
    finally:
        if process.poll() is None:
            process.kill()
    try:
        with sqlite3.connect(db) as conn:
            run_id = conn.execute("SELECT id FROM runs").fetchone()[0]
        monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
        resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--quiet")
        assert resumed.code == 0, resumed.err
        assert (
            f"run {run_id} was recorded to {rec}, but that recording was lost: its process was "
            "killed before the recording was completed" in resumed.err
        ), resumed.err
        assert "a replay of that file ends where the run stopped" not in resumed.err
        assert not dead[0].exists()  # its writer is gone: removed
        assert writing.exists()  # its writer still runs: left alone
    finally:
        live.kill()
        live.wait(timeout=30)


def test_resuming_a_run_whose_recording_path_now_holds_another_runs_says_so(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run killed before sealing its recording left its path free; a later run recorded to
    it. Resuming the first said "a replay of that file ends where the run stopped", sending the
    user to replay another run's recording (a fresh tester's finding): it says whose it is."""
    db, rec = tmp_path / "m.db", tmp_path / "r.rec.gz"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},faults=1,clock=virtual")
    first = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                    "--db", str(db), "--record", str(rec), "--json", "--quiet")  # fmt: skip
    assert first.code == 1, first.err  # every request failed: resumable
    rec.rename(tmp_path / "elsewhere.rec.gz")  # its recording gone from the path, as a kill's
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    second = run_cli(capsys, "run", "vercel:acme/rocket-web", "--simulate", "--workspace", "w",
                     "--db", str(db), "--record", str(rec), "--json", "--quiet")  # fmt: skip
    assert second.code == 0, second.err
    resumed = run_cli(capsys, "resume", first.summary["run_id"], "--db", str(db), "--quiet")
    assert (
        f"run {first.summary['run_id']} was recorded to {rec}, but that file is now run "
        f"{second.summary['run_id']}'s recording: this run's recording was lost" in resumed.err
    ), resumed.err
    assert "a replay of that file ends where the run stopped" not in resumed.err


def test_a_completed_run_whose_recording_was_killed_before_sealing_says_it_was_lost(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """kill -9 as a recorded run ended, after the mirror said completed and before the
    recording was sealed, left the run completed, no recording and a hidden .part; `resume`
    then said only "already completed" (a fresh tester's finding). The state that kill leaves
    is made here (the window is a few milliseconds wide): the sealed file gone, a dead
    writer's .part in its place."""
    db, rec = tmp_path / "m.db", tmp_path / "kr.rec.gz"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    ran = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                  "--db", str(db), "--record", str(rec), "--quiet")  # fmt: skip
    assert ran.code == 0, ran.err
    dead = subprocess.Popen(["true"])
    dead.wait()
    part = tmp_path / f".kr.rec.gz.{dead.pid}.rrkunapt.part"
    rec.rename(part)
    with sqlite3.connect(db) as conn:
        run_id = conn.execute("SELECT id FROM runs").fetchone()[0]
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db))
    assert resumed.code == 2 and resumed.err.count("\n") == 1, resumed.err
    assert (
        f"run {run_id} already completed, but its recording {rec} was lost: its process was "
        "killed as the run ended" in resumed.err
    ), resumed.err
    assert "--record FILE" in resumed.err
    assert not part.exists()
