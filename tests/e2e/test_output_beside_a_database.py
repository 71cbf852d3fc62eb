"""An output path that is another SQLite database's side file is refused (one line, exit 2).

A fresh tester's finding: ``--record full.db-wal`` (``full.db`` another mirror, closed) was
accepted; the next open of ``full.db`` took the recording for its write-ahead log, found it
invalid and discarded it: the recording was lost. ``report --output`` is checked the same way.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import run_cli

SIDES = ["-wal", "-shm", "-journal"]


@pytest.mark.parametrize("side", SIDES)
def test_record_beside_another_database_is_refused(
    capsys: pytest.CaptureFixture[str], mirror: Path, tmp_path: Path, side: str
) -> None:
    full = tmp_path / "full.db"
    shutil.copy(mirror, full)  # another mirror, closed
    record = tmp_path / f"full.db{side}"
    result = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                     "--quiet", "--record", str(record), "--db", str(tmp_path / "other.db"))  # fmt: skip
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert f"--record {record} is where SQLite keeps the {side[1:]} file" in result.err
    assert not record.exists() and not (tmp_path / "other.db").exists()


@pytest.mark.parametrize("side", SIDES)
def test_report_output_beside_another_database_is_refused(
    capsys: pytest.CaptureFixture[str], mirror: Path, tmp_path: Path, side: str
) -> None:
    full = tmp_path / "full.db"
    shutil.copy(mirror, full)
    output = tmp_path / f"full.db{side}"
    runs = run_cli(capsys, "runs", "--db", str(mirror), "--json")
    run_id = runs.out.split('"run_id": "')[1].split('"')[0]
    result = run_cli(capsys, "report", run_id, "--output", str(output), "--db", str(mirror))
    assert result.code == 2, result
    assert result.err.count("\n") == 1
    assert f"--output {output} is where SQLite keeps the {side[1:]} file" in result.err
    assert not output.exists()


def test_a_side_file_name_with_no_database_beside_it_is_accepted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    record = tmp_path / "notes-wal"  # no file "notes": nothing of SQLite's to disturb
    result = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
                     "--quiet", "--record", str(record), "--db", str(tmp_path / "m.db"))  # fmt: skip
    assert result.code == 0, result.err
    assert record.is_file()
