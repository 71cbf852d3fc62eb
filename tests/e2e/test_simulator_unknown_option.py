"""An unknown ``BACKFILL_SIM`` option is one line naming every option the simulator has (its
``SimulatorConfig`` fields, not a list kept beside them), the one it most likely meant, and
where README says what each does; exit 2, nothing made (a fresh tester's finding: the line
listed only some of the options)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.simulator import SimulatorConfig

EVERY = [f.name for f in dataclasses.fields(SimulatorConfig)]


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("bogus=1", None),
        ("sead=7", "seed"),
        ("Rate-Limit-Every=3", "rate_limit_every"),
        ("latency=0.1,complexity_qouta=5", "complexity_quota"),
    ],
)
def test_an_unknown_option_lists_every_option_in_one_line(
    given: str,
    meant: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", given)
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--db", str(db)
    )
    assert result.code == 2, result.err
    (line,) = result.err.splitlines()
    assert "unknown simulator option" in line, line
    listed = line.split("accepted are: ", 1)[1]
    assert all(f" {name}," in f" {listed}" or f" {name} (" in f" {listed}" for name in EVERY), line
    assert f"the {len(EVERY)} accepted" in line and 'README, "The simulator"' in line, line
    if meant is not None:
        assert f"(did you mean '{meant}'?)" in line, line
    else:
        assert "did you mean" not in line, line
    assert not db.exists()
