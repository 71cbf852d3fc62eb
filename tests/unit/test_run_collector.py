"""While runs go, the garbage collector's young threshold is raised and the interpreter's
switch interval lowered, then both are given back."""

from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path

from app_support import sim_environment

from backfill_tui.engine import progress as ev
from backfill_tui.engine.collector import (
    RUN_SWITCH_INTERVAL,
    RUN_YOUNG_THRESHOLD,
    collecting_less,
    handing_off_sooner,
)
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror


def test_overlapping_runs_raise_the_threshold_and_the_last_puts_it_back() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        first, second = collecting_less(), collecting_less()
        first.__enter__()
        assert gc.get_threshold() == (RUN_YOUNG_THRESHOLD, 10, 10)
        second.__enter__()
        first.__exit__(None, None, None)  # the first run ends while the second goes on
        assert gc.get_threshold() == (RUN_YOUNG_THRESHOLD, 10, 10)
        second.__exit__(None, None, None)
        assert gc.get_threshold() == (700, 10, 10)
        gc.set_threshold(50_000, 5, 5)  # a process that asked for more keeps it
        with collecting_less():
            assert gc.get_threshold() == (50_000, 5, 5)
        assert gc.get_threshold() == (50_000, 5, 5)
    finally:
        gc.set_threshold(*before)


def test_a_run_hands_the_gil_off_sooner_while_it_goes_and_gives_the_interval_back(
    tmp_path: Path,
) -> None:
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        mirror = Mirror.open(tmp_path / "m.db")
        engine = Engine(mirror, sim_environment())
        seen: list[float] = []

        def on_event(event: ev.ProgressEvent) -> None:
            if isinstance(event, ev.PageStored):
                seen.append(sys.getswitchinterval())

        engine.subscribe(on_event)
        request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=7)
        assert asyncio.run(engine.run(engine.plan(request).id)) == "completed"
        assert seen and set(seen) == {RUN_SWITCH_INTERVAL}  # every page stored meanwhile
        assert sys.getswitchinterval() == 0.005  # given back
        # overlapping runs: the last to end gives it back; a smaller one asked for is kept
        first, second = handing_off_sooner(), handing_off_sooner()
        first.__enter__()
        second.__enter__()
        first.__exit__(None, None, None)
        assert sys.getswitchinterval() == RUN_SWITCH_INTERVAL
        second.__exit__(None, None, None)
        assert sys.getswitchinterval() == 0.005
        sys.setswitchinterval(0.0001)
        smaller = sys.getswitchinterval()  # as the interpreter keeps it (whole microseconds)
        with handing_off_sooner():
            assert sys.getswitchinterval() == smaller
        mirror.close()
    finally:
        sys.setswitchinterval(before)
