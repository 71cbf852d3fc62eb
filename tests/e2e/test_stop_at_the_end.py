"""A stop signal at an awkward instant: what a headless run says follows what was stored.

Two testers' findings. A Ctrl-C just as a run finished printed "cancelled (SIGINT): ... to
continue it: backfill-tui resume RUN" after a summary saying completed, exit 0, and `resume`
then refused the run as already completed. A cancel while a page was being committed printed
that stream's last line a page behind what the mirror stored (and the summary said). The
signal is sent from the run's own progress events (the real engine and the real headless
driver, in this process), so it lands at the instant that matters every time rather than on a
scan of delays.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from support import simulated_engine

from backfill_tui.cli.drive import drive
from backfill_tui.engine.progress import MirrorWait, PageStored, ProgressEvent, RunFinished
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.terms import RunStatus


def test_a_ctrl_c_as_the_run_completes_says_no_cancel(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual")
    request = RunRequest(workspace="w", sources=(SourceSpec.parse("github:acme/rocket"),), depth=7)
    run = sim.engine.plan(request)

    def ctrl_c_at_the_end(event: ProgressEvent) -> None:
        if isinstance(event, RunFinished):  # the run's end is stored; the command goes on
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # the signals' thread notes it (signals.py)

    sim.engine.subscribe(ctrl_c_at_the_end)
    try:
        code = drive(sim.engine, sim.mirror, run.id, as_json=False, quiet=True)
        stored = sim.mirror.get_run(run.id)
    finally:
        sim.mirror.close()
    out, err = capsys.readouterr()
    assert stored is not None and stored.status == RunStatus.COMPLETED
    assert code == 0
    assert "completed" in out
    assert "cancelled" not in err and "resume" not in err, err
    # said, so that whoever sent it sees it was taken (it left no trace: a tester's finding)
    assert err == "note: SIGINT arrived as the run completed; it stopped nothing\n", err


def test_after_a_cancel_mid_commit_each_streams_last_line_is_what_was_stored(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    sim = simulated_engine(db, f"anchor={anchor},clock=virtual")
    sources = (SourceSpec.parse("github:acme/rocket"), SourceSpec.parse("linear:ENG"))
    run = sim.engine.plan(RunRequest(workspace="w", sources=sources, depth=90))
    # Another connection takes the write lock once the first page is stored: the next commit
    # waits on the writer thread (and says so, MirrorWait); the cancel comes while it waits,
    # and the lock is let go after it, so that page lands after the cancel.
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    locked: list[bool] = []

    def cancel_mid_commit(event: ProgressEvent) -> None:
        if isinstance(event, PageStored) and not locked:
            locked.append(True)
            holder.execute("BEGIN IMMEDIATE")
        elif isinstance(event, MirrorWait):  # on the lock watch's thread
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)  # the cancel reaches every stream, one of them mid-commit
            holder.execute("ROLLBACK")

    sim.engine.subscribe(cancel_mid_commit)
    try:
        code = drive(sim.engine, sim.mirror, run.id, as_json=False, quiet=False)
        stored = {s.key: s for s in sim.mirror.streams(run.id)}
    finally:
        sim.mirror.close()
        holder.close()
    err = capsys.readouterr().err
    assert code == 1, err
    last: dict[str, tuple[str, int, int, int, int]] = {}
    for line in err.splitlines():
        said = re.match(
            r"(\S+): (\w+), (\d+) fetched, (\d+) new, (\d+) duplicates?, \d+ failed, (\d+) pages?$",
            line,
        )
        if said:
            key, status, *numbers = said.groups()
            assert key not in last, f"{key} said twice: {err}"
            fetched, new, duplicates, pages = map(int, numbers)
            last[key] = (status, fetched, new, duplicates, pages)
    assert set(last) == set(stored), err
    for key, record in stored.items():
        c = record.counters
        assert last[key] == (record.status, c.fetched, c.new, c.duplicates, c.pages), key
    assert any(record.status == "cancelled" and record.counters.pages for record in stored.values())


def test_the_last_line_of_a_run_whose_end_the_mirror_refused_says_interrupted(
    tmp_path: Path, anchor: str
) -> None:
    """A run ended in this process and still stored "running" (the mirror refused its end: a
    lock that stayed, a full disk) is interrupted, as every face shows it; the app's quit
    printed "run … running; what was stored is kept" (a fresh tester's finding)."""
    from backfill_tui.cli.drive import ended_line

    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual")
    request = RunRequest(workspace="w", sources=(SourceSpec.parse("github:acme/rocket"),), depth=7)
    run = sim.engine.plan(request)
    try:
        assert run.status == RunStatus.RUNNING
        line = ended_line(sim.mirror, run, "")
    finally:
        sim.mirror.close()
    assert line.startswith(f"run {run.id} interrupted; what was stored is kept."), line
