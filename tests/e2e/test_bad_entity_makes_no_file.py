"""Bad input makes no file: an entity none of the sources has is found once the plan is made,
after the mirror was opened; a mirror the command had just made is removed again (a fresh
tester found an empty 127 KB mirror left behind), and an existing one is kept as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

ARGS = ("run", "github:acme/rocket", "--simulate", "--workspace", "w", "--entities", "foo")


def test_a_bad_entity_leaves_no_new_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "mirrors"
    folder.mkdir()
    db = folder / "new.db"
    result = run_cli(capsys, *ARGS, "--db", str(db))
    assert result.code == 2
    assert "unknown entity foo" in result.err and len(result.err.strip().splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir()) == []  # no mirror, no -wal or -shm


def test_a_bad_entity_keeps_an_existing_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "kept.db"
    assert (
        run_cli(
            capsys,
            "run",
            "github:acme/rocket",
            "--simulate",
            "--workspace",
            "w",
            "--db",
            str(db),
            "--quiet",
        ).code
        == 0
    )
    before = run_cli(capsys, "runs", "--db", str(db)).out
    assert run_cli(capsys, *ARGS, "--db", str(db)).code == 2
    assert db.exists() and run_cli(capsys, "runs", "--db", str(db)).out == before


def test_a_missing_token_leaves_no_new_mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real run with no token is refused (exit 2) before anything is fetched: the mirror the
    command had just made goes too (the second tester found a 126 KB one left)."""
    folder = tmp_path / "mirrors"
    folder.mkdir()
    result = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--db",
                     str(folder / "n.db"))  # fmt: skip
    assert result.code == 2
    assert "no GitHub token" in result.err and len(result.err.strip().splitlines()) == 1
    assert sorted(p.name for p in folder.iterdir()) == []
