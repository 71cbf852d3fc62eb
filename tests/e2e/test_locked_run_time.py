"""A run the mirror's lock stopped keeps the time it ran to its stop, the wait for the lock
included (engine/unrecorded.py's ``ended_at``): its end could not be written under the lock,
so its time ended at its last stored page. A run of 8 s showed ``interrupted 00:01``, and after
the app's retry ``00:09 (try 00:07)`` where it had shown ``00:39`` live (a fresh tester's
finding). The lock is held for good once 6 pages are stored; the mirror's lock waits are 3 s,
so the run stops at least 3 s after the lock was taken. Stored instants are whole seconds:
before the fix the time was at most ``locked - started`` (its last page came before the lock),
after it at least ``locked + 3 - 1 - started``; the checks sit between the two."""

from __future__ import annotations

import asyncio
import json
import pickle
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest
from support import headless_run_a_lock_stopped, simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine import run as run_module
from backfill_tui.engine.background import drive_run
from backfill_tui.engine.report import run_report
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.engine.runs import run_lines
from backfill_tui.errors import FileLocked
from backfill_tui.store import Mirror, opening
from backfill_tui.store import mirror as mirror_module

SOURCES = ("github:acme/rocket", "sentry:acme/rocket")
LOCK_WAIT_S = 3.0


@pytest.fixture(autouse=True)
def _short_lock_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mirror_module, "RUN_BUSY_TIMEOUT_S", LOCK_WAIT_S)
    monkeypatch.setattr(opening, "RUN_BUSY_TIMEOUT_S", LOCK_WAIT_S)
    monkeypatch.setattr(run_module, "MIRROR_WAIT_NOTICE_S", 0.3)


class _Locker:
    """Another process's writer: takes the mirror's write lock once 6 pages are stored and
    keeps it until :meth:`release`; ``at``: the epoch second it took it."""

    def __init__(self, db: Path) -> None:
        self.holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
        self.pages = 0
        self.at = 0.0

    def __call__(self, event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.PageStored):
            self.pages += 1
            if self.pages == 6 and not self.holder.in_transaction:
                self.holder.execute("BEGIN IMMEDIATE")
                self.at = time.time()

    def release(self) -> None:
        if self.holder.in_transaction:
            self.holder.rollback()
        self.holder.close()


def _started(db: Path, run_id: str) -> float:
    with sqlite3.connect(db) as conn:
        text = conn.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
    return datetime.fromisoformat(text).timestamp()


def _ran_before_resume(db: Path, run_id: str) -> float:
    with sqlite3.connect(db) as conn:
        return float(conn.execute("SELECT ran_s FROM runs WHERE id = ?", (run_id,)).fetchone()[0])


def _listed(mirror: Mirror, run_id: str) -> float:
    return next(line.ran_s for line in run_lines(mirror) if line.run.id == run_id)


def test_the_same_engine_writes_the_stop_it_kept_when_it_runs_again(
    tmp_path: Path, anchor: str
) -> None:
    db = tmp_path / "m.db"
    sim = simulated_engine(db, f"anchor={anchor},latency=0.05")
    run = sim.engine.plan(RunRequest("w", tuple(SourceSpec.parse(s) for s in SOURCES)))
    locker = _Locker(db)
    sim.engine.subscribe(locker)
    try:
        with pytest.raises(FileLocked):
            asyncio.run(sim.engine.run(run.id))
    finally:
        locker.release()
    least = locker.at - _started(db, run.id) + 1.5  # past its last page: the lock's wait too
    assert asyncio.run(sim.engine.run(run.id)) == "completed"
    assert _ran_before_resume(db, run.id) >= least  # its first span, to its stop
    assert _listed(sim.mirror, run.id) >= least
    sim.mirror.close()


def test_the_apps_retry_writes_the_stop_the_first_try_handed_back(
    tmp_path: Path, anchor: str
) -> None:
    """As the app runs it (``drive_run``, a fresh engine each try): the stop crosses from the
    run's process in ``RunOutcome.unrecorded``; added before the retry, `runs` and a reopened
    dashboard count it."""
    db = tmp_path / "m.db"
    sim = simulated_engine(db, f"anchor={anchor},latency=0.05")
    run = sim.engine.plan(RunRequest("w", tuple(SourceSpec.parse(s) for s in SOURCES)))
    locker = _Locker(db)
    environment = sim.engine.environment
    try:
        outcome = asyncio.run(drive_run(lambda: Mirror.open(db), environment, run.id, [locker]))
    finally:
        locker.release()
    assert outcome.error is not None and "locked" in outcome.error
    outcome = pickle.loads(pickle.dumps(outcome))  # as it crosses from the run's process
    assert outcome.unrecorded is not None
    least = locker.at - _started(db, run.id) + 1.5
    assert outcome.unrecorded.record(sim.mirror)  # the app's retry, before the run goes on
    assert _listed(sim.mirror, run.id) >= least  # interrupted: to its stop, not its last page
    stop = sim.mirror.get_run(run.id)
    assert stop is not None and stop.finished_at is not None
    report = run_report(sim.mirror, run.id)  # the stop its time counts to is not an end
    assert f"| Finished | not finished (stopped at {stop.finished_at}) |" in report, report
    again = asyncio.run(drive_run(lambda: Mirror.open(db), environment, run.id))
    assert again.status == "completed"
    assert _ran_before_resume(db, run.id) >= least
    sim.mirror.close()


def test_a_headless_run_says_the_time_it_could_not_record(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``run`` ends with its process, the lock still held: its note line names the time."""
    monkeypatch.setattr(mirror_module, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(opening, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},latency=0.1")
    db = tmp_path / "m.db"
    result = headless_run_a_lock_stopped(capsys, db, SOURCES)
    assert result.code == 1, result.err
    note = next(x for x in result.err.splitlines() if x.startswith("note: "))
    assert "the time it ran until " in note and "could not be recorded" in note, result.err


def test_a_headless_run_a_lock_stopped_says_the_time_it_ran_and_exits_1(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Its summary counts the lock's wait (it said ``ran 00:03`` after 34 s) and it exits 1:
    the arguments were good, and the run ended unfinished for a cause outside them (it exited
    2, bad input: a fresh tester's finding). The lock is taken once a page is stored and its
    wait is 3 s, so the run ran at least the 3 s it waited (stored instants are whole seconds:
    2 s); its last stored page came before the lock."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},latency=0.1")
    db = tmp_path / "m.db"
    result = headless_run_a_lock_stopped(capsys, db, SOURCES, "--json")
    assert result.code == 1, result.err
    summary = json.loads(result.out)
    assert summary["status"] == "interrupted"
    assert summary["ran_s"] >= LOCK_WAIT_S - 1, summary["ran_s"]
    assert "the mirror is locked by another process" in result.err.splitlines()[-1]
