"""A recorded run that did not complete (cancelled, failed): resuming it says the resumed part
is not recorded, and replaying its recording ends as the run did, never with a missing answer
and never suggesting `resume` for the replay (which can fetch nothing new).

The cancel is a real SIGINT to a subprocess; the resume and the replays run in this process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import run_cli, stored_count

from backfill_tui.recording import read_recording

SOURCE = "github:acme/rocket"


def _interrupt_once_storing(process: subprocess.Popen[str], db: Path) -> tuple[int, str, str]:
    """SIGINT ``process`` once it has stored observations; its exit status, stdout, stderr."""
    for _ in range(1200):
        if stored_count(db) > 0:
            break
        if process.poll() is not None:
            pytest.fail(f"ended before the signal: {process.communicate()}")
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_a_cancelled_recorded_run_resumes_saying_so_and_replays_to_its_cancel(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, rec = tmp_path / "m.db", tmp_path / "cr.rec.gz"
    config = f"anchor={anchor},latency=0.2"
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "run", SOURCE, "--simulate", "--workspace", "w",
         "--record", str(rec), "--db", str(db), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BACKFILL_SIM": config},
    )  # fmt: skip
    code, out, err = _interrupt_once_storing(process, db)
    assert code == 1, err
    run_id = json.loads(out)["run_id"]
    end = read_recording(rec).header.end
    assert end is not None and end.status == "cancelled"  # the recording says how it ended

    monkeypatch.setenv("BACKFILL_SIM", f"{config.replace('latency=0.2', 'clock=virtual')}")
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--quiet")
    assert resumed.code == 0, resumed.err
    assert (
        f"note: run {run_id} was recorded to {rec} until it stopped; what this resume fetches "
        "is not recorded" in resumed.err
    )

    replayed = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "r.db"), "--json")
    assert replayed.code == 1, replayed.err
    assert replayed.summary["status"] == "cancelled"  # as the recorded run was
    assert "has no answer" not in replayed.err
    errors = {
        stream.get("error")
        for source in replayed.summary["sources"]
        for stream in source["streams"]
        if stream["status"] == "cancelled"
    }
    assert errors == {"the recording ends where its run was cancelled"}
    last = replayed.err.strip().splitlines()[-1]
    assert "resume " + replayed.summary["run_id"] not in last
    assert f"resume run {run_id} in the mirror it was recorded in" in last

    # The replay reached where its recording ends: resuming it is refused, not run again (it
    # fetched nothing and counted calls that were never made: a tester's finding).
    again = run_cli(capsys, "resume", replayed.summary["run_id"], "--db", str(tmp_path / "r.db"))
    assert again.code == 2
    assert "replayed all its recording holds" in again.err
    # Replayed into the mirror where the recorded run has since completed (resumed above): no
    # resume is suggested for it, since nothing is missing there.
    here = run_cli(capsys, "replay", str(rec), "--db", str(db), "--json")
    assert here.code == 1, here.err
    last = here.err.strip().splitlines()[-1]
    assert f"run {run_id} has since completed in this mirror" in last
    assert "resume" not in last.replace("resuming", "")


def test_a_replay_of_a_rejected_run_fails_as_it_did_and_suggests_no_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, rec = tmp_path / "m.db", tmp_path / "401.rec.gz"
    monkeypatch.setenv("BACKFILL_SIM", "token=right-one,clock=virtual")
    monkeypatch.setenv("GITHUB_TOKEN", "wrong-one")
    recorded = run_cli(
        capsys, "run", SOURCE, "--simulate", "--workspace", "w", "--record", str(rec),
        "--db", str(db), "--json",
    )  # fmt: skip
    assert recorded.code == 1 and recorded.summary["status"] == "failed", recorded.err
    monkeypatch.delenv("GITHUB_TOKEN")

    replayed = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "r.db"), "--json")
    assert replayed.code == 1
    assert replayed.summary["status"] == "failed"
    last = replayed.err.strip().splitlines()[-1]
    assert "resume" not in last
    assert f"as run {recorded.summary['run_id']} did" in last
    assert "401" in last  # the cause, which --json left only on stdout
    assert "record a new run" in last
