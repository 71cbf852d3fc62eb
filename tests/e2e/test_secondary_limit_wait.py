"""GitHub's secondary-limit 403 may carry ``Retry-After`` (provider-apis.md §6); the simulator's
``secondary_retry_after`` gives it one, and the client waits that long, not the documented
minute it waits without one. The demo sets it: with sources added, the demo's run and its
estimate stood a minute on a secondary limit (a fresh tester's finding)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from support import simulated_run


def _waited(db: Path) -> float:
    with closing(sqlite3.connect(db)) as conn:
        return float(conn.execute("SELECT SUM(rate_limit_wait_s) FROM streams").fetchone()[0])


@pytest.mark.parametrize(("given", "low", "high"), [(0, 60, 1e9), (2, 1, 59)], ids=["none", "2s"])
def test_a_secondary_limit_is_waited_for_as_long_as_its_answer_says(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    given: int,
    low: float,
    high: float,
) -> None:
    # every 2nd request limited: the 2nd a 429 of retry_after 0 s, the 4th a secondary 403
    settings = f"clock=virtual,rate_limit_every=2,retry_after=0,secondary_retry_after={given}"
    monkeypatch.setenv("BACKFILL_SIM", settings)
    db = tmp_path / "m.db"
    result = simulated_run(capsys, db, "--days", "90")
    assert result.code == 0, result.err
    assert low <= _waited(db) <= high, _waited(db)


def test_the_demo_gives_its_secondary_limits_a_time() -> None:
    from backfill_tui.cli.app import DEMO_SIM
    from backfill_tui.simulator.config import SimulatorConfig

    demo = SimulatorConfig.from_env_string(DEMO_SIM)
    assert 0 < demo.secondary_retry_after <= demo.retry_after
