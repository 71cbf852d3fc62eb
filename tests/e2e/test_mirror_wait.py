"""A run whose mirror another process has write-locked says so, then goes on when it is free.

Before, the run sat silent for up to the mirror's busy timeout (30 s) and the dashboard showed
"running" with nothing moving (a tester's finding). Now a page's commit that has waited
``MIRROR_WAIT_NOTICE_S`` emits ``MirrorWait``: one line naming the holder's pid, the same line
on the dashboard's log and in the headless output; the run then completes exactly.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support import ground_truth, simulated_engine, stored_ids

from backfill_tui.engine.run import RunRequest, SourceSpec

SOURCE = "github:acme/rocket"


def test_a_run_waiting_on_a_locked_mirror_says_who_holds_it_and_then_finishes(
    tmp_path: Path, anchor: str
) -> None:
    db = tmp_path / "m.db"
    config = f"anchor={anchor},latency=0.2"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backfill_tui",
            "run",
            SOURCE,
            "--simulate",
            "--workspace",
            "w",
            "--days",
            "90",
            "--db",
            str(db),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "BACKFILL_SIM": config},
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()
    holder: sqlite3.Connection | None = None
    try:
        for _ in range(1200):  # until the run has stored its first page
            if db.exists() and os.path.exists(f"{db}-wal") and any("run " in x for x in lines):
                try:
                    with sqlite3.connect(db, timeout=5) as probe:
                        if probe.execute("SELECT count(*) FROM observations").fetchone()[0]:
                            break
                except sqlite3.OperationalError:
                    pass
            assert process.poll() is None, "ended before the lock was taken"
            time.sleep(0.05)
        holder = sqlite3.connect(db, isolation_level=None, timeout=30)
        holder.execute("BEGIN IMMEDIATE")  # as another writer holds it mid-transaction
        for _ in range(400):  # the notice comes after the commit has waited a while
            if any("waiting for the mirror" in x for x in lines):
                break
            assert process.poll() is None, f"ended while locked: {lines}"
            time.sleep(0.05)
        holder.execute("ROLLBACK")
        holder.close()
        holder = None
        process.communicate(timeout=120)
    finally:
        if holder is not None:
            holder.close()
        if process.poll() is None:
            process.kill()
    reader.join(timeout=10)
    wait = [x for x in lines if "waiting for the mirror" in x]
    assert wait, lines
    assert (
        f"another process holds its write lock (process {os.getpid()}); the run goes on when "
        "it is free, or stops if it is still locked after 30 s"
    ) in wait[0]
    assert process.returncode == 0, lines
    ids = stored_ids(db, "w")
    assert len(ids) == len(set(ids))
    since = next(x for x in lines if x.startswith("run ")).rsplit("since ", 1)[1].strip()
    assert set(ids) == ground_truth(config, "github", "acme/rocket", since)


def test_a_lock_that_stays_stops_the_run_after_one_wait_not_one_per_write(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The busy timeout is waited once: a run met a lock that stayed and stopped 275 s later,
    not 30 s, saying it waited eight times, each of its streams' last writes waiting again (a
    fresh tester's finding). Here with a 1 s timeout: one wait, then the run stops (FileLocked)
    and its later writes fail at once; the mirror keeps what it stored."""
    from backfill_tui.engine import progress as ev
    from backfill_tui.engine import run as run_module
    from backfill_tui.errors import FileLocked
    from backfill_tui.store import mirror as mirror_module
    from backfill_tui.store import opening

    monkeypatch.setattr(mirror_module, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(opening, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(run_module, "MIRROR_WAIT_NOTICE_S", 0.3)
    db = tmp_path / "m.db"
    sim = simulated_engine(db, f"anchor={anchor},latency=0.05,clock=virtual")
    request = RunRequest("w", tuple(SourceSpec.parse(s) for s in (SOURCE, "sentry:acme/rocket")))
    run = sim.engine.plan(request)
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    waits: list[ev.MirrorWait] = []

    def lock_after_the_first_page(event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.PageStored) and not holder.in_transaction:
            holder.execute("BEGIN IMMEDIATE")  # another writer, and it stays
        if isinstance(event, ev.MirrorWait):
            waits.append(event)

    sim.engine.subscribe(lock_after_the_first_page)
    try:
        with pytest.raises(FileLocked):
            asyncio.run(sim.engine.run(run.id))
    finally:
        holder.rollback()
        holder.close()
    assert len(waits) == 1, waits
    assert sim.mirror.count_run_observations(run.id) > 0  # what was stored is kept
    assert sim.mirror.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1000  # back after
    sim.mirror.close()
