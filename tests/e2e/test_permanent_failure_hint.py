"""A run that failed for a cause `resume` would meet again (a source that does not exist, a
rejected token) ends with what to mend, never with a `resume` that would fail the same way; a
transient cause (network, 5xx) still ends with `resume` (a fresh tester's finding: resuming a
run of a missing repository failed the same way and again suggested `resume`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FAIL_ALL, run_cli, simulated_run


def _last(err: str) -> str:
    return err.strip().splitlines()[-1]


def test_a_missing_repository_says_check_the_name_on_run_and_on_resume(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    first = simulated_run(capsys, db, "--json", source="github:acme/nothere")
    assert first.code == 1
    run_id = first.summary["run_id"]
    for result in (first, run_cli(capsys, "resume", run_id, "--db", str(db), "--quiet")):
        last = _last(result.err)
        assert "resume" not in last.replace("resuming would fail", "")
        assert "github:acme/nothere: check the source's name" in last
        assert last.startswith(f"run {run_id} failed; what was stored is kept")


def test_a_rejected_token_says_check_the_token(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual,token=the-right-one")
    monkeypatch.setenv("GITHUB_TOKEN", "a-wrong-one")
    result = simulated_run(capsys, tmp_path / "m.db")
    assert result.code == 1
    last = _last(result.err)
    assert "github:acme/rocket: check or replace the token" in last
    assert "backfill-tui resume" not in last


def test_a_transient_failure_still_suggests_resume(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", FAIL_ALL)
    result = simulated_run(capsys, tmp_path / "m.db", "--json")
    assert result.code == 1
    assert f"To continue it: backfill-tui resume {result.summary['run_id']}" in result.err
