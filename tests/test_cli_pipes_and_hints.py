"""The command line's manners: a closed stdout, hints that name the mirror, bad workspace ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import run_cli


def _closed_pipe_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdout a pipe whose reader is already gone (``| head`` after it quit)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "backfill_tui", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args",
    [
        ("runs", "--db", "m.db"),
        ("--help",),
        ("run", "--simulate", "github:acme/api", "--workspace", "ws", "--db", "m.db", "--quiet"),
    ],
)
def test_a_reader_that_went_away_ends_the_command_quietly(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "backfill_tui", "run", "--simulate", "github:acme/api",
         "--workspace", "ws", "--db", "m.db", "--quiet"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    result = _closed_pipe_run(*args, cwd=tmp_path)
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr
    assert result.returncode in (0, 1, 141), result.stderr
    if args[0] != "run":  # a run's own status stands; a listing's reader left: 141 (or 0)
        assert result.returncode in (0, 141)
