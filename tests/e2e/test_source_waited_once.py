"""A source's `waited` is the time that passed while it waited, and its wait is told once.

A fresh tester's finding: with ``BACKFILL_SIM=quota=3`` three streams of github:acme/rocket
wait out the same quota reset together; Ctrl-C 4 s in, the summary said ``waited 11s`` (the
three waits summed) of a run that took 4.1 s, and "the quota is used up (0 of 3 calls left),
resuming at …" was printed three times. README: "`waited` counts the time that passed".

The run is a subprocess on the real clock (the reset is an hour away), stopped by a real SIGINT
once its waits have gone on a while; the figures are read back from the mirror it wrote.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from backfill_tui.engine.summary import run_summary
from backfill_tui.store import Mirror

QUOTA_LINE = "the quota is used up (0 of 3 calls left)"


def test_concurrent_waits_count_once_and_are_told_once(tmp_path: Path, anchor: str) -> None:
    db = tmp_path / "m.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "run", "github:acme/rocket", "--simulate",
         "--workspace", "w", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},quota=3"},
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    for line in process.stderr:  # the live lines: the wait is told as it begins
        seen.append(line)
        if QUOTA_LINE in line:
            break
    else:
        raise AssertionError(f"no wait began: {seen} {process.communicate()}")
    time.sleep(2.5)  # let the streams' waits overlap a while (no assertion on time)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, (out, err)
    told = "".join(seen) + err
    assert told.count(QUOTA_LINE) == 1, told

    mirror = Mirror.open(db, readonly=True)
    try:
        (run,) = mirror.list_runs()
        streams = mirror.streams(run.id)
        summary = run_summary(mirror, run)
    finally:
        mirror.close()
    assert sum(s.rate_limit_wait_s > 1 for s in streams) >= 2  # the waits did overlap
    assert run.finished_at is not None
    took = (
        datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)
    ).total_seconds()
    (source,) = summary["sources"]
    # ISO instants in whole seconds: the run took less than took + 1
    assert 2.0 <= source["rate_limit_wait_s"] <= took + 1.0, (source, took)
