"""A run the mirror's lock stopped keeps the API calls and rate-limit waits of the pages it
could not store (a fresh tester's finding: ``interrupted · 27 API calls``, resumed to
``completed · 31 API calls`` while its report's streams added up to 25; the first try's
calls and waits were gone, and a report understated the quota a run used)."""

from __future__ import annotations

import asyncio
import logging
import pickle
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import SimulatedEngine, headless_run_a_lock_stopped, simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine import run as run_module
from backfill_tui.engine.background import drive_run
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.errors import FileLocked
from backfill_tui.store import Mirror, opening
from backfill_tui.store import mirror as mirror_module
from backfill_tui.store.records import RunRecord

SOURCES = ("github:acme/rocket", "sentry:acme/rocket")


def _stored(db: Path, run_id: str) -> tuple[int, float]:
    """The run's API calls and rate-limit wait (s) as its rows hold them, streams and lookups."""
    conn = sqlite3.connect(db)
    try:
        totals = [
            conn.execute(
                f"SELECT sum(api_calls), sum(rate_limit_wait_s) FROM {table} WHERE run_id = ?",
                (run_id,),
            ).fetchone()
            for table in ("streams", "run_sources")
        ]
        return sum(int(c or 0) for c, _ in totals), sum(float(w or 0) for _, w in totals)
    finally:
        conn.close()


class _Lines(logging.Handler):
    """The HTTP layer's log records, heard at its own logger: caplog hears only what propagates
    to the root, and an in-process CLI test earlier in the same worker turns propagation off
    for ``backfill_tui`` (cli/logfile.py), which left caplog empty."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def caplog(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Lines]:
    logger = logging.getLogger("backfill_tui.http")
    lines = _Lines()
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.addHandler(lines)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)


def _waits_said(caplog: _Lines) -> list[float]:
    """Each rate-limit wait the HTTP transport made (its log line "waiting 2.0s (...)")."""
    found = (re.search(r": waiting ([0-9.]+)s \(", r.getMessage()) for r in caplog.records)
    return [float(m.group(1)) for m in found if m]


def _locked_midway(
    db: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[SimulatedEngine, RunRecord, sqlite3.Connection, Callable[[ev.ProgressEvent], None]]:
    """A planned run of ``SOURCES`` on a simulator with rate limits, the mirror's lock waits cut
    to a second, a second connection, and a subscriber that has it take the write lock (and
    keep it) once 6 pages are stored."""
    monkeypatch.setattr(mirror_module, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(opening, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(run_module, "MIRROR_WAIT_NOTICE_S", 0.3)
    sim = simulated_engine(db, f"anchor={anchor},latency=0.05,clock=virtual,rate_limit_every=7")
    run = sim.engine.plan(RunRequest("w", tuple(SourceSpec.parse(s) for s in SOURCES)))
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    stored = [0]

    def lock_after_some_pages(event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.PageStored):
            stored[0] += 1
            if stored[0] == 6 and not holder.in_transaction:
                holder.execute("BEGIN IMMEDIATE")  # another writer, and it stays

    return sim, run, holder, lock_after_some_pages


def test_the_calls_of_pages_a_lock_kept_out_are_counted_once_resumed(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, caplog: _Lines
) -> None:
    db = tmp_path / "m.db"
    sim, run, holder, lock_after_some_pages = _locked_midway(db, anchor, monkeypatch)
    sim.engine.subscribe(lock_after_some_pages)
    try:
        with pytest.raises(FileLocked):
            asyncio.run(sim.engine.run(run.id))
    finally:
        holder.rollback()
        holder.close()
    calls, wait = _stored(db, run.id)
    waits = _waits_said(caplog)
    assert calls < len(sim.simulator.requests) and wait < sum(waits)  # the lock kept some out
    assert asyncio.run(sim.engine.run(run.id)) == "completed"  # resumed once the lock is gone
    calls, wait = _stored(db, run.id)
    waits = _waits_said(caplog)
    assert calls == len(sim.simulator.requests)  # every request the simulator answered
    assert waits and wait == pytest.approx(sum(waits), abs=0.05 * len(waits))
    sim.mirror.close()


def test_a_run_in_its_own_process_hands_back_what_the_lock_kept_out(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, caplog: _Lines
) -> None:
    """As the app runs it (``drive_run``, a fresh engine each try): the first try's outcome
    carries the calls and waits the mirror refused, pickled as from a child process; the app's
    retry adds them (``Unrecorded.record``) before it runs the rest."""
    db = tmp_path / "m.db"
    sim, run, holder, lock_after_some_pages = _locked_midway(db, anchor, monkeypatch)
    environment = sim.engine.environment
    try:
        outcome = asyncio.run(
            drive_run(lambda: Mirror.open(db), environment, run.id, [lock_after_some_pages])
        )
    finally:
        holder.rollback()
        holder.close()
    assert outcome.error is not None and "locked" in outcome.error
    outcome = pickle.loads(pickle.dumps(outcome))  # as it crosses from the run's process
    assert outcome.unrecorded is not None
    calls, _ = _stored(db, run.id)
    assert outcome.unrecorded.calls == len(sim.simulator.requests) - calls
    assert outcome.unrecorded.record(sim.mirror)  # the app's retry, before the run goes on
    again = asyncio.run(drive_run(lambda: Mirror.open(db), environment, run.id))
    assert again.status == "completed" and again.unrecorded is None
    calls, wait = _stored(db, run.id)
    waits = _waits_said(caplog)
    assert calls == len(sim.simulator.requests)
    assert waits and wait == pytest.approx(sum(waits), abs=0.05 * len(waits))
    sim.mirror.close()


def test_a_headless_run_a_lock_stopped_names_the_calls_it_could_not_record(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``run`` ends with its process: what the mirror refused cannot wait for a retry, so the
    last lines say it (the report would otherwise understate the quota used in silence)."""
    monkeypatch.setattr(mirror_module, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setattr(opening, "RUN_BUSY_TIMEOUT_S", 1.0)
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},latency=0.1")
    db = tmp_path / "m.db"
    result = headless_run_a_lock_stopped(capsys, db, SOURCES)
    assert result.code == 1, result.err
    note = next(x for x in result.err.splitlines() if x.startswith("note: "))
    assert "API call" in note and "could not be recorded in the mirror" in note, result.err
    assert "`report` will count them short" in note
