"""A stop signal at an awkward instant: what a headless run says follows what was stored.

A tester's finding: a Ctrl-C just as a run finished printed "cancelled (SIGINT): ... to
continue it: backfill-tui resume RUN" after a summary saying completed, exit 0, and `resume`
then refused the run as already completed. The
signal is sent from the run's own progress events (the real engine and the real headless
driver, in this process), so it lands at the instant that matters every time rather than on a
scan of delays.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from support import simulated_engine

from backfill_tui.cli.drive import drive
from backfill_tui.engine.progress import ProgressEvent, RunFinished
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
