"""Fixtures the end-to-end export tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

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
