"""A simulated run resumes on the simulator settings stored with it unless BACKFILL_SIM is set
(engine/runs.py, simulator_settings); the resume hint and resume itself say which settings those
are, without the simulator's token."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import run_cli

SECRET = "SimTok-9f8e7d6c5b4a"
SETTINGS = f"faults=1,clock=virtual,token={SECRET}"


def test_the_hint_and_resume_name_the_stored_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "m.db"
    monkeypatch.setenv("BACKFILL_SIM", SETTINGS)
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    made = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--days", "7",
        "--quiet", "--db", str(db),
    )  # fmt: skip
    assert made.code == 1, made.err
    hint = next(line for line in made.err.splitlines() if "To continue it" in line)
    assert re.search(
        r"To continue it: backfill-tui resume (\S+) --db \S+ \(it resumes on the simulator "
        r"settings stored with the run: faults=1(\.0)?,clock=virtual \(token= was given but "
        r"not stored: secrets never are, so the simulator no longer requires it\); set "
        r"BACKFILL_SIM to change them\)$",
        hint,
    ), hint
    run_id = hint.split("resume ", 1)[1].split()[0]

    monkeypatch.delenv("BACKFILL_SIM")
    resumed = run_cli(capsys, "resume", run_id, "--quiet", "--db", str(db))
    assert resumed.code == 1, resumed.err  # still every request fails: the stored faults=1
    first = resumed.err.splitlines()[0]
    assert re.fullmatch(
        r"note: resuming on the simulator settings stored with the run: faults=1(\.0)?,"
        r"clock=virtual \(token= was given but not stored: secrets never are, so the "
        r"simulator no longer requires it\); set BACKFILL_SIM to change them",
        first,
    ), first

    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    again = run_cli(capsys, "resume", run_id, "--quiet", "--db", str(db))
    assert again.err.splitlines()[0] == (
        "note: resuming on the simulator settings in BACKFILL_SIM: clock=virtual"
    ), again.err
    for result in (made, resumed, again):
        assert SECRET not in result.err + result.out
