"""A re-sync's summary keeps its GitHub quota (a tester's finding): the second run of the same
source is answered 304 Not Modified, which stores no page, and the quota was reported only with
stored pages, so ``--json`` gave ``rate_limit_budgets: {}`` for GitHub where the first run gave
its quota. GitHub sends the rate-limit headers on a 304 too, and an authorized 304 spends none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli

TOKEN = "ghp_quotaTESTtoken00000000000000000000000"


def test_a_resync_answered_304_reports_the_quota_it_did_not_spend(
    tmp_path: Path,
    anchor: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)  # authorized: GitHub charges no 304 only then
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},token={TOKEN}")
    db = str(tmp_path / "m.db")
    args = ("run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--json", "--db", db)
    first, again = (json.loads(run_cli(capsys, *args).out) for _ in range(2))
    (source,) = first["sources"]
    assert source["rate_limit_budgets"]["requests"]["limit"] == 5000
    (source,) = again["sources"]
    assert all("304 Not Modified" in s["note"] for s in source["streams"])  # a re-sync
    # Each run has a fresh simulator: the re-sync's 304s left its whole quota.
    assert source["rate_limit_budgets"] == {"requests": {"remaining": 5000, "limit": 5000}}
