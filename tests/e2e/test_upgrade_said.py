"""Opening an older mirror upgrades it once, even for a command that only reads (its schema
must be this version's to be read), and the command now says so on stderr, naming the file
and that older versions can no longer open it: `runs`, `verify` and `diff` upgraded a mirror
without a word, and the older version then refused the file (a fresh tester's finding)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from support import limit_pages, older_mirror, run_cli

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


def test_an_upgrade_the_disk_stops_says_so_and_leaves_the_older_mirror_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full disk (a real SQLITE_FULL) as an older mirror is upgraded: the line said only
    "disk full" and not that it was upgrading the mirror, nor whether anything was lost; and
    of two migrations to apply the first stayed applied, so the file was neither this
    version's nor the older one's, which then refused it as a newer version's (a fresh
    tester's finding). The upgrade is one transaction: the line says what it was doing, that
    the mirror is as it was, and to free space and try again (2, as a full disk is), and the
    file is byte for byte the older version's, rows and all, until a later open upgrades it."""
    db = tmp_path / "old.db"
    before = MIGRATION_NAMES.index("0014_stream_ended_short")  # 0014 and 0015 to apply
    conn = older_mirror(db, MIGRATION_NAMES[before])
    conn.execute(
        "INSERT INTO runs (id, workspace_id, sources, depth_days, since, max_items, status,"
        " started_at) VALUES ('r1', 'demo', '[\"github:acme/rocket\"]', 30,"
        " '2026-10-29T00:00:00+00:00', 1000, 'completed', '2026-11-28T00:00:00+00:00')"
    )
    items = [(f"issue:acme/rocket#{n}:opened", f"1:{n:08x}") for n in range(2000)]
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO run_items VALUES ('r1', ?, ?)", items)
    conn.execute("COMMIT")
    as_it_was = list(conn.iterdump())
    conn.close()

    with pytest.MonkeyPatch.context() as patch:
        limit_pages(patch, db, room=5)  # 0014 fits; 0015's copy of run_items does not
        stopped = run_cli(capsys, "runs", "--db", str(db))
    assert stopped.code == 2, stopped
    (line,) = stopped.err.splitlines()
    assert line.startswith(
        f"backfill-tui: error: disk full: {db} (while upgrading it from mirror schema {before} "
        f"to {SCHEMA_VERSION}; "
    ), line
    assert "nothing was lost" in line and line.endswith("; free some space and try again"), line
    with closing(sqlite3.connect(db)) as conn:  # as the older version reads it
        assert conn.execute("PRAGMA user_version").fetchone()[0] == before
        applied = [row[0] for row in conn.execute("SELECT name FROM _sqlite_migrations")]
        assert applied == list(MIGRATION_NAMES[:before])
        assert list(conn.iterdump()) == as_it_was

    again = run_cli(capsys, "runs", "--db", str(db))  # space freed: upgraded, nothing lost
    assert again.code == 0 and f"from mirror schema {before} to" in again.err, again
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        kept = conn.execute("SELECT source_id, digest FROM run_items").fetchall()
        assert sorted(kept) == sorted(items)


def test_the_upgrade_line_on_a_terminal_breaks_between_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On an 80-column terminal the line broke inside words ("done on" / "ce", "no long" /
    "er"), where every other line of ours is folded between words; piped, it is one line."""
    monkeypatch.setenv("COLUMNS", "50")
    older_mirror(tmp_path / "piped.db", MIGRATION_NAMES[-1]).close()
    piped = run_cli(capsys, "runs", "--db", str(tmp_path / "piped.db"))
    assert piped.code == 0 and len(piped.err.splitlines()) == 1, piped.err
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # stderr read as a terminal
    older_mirror(tmp_path / "folded.db", MIGRATION_NAMES[-1]).close()
    folded = run_cli(capsys, "runs", "--db", str(tmp_path / "folded.db"))
    assert folded.code == 0, folded
    lines = folded.err.splitlines()
    assert len(lines) > 1 and all(len(line) <= 50 or len(line.split()) == 1 for line in lines)
    assert " ".join(line.strip() for line in lines) == piped.err.strip().replace("piped", "folded")
