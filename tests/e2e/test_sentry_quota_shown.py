"""A run on the simulated Sentry with ``quota=N`` shows that quota spent, call by call (the
window its answers enforce; tests/unit/test_simulator_sentry_window.py holds the headers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import simulated_run


def test_a_runs_summary_shows_the_quota_spent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "quota=50,clock=virtual")
    result = simulated_run(
        capsys, tmp_path / "m.db", "--json", "--max-items", "300", source="sentry:acme/rocket"
    )
    assert result.code == 0, result.err
    source = json.loads(result.out)["sources"][0]
    assert source["api_calls"] >= 4
    assert source["rate_limit_budgets"]["requests"] == {
        "remaining": 50 - source["api_calls"],
        "limit": 50,
    }
