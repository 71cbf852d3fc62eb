"""``export --run RUN`` sends the observations RUN first stored (README); a run whose items were
all in the mirror already (a replay, a second run of the same sources) stored none.

Its line said "no observations for workspace 'demo' from run … ; check --workspace (and --db),
or run a backfill first" (a tester's finding): the workspace and the mirror were right, and
another backfill would store nothing either. Now the line says the run stored nothing new, how
many it fetched that were already there, and which run to export instead (exit 2 still, and
nothing is sent: the address below answers nothing).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli, simulated_run

EXPORT = ("export", "inngest", "--event-key", "k" * 8, "--url", "http://127.0.0.1:9")


@pytest.fixture
def two_runs(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str, str, int]:
    """A mirror, the run that first stored its observations, and a second run of the same
    source (``--full``: every item fetched again) that stored none of its own."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db = tmp_path / "m.db"
    first = simulated_run(capsys, db, "--days", "7", "--json", workspace="demo")
    again = simulated_run(capsys, db, "--days", "7", "--json", "--full", workspace="demo")
    assert first.code == again.code == 0
    streams = [s for src in again.summary["sources"] for s in src["streams"]]
    assert sum(s["new"] for s in streams) == 0
    duplicates = sum(s["duplicates"] for s in streams)
    assert duplicates > 0
    return db, first.summary["run_id"], again.summary["run_id"], duplicates


@pytest.mark.parametrize("apply", [(), ("--apply",)], ids=["dry-run", "apply"])
def test_a_run_of_only_duplicates_says_which_run_stored_them(
    two_runs: tuple[Path, str, str, int],
    capsys: pytest.CaptureFixture[str],
    apply: tuple[str, ...],
) -> None:
    db, first, again, duplicates = two_runs
    args = (*EXPORT, "--workspace", "demo", "--run", again, "--db", str(db), *apply)
    result = run_cli(capsys, *args)
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    line = result.err
    assert f"run {again} stored no new observations" in line
    assert f"the {duplicates} observations it fetched were already in {db}" in line
    assert f"--run {first}" in line and "without --run" in line
    assert "check --workspace" not in line and "run a backfill" not in line
    # The run it names is the one to export: its observations are there.
    named = run_cli(capsys, *EXPORT, "--workspace", "demo", "--run", first, "--db", str(db))
    assert named.code == 0, named.err


def test_a_run_of_another_workspace_names_that_workspace(
    two_runs: tuple[Path, str, str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    db, first, _, _ = two_runs
    result = run_cli(capsys, *EXPORT, "--workspace", "other", "--run", first, "--db", str(db))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert f"run {first} backfilled workspace 'demo', not 'other'; give --workspace demo" in (
        result.err
    )


def test_duplicates_first_stored_by_two_runs_name_both(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each run that first stored them is named, so it can be typed: the line said "run A (and
    1 other run)", leaving the other's id to be found (a tester's finding)."""
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db = tmp_path / "m.db"
    github = simulated_run(capsys, db, "--days", "7", "--json", workspace="demo")
    linear = simulated_run(
        capsys, db, "--days", "7", "--json", source="linear:ENG", workspace="demo"
    )
    both = run_cli(
        capsys, "run", "github:acme/rocket", "linear:ENG", "--workspace", "demo", "--simulate",
        "--days", "7", "--full", "--json", "--db", str(db),
    )  # fmt: skip
    assert github.code == linear.code == both.code == 0, both.err
    result = run_cli(
        capsys, *EXPORT, "--workspace", "demo", "--run", both.summary["run_id"], "--db", str(db)
    )
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert github.summary["run_id"] in result.err and linear.summary["run_id"] in result.err
    assert "other run" not in result.err
