"""``backfill-tui replay ''`` (an unset variable in a script) says the path is empty, exit 2; it
said ". is a folder", the empty path read as the current folder (a fresh tester's finding)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_recording_path_is_said_as_empty(
    given: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(capsys, "replay", given, "--db", str(tmp_path / "mirror.db"))
    assert result.code == 2
    assert "error: FILE is empty; give the file `run --record` wrote" in result.err, result.err
    assert "folder" not in result.err and "argument" not in result.err
    assert result.err.count("\n") == 1
    assert not (tmp_path / "mirror.db").exists()  # nothing was opened or made


def test_an_empty_run_id_is_said_once(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Its argument is named once, as an option's is ("argument RUN_ID: RUN_ID is empty")."""
    result = run_cli(capsys, "report", "", "--db", str(tmp_path / "mirror.db"))
    assert result.code == 2
    assert "error: RUN_ID is empty; give a run id" in result.err, result.err
    assert "argument" not in result.err
