"""``report``'s Failures section names the streams that did not complete (a tester's finding: a
cancelled run's report said every stream completed)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import run_cli, simulated_run

#: Today's UTC midnight: the simulated history ends about now, so every window holds items.
ANCHOR = (datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).isoformat()).replace(
    "+00:00", "Z"
)


@pytest.fixture
def finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={ANCHOR}")
    db = tmp_path / "d.db"
    done = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "wd",
                   "--days", "7", "--json", "--db", str(db))  # fmt: skip
    assert done.code == 0, done.err
    return db, json.loads(done.out)["run_id"]


def report(capsys: pytest.CaptureFixture[str], db: Path, run_id: str) -> str:
    result = run_cli(capsys, "report", run_id, "--db", str(db))
    assert result.code == 0, result.err
    return result.out.split("## Failures", 1)[1]


def test_a_completed_run_has_no_failures(
    finished: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert "None: every stream completed" in report(capsys, *finished)


def test_a_cancelled_run_names_its_unfinished_streams(
    finished: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    db, run_id = finished
    with sqlite3.connect(db) as conn:  # as Ctrl-C leaves it: one stream cut short, one not begun
        keys = [row[0] for row in conn.execute(
            "SELECT entity FROM streams WHERE run_id = ? ORDER BY entity", (run_id,)
        )]  # fmt: skip
        conn.execute("UPDATE runs SET status = 'cancelled' WHERE id = ?", (run_id,))
        conn.execute(
            "UPDATE streams SET status = 'cancelled' WHERE run_id = ? AND entity = ?",
            (run_id, keys[0]),
        )
        conn.execute(
            "UPDATE streams SET status = 'pending' WHERE run_id = ? AND entity = ?",
            (run_id, keys[1]),
        )
    failures = report(capsys, db, run_id)
    assert "None:" not in failures
    assert f"github:acme/rocket/{keys[0]}" in failures.replace("\\", "")
    assert "cancelled before it completed" in failures
    assert "never started" in failures
    assert f"resume {run_id}" in failures


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this machine")
def test_a_full_disk_is_one_line_naming_the_report_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write's error names no file: ``report -o /dev/full`` said only "disk full" (a fresh
    tester's finding); the line names the file written, as the README promises."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    assert simulated_run(capsys, db, "--days", "7").code == 0
    (run_id,) = [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM runs")]
    result = run_cli(capsys, "report", run_id, "--db", str(db), "-o", "/dev/full")
    assert result.code == 2
    assert result.err.splitlines() == [
        "backfill-tui: error: disk full: /dev/full; free some space and try again"
    ]


def test_the_report_file_is_named_on_one_line_whatever_its_name_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newline in the ``-o`` path broke "wrote the report … to …" in two (a fresh tester's
    finding): the path is shown escaped, and the file is written under its real name."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    assert simulated_run(capsys, db, "--days", "7").code == 0
    (run_id,) = [r[0] for r in sqlite3.connect(db).execute("SELECT id FROM runs")]
    out = tmp_path / "a\nb.md"
    result = run_cli(capsys, "report", run_id, "--db", str(db), "-o", str(out))
    assert result.code == 0, result
    assert result.err.splitlines() == [f"wrote the report of run {run_id} to {tmp_path}/a\\nb.md"]
    assert out.read_text().startswith(f"# backfill-tui run {run_id}")
