"""Fixtures the end-to-end tests share: a mirror to export, a recording to replay."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

from backfill_tui import cli


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    """A mirror filled by a real simulated backfill of github:acme/rocket for workspace demo."""
    db = tmp_path / "mirror.db"
    code = cli.main(
        ["run", "github:acme/rocket", "--simulate", "--workspace", "demo", "--db", str(db),
         "--json", "--quiet"]
    )  # fmt: skip
    assert code == 0
    return db


@pytest.fixture
def recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A recording of a simulated run of github:acme/rocket (20 items a stream, 5 exchanges,
    a virtual clock), for edits sealed again with ``support.reseal``."""
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual,anchor=2026-11-28T00:00:00Z")
    rec = tmp_path / "sa.gz"
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w",
        "--max-items", "20", "--db", str(tmp_path / "m.db"), "--record", str(rec), "--quiet",
    )  # fmt: skip
    assert result.code == 0, result.err
    return rec
