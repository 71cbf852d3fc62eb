"""A mirror this process holds open is never opened outside SQLite (store/opening.py).

Closing any descriptor of a file drops all of a process's POSIX locks on it. The app holds its
mirror while its run writes from a child process; reading the mirror's first bytes with a plain
``open()`` (the Export screen's status, a "not the mirror" check of an output path) dropped the
app's shared lock, so the child's connection, closing, believed it was the last one and deleted
the -wal and -shm the app still used: its next run vanished and the file ended up corrupt.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from backfill_tui.engine.outputs import sniff
from backfill_tui.export.common import export_status
from backfill_tui.store import Mirror, held_here

CHILD = textwrap.dedent(
    """
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA journal_mode")
    conn.execute("SELECT count(*) FROM observations").fetchone()
    print("open", flush=True)
    sys.stdin.readline()  # the parent has looked at the file meanwhile
    conn.close()          # the last connection? then SQLite deletes the -wal and -shm
    print("closed", flush=True)
    """
)


def test_looking_at_a_held_mirror_keeps_its_wal_when_another_process_closes(
    tmp_path: Path,
) -> None:
    db = tmp_path / "mirror.db"
    mirror = Mirror.open(db)
    assert held_here(db)
    mirror.conn.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    mirror.conn.execute("INSERT INTO probe VALUES (1)")
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "open"
        # What the app does while its run goes: the Export screen's status, an output check,
        # a second read-only open.
        assert export_status(db, "ws") == {}
        assert sniff(db) == "a SQLite database"
        Mirror.open(db, readonly=True).close()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "closed"
    finally:
        child.wait(timeout=30)
    # This process still holds the mirror: its -wal and -shm are still there, and it writes on.
    assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
    mirror.conn.execute("INSERT INTO probe VALUES (2)")
    mirror.close()
    assert not held_here(db)
    check = sqlite3.connect(db)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert check.execute("SELECT count(*) FROM probe").fetchone()[0] == 2
    finally:
        check.close()
