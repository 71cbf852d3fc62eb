"""Who holds a mirror open, as the "locked" line names them (store/failures.py).

The terminal app holds its mirror open to read while its run writes from a child process; the
child's "Run stopped — the mirror is locked by another process" line named the app itself
beside the real holder ("process 452, 464": a fresh tester's finding). Known readers are left
out of every such line.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from backfill_tui.store import Mirror, failures

#: Opens the mirror (argv[1]) and reads it; with argv[2] "write", takes its write lock too.
HOLD = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("SELECT count(*) FROM observations").fetchone()
    if sys.argv[2:] == ["write"]:
        conn.execute("BEGIN EXCLUSIVE")
    print("open", flush=True)
    sys.stdin.readline()
    """
)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="holders are read from /proc")
def test_a_known_reader_is_not_named_as_holding_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(failures, "_READERS", set())  # this process's readers, none yet
    db = tmp_path / "mirror.db"
    Mirror.open(db).close()
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD, str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for child in readers:
            assert child.stdout is not None and child.stdout.readline() == "open\n"
        app, writer = (child.pid for child in readers)
        assert sorted(failures.lock_holders(db)) == sorted([app, writer])
        failures.add_readers([app])  # as engine.background does for the app's pid
        assert failures.lock_holders(db) == [writer]
        line = failures.locked(db).line()
        assert f"process {writer}" in line and str(app) not in line
    finally:
        for child in readers:
            child.communicate("\n", timeout=10)


@pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="locks are read from /proc/locks")
def test_the_process_holding_the_write_lock_is_named_not_an_idle_one_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second app, idle with the mirror open, was named beside the process that held its
    write lock ("process 905, 28156": a tester's finding). The holder is read from the lock
    itself: SQLite's WAL write-lock byte of the -shm file, in /proc/locks."""
    monkeypatch.setattr(failures, "_READERS", set())
    db = tmp_path / "mirror.db"
    Mirror.open(db).close()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", HOLD, str(db), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for mode in ("read", "write")
    ]
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline() == "open\n"
        idle, writer = (child.pid for child in children)
        assert failures.lock_holders(db) == [writer]
        line = failures.locked(db).line()
        assert f"process {writer}" in line and str(idle) not in line
    finally:
        for child in children:
            child.communicate("\n", timeout=10)
