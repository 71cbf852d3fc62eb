"""Every command that writes a file makes its missing folders, as ``run --db`` does for the
mirror (a fresh tester's finding: ``report --output`` refused one); what protects data stays:
a file where a folder should be, the mirror itself, an existing file that is not a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli, simulated_run


def _run(capsys: pytest.CaptureFixture[str], db: Path, *extra: str) -> str:
    result = simulated_run(capsys, db, "--json", "--max-items", "5", "--days", "7", *extra)
    assert result.code == 0, result.err
    return str(result.summary["run_id"])


def test_report_output_makes_its_folders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    run_id = _run(capsys, db)
    out = tmp_path / "reports" / "2026" / "run.md"
    result = run_cli(capsys, "report", run_id, "--db", str(db), "--output", str(out))
    assert result.code == 0, result.err
    assert out.read_text().startswith(f"# backfill-tui run {run_id}")
    assert [p.name for p in out.parent.iterdir()] == ["run.md"]  # no temporary file left


def test_record_and_request_log_make_their_folders(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "logs" / "served.jsonl"
    monkeypatch.setenv("BACKFILL_SIM", f"clock=virtual,request_log={log}")
    rec = tmp_path / "recordings" / "new" / "sync.rec.gz"
    _run(capsys, tmp_path / "m.db", "--record", str(rec))
    assert rec.stat().st_size > 0
    assert json.loads(log.read_text().splitlines()[0])["method"] == "GET"


def test_what_protects_data_still_refuses(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    run_id = _run(capsys, db)
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    mirror_bytes = db.read_bytes()
    for output, said in (
        (notes / "sub" / "r.md", f"{notes} is a file, not a folder"),
        (notes, "already exists and is not overwritten"),
        (db, "is the mirror in use"),
    ):
        result = run_cli(capsys, "report", run_id, "--db", str(db), "--output", str(output))
        assert result.code == 2 and said in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1
    assert notes.read_text() == "mine"
    assert db.read_bytes() == mirror_bytes
    assert not list(tmp_path.glob("**/*.md")) and not list(tmp_path.glob("**/.*part"))
