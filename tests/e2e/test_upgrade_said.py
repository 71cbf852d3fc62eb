"""Opening an older mirror upgrades it once, even for a command that only reads (its schema
must be this version's to be read), and the command now says so on stderr, naming the file
and that older versions can no longer open it: `runs`, `verify` and `diff` upgraded a mirror
without a word, and the older version then refused the file (a fresh tester's finding)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support import older_mirror, run_cli

from backfill_tui.store.schema import (
    MIGRATION_NAMES,
    SCHEMA_VERSION,
)


@pytest.mark.parametrize("command", [("runs",), ("verify",)])
def test_a_reading_command_says_it_upgraded_an_older_mirror_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    db = tmp_path / "old.db"
    before = len(MIGRATION_NAMES) - 1
    older_mirror(db, MIGRATION_NAMES[before]).close()
    first = run_cli(capsys, *command, "--db", str(db))
    assert first.code == 0, first
    said = [line for line in first.err.splitlines() if "upgraded" in line]
    assert len(said) == 1, first.err
    assert str(db) in said[0] and f"schema {before} to {SCHEMA_VERSION}" in said[0]
    assert "older versions of backfill-tui can no longer open it" in said[0]
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again = run_cli(capsys, *command, "--db", str(db))
    assert again.code == 0 and "upgraded" not in again.err, again


def test_a_current_mirror_is_not_said_to_be_upgraded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    made = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--days", "7",
        "--quiet", "--db", str(db),
    )  # fmt: skip
    assert made.code == 0 and "upgraded" not in made.err, made


def test_a_run_says_the_upgrade_before_its_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Said as the mirror opens, not only as the command ends: a run killed after the upgrade
    had changed the file without a word (a second fresh tester's finding)."""
    db = tmp_path / "old.db"
    older_mirror(db, MIGRATION_NAMES[-1]).close()
    result = run_cli(
        capsys, "run", "vercel:acme/rocket-web", "--simulate", "--workspace", "w", "--days", "7",
        "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result
    lines = result.err.splitlines()
    assert "upgraded" in lines[0] and str(db) in lines[0], result.err
    assert sum("upgraded" in line for line in lines) == 1, result.err
