"""A run whose ``run --record`` was killed (kill -9) leaves no recording, and only ``resume``
said so: ``runs`` and its report said nothing, and ``replay`` of the path said "no recording at
…; give the file `run --record` wrote", the very file given (a fresh tester's finding). Now
``runs`` marks it ``(recording lost)`` (``recording_lost`` in ``--json``), the report's
"Recorded to" row says why, and ``replay`` says the run writing it stopped before sealing it.
They only read: the unfinished hidden file stays for ``resume`` to remove."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import killed_headless_run, run_cli


def _killed_recording(tmp_path: Path, anchor: str) -> tuple[Path, Path, str]:
    """A run recording to ``k9.rec.gz`` killed once it stored a page: (mirror, path, run id)."""
    db, rec = tmp_path / "m.db", tmp_path / "k9.rec.gz"
    simulator = f"anchor={anchor},latency=0.5"
    run_id = killed_headless_run(db, ["github:acme/rocket"], simulator, args=("--record", str(rec)))
    return db, rec, run_id


def test_runs_report_and_replay_say_a_killed_runs_recording_was_lost(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db, rec, run_id = _killed_recording(tmp_path, anchor)
    (part,) = tmp_path.glob(".k9.rec.gz.*.part")
    assert not rec.exists()
    listed = run_cli(capsys, "runs", "--db", str(db))
    assert listed.code == 0, listed.err
    (line,) = listed.out.splitlines()
    assert line.endswith("(simulated) (recording lost)"), line
    (row,) = run_cli(capsys, "runs", "--db", str(db), "--json").summary
    assert row["recorded_to"] == str(rec)
    assert row["recording_lost"] == "lost: the run was killed before its recording was sealed"
    report = run_cli(capsys, "report", run_id, "--db", str(db))
    assert report.code == 0, report.err
    assert (
        f"| Recorded to | {rec} (lost: the run was killed before its recording was sealed) |"
        in report.out
    ), report.out
    replay = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "other.db"))
    assert replay.code == 2, replay.err
    (said,) = replay.err.splitlines()
    assert f"no recording at {rec}: the run writing it (process " in said, said
    assert "stopped before sealing it (killed?), leaving only its unfinished hidden file " in said
    assert part.name in said and "`backfill-tui runs` lists that run" in said, said
    assert part.exists() and not (tmp_path / "other.db").exists()  # they only read


def test_replay_of_a_path_a_live_run_records_to_says_it_is_being_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = tmp_path / "now.rec.gz"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (tmp_path / f".now.rec.gz.{live.pid}.abcdefgh.part").write_bytes(b"")
        replay = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "other.db"))
    finally:
        live.kill()
        live.wait(timeout=30)
    assert replay.code == 2, replay.err
    assert f"no recording at {rec} yet: process {live.pid} is writing it now" in replay.err


def test_a_recording_at_its_path_is_named_and_not_called_lost(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sealed recording is only named; one whose path now holds another run's says so."""
    db, rec = tmp_path / "m.db", tmp_path / "r.rec.gz"
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    first = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                    "--db", str(db), "--record", str(rec), "--json", "--quiet")  # fmt: skip
    assert first.code == 0, first.err
    run_id = first.summary["run_id"]
    assert f"| Recorded to | {rec} |" in run_cli(capsys, "report", run_id, "--db", str(db)).out
    assert "recording" not in run_cli(capsys, "runs", "--db", str(db)).out
    rec.rename(tmp_path / "elsewhere.rec.gz")
    second = run_cli(capsys, "run", "vercel:acme/rocket-web", "--simulate", "--workspace", "w",
                     "--db", str(db), "--record", str(rec), "--json", "--quiet")  # fmt: skip
    assert second.code == 0, second.err
    report = run_cli(capsys, "report", run_id, "--db", str(db)).out
    other = second.summary["run_id"]
    assert f"| Recorded to | {rec} (lost: the file now holds run {other}'s recording) |" in report
