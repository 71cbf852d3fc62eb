"""A ``--db`` whose folder does not exist is refused, nothing made: ``--db /nonexist/dir/m.db``
(a mistyped folder) made the folders and a new empty mirror in silence (a fresh tester's
finding). Every command taking ``--db`` says it in one line naming the missing folder and how
to mend it (exit 2); the default mirror's folders are still made."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.terms import default_db

COMMANDS = {
    "run": ("run", "github:acme/rocket", "--simulate", "--workspace", "w"),
    "resume": ("resume", "20261203-000000-abcd"),
    "replay": ("replay", "{dir}/sync.rec.gz"),
    "runs": ("runs",),
    "report": ("report", "20261203-000000-abcd"),
    "diff": ("diff", "20261203-000000-abcd", "20261203-000000-abce"),
    "export": ("export", "postgres", "--dsn", "postgresql://h/db", "--workspace", "w"),
    "trigger": ("trigger", "--workspace", "w"),
    "verify": ("verify",),
    "demo": ("demo",),
    "app": (),
}


#: Each command with ``--db`` after it, and before it (``demo`` takes its own ``--db`` only).
PLACES = [(c, False) for c in sorted(COMMANDS)] + [
    (c, True) for c in sorted(COMMANDS) if c != "demo"
]


@pytest.mark.parametrize(("command", "before"), PLACES)
def test_a_db_in_a_missing_folder_is_refused_naming_it(
    command: str, before: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "typo" / "dir" / "m.db"
    args = [a.format(dir=tmp_path) for a in COMMANDS[command]]
    given = ["--db", str(db), *args] if before else [*args, "--db", str(db)]
    result = run_cli(capsys, *given)
    assert result.code == 2, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert f"the folder {db.parent} does not exist" in lines[0], lines[0]
    assert f"mkdir -p {db.parent}" in lines[0] and "correct the path" in lines[0], lines[0]
    assert not (tmp_path / "typo").exists()


def test_the_default_mirrors_folders_are_still_made(
    anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    assert not default_db().parent.exists()
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "w", "--days", "7",
        "--quiet",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert default_db().is_file()
    spelled = run_cli(capsys, "runs", "--db", str(default_db()))  # given, and it exists
    assert spelled.code == 0, spelled.err


def test_a_command_without_a_mirror_ignores_the_db_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``auth`` opens no mirror: a ``--db`` before it is not its to check (a guard)."""
    db = tmp_path / "typo" / "m.db"
    result = run_cli(capsys, "--db", str(db), "auth", "status", "github")
    assert result.code == 0, result.err
    assert "does not exist" not in result.err and not (tmp_path / "typo").exists()
