"""`auth status`, `trigger` and `runs` write their output at once, as the other commands do.

A fresh tester's finding: `auth status | head -1` and `trigger … | head -1` exited 141 where the
other commands exit 0. With ``PYTHONUNBUFFERED=1`` (set on the tester's machine) each line was
its own write, so a reader that left after the first line found the pipe closed under the
second; written at once, the output is complete before the reader can leave.

stdout here is a SOCK_SEQPACKET socket, which keeps each write a message of its own: the reader
takes the first write, closes its end, and the command must have said everything in it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from support import run_cli

ONE = ("--integration", "i1", "--workspace", "w", "--org", "o", "--provider", "github",
       "--user-source", "u")  # fmt: skip


def _first_write(args: list[str], cwd: Path) -> tuple[str, int, str]:
    """(the command's first write to stdout, its exit status once that reader left, stderr)."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with ours:
        process = subprocess.Popen(
            [sys.executable, "-m", "backfill_tui", *args],
            stdout=theirs.fileno(), stderr=subprocess.PIPE, text=True, cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        theirs.close()
        first = ours.recv(1 << 20).decode()
    _, err = process.communicate(timeout=120)
    return first, process.returncode, err


@pytest.mark.parametrize(
    ("command", "lines"),
    [
        (["auth", "status"], ["GitHub", "Linear", "Sentry", "Vercel"]),
        (["trigger", *ONE, "--db", "t.db"], ["dry run:", "sample event:", "nothing was sent"]),
        (["runs", "--db", "m.db"], ["completed"]),
    ],
    ids=["auth-status", "trigger", "runs"],
)
def test_a_reader_that_leaves_after_the_first_write_has_it_all(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: list[str], lines: list[str]
) -> None:
    if command[0] == "runs":
        for _ in range(2):
            made = run_cli(capsys, "run", "github:acme/rocket", "--simulate", "--days", "7",
                           "--workspace", "w", "--quiet", "--db", str(tmp_path / "m.db"))  # fmt: skip
            assert made.code == 0, made.err
        command = [*command, "--limit", "1"]
    first, code, err = _first_write(command, tmp_path)
    for line in lines:
        assert line in first, first
    assert code == 0, err
    if command[0] == "runs":  # stdout holds the runs only: `runs | head -1` is the newest
        assert first[:8].isdigit(), first  # a run id: the date it started
        assert len(first.splitlines()) == 1 and "note: newest 1 of 2 runs" in err, (first, err)
    assert "Traceback" not in err
