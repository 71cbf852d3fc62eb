"""While runs go, the garbage collector's young threshold is raised, then given back."""

from __future__ import annotations

import gc

from backfill_tui.engine.collector import RUN_YOUNG_THRESHOLD, collecting_less


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
