"""A replayed run says so: `runs` marks it and its report names the recording it came from."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import respx
from support import run_cli

from backfill_tui.recording import read_recording


def test_a_replayed_run_is_marked_in_runs_and_its_report(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    rec = tmp_path / "sync.rec.gz"
    recorded = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--db",
        str(tmp_path / "original.db"),
        "--record",
        str(rec),
    )
    assert recorded.code == 0, recorded.err
    started = read_recording(rec).header.run.started_at
    monkeypatch.delenv("BACKFILL_SIM")
    db = tmp_path / "replay.db"
    with respx.mock(assert_all_mocked=True, assert_all_called=False):
        replayed = run_cli(capsys, "replay", str(rec), "--db", str(db), "--json")
    assert replayed.code == 0, replayed.err
    run_id = replayed.summary["run_id"]

    listing = run_cli(capsys, "runs", "--db", str(db))
    assert listing.code == 0, listing.err
    line = next(x for x in listing.out.splitlines() if x.startswith(run_id))
    recorded_at = started[:16].replace("T", " ")  # the instant it replays
    assert line.endswith(f"(replay of sync.rec.gz, recorded {recorded_at})"), line
    as_json = run_cli(capsys, "runs", "--db", str(db), "--json")
    assert '"replay_of": "' + str(rec.resolve()) in as_json.out

    out = tmp_path / "run.md"
    report = run_cli(capsys, "report", run_id, "--db", str(db), "--output", str(out))
    assert report.code == 0, report.err
    text = out.read_text()
    sha = hashlib.sha256(rec.read_bytes()).hexdigest()[:12]
    assert f"| Replayed from | {rec.resolve()} (sha256 {sha}) |" in text
    assert f"| Started | {started} (as recorded) |" in text
    # its end is on the recording's clock too: it read as the time the replay ran
    with closing(sqlite3.connect(db)) as conn:
        finished = conn.execute("SELECT finished_at FROM runs").fetchone()[0]
    assert f"| Finished | {finished} (as recorded) |" in text


def test_a_live_run_has_no_replay_marker(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--simulate",
        "--workspace",
        "demo",
        "--db",
        str(db),
        "--json",
    )
    assert result.code == 0, result.err
    assert "replay of" not in run_cli(capsys, "runs", "--db", str(db)).out
    report = run_cli(capsys, "report", result.summary["run_id"], "--db", str(db))
    assert "Replayed from" not in report.out and "(as recorded)" not in report.out
