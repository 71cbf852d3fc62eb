"""``backfill-tui verify``: the whole check of a mirror on request (issue 13, item 6).

Exit 0 for a sound mirror; 1 for a damaged one, each problem on stdout and one line on stderr;
2 for bad input (no mirror there, not a mirror). It writes nothing: the file's bytes are the
same afterwards. ``--full`` finds what only ``integrity_check`` sees (an index that does not
hold its table's rows), which the quick check passes.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest
from support import run_cli, simulated_run

from backfill_tui.store import opening


@pytest.fixture
def mirror(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    assert simulated_run(capsys, db, "--days", "7").code == 0
    return db


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _garble_the_runs_text(mirror: Path) -> None:
    """Two bytes that are not UTF-8 written over the run's stored simulator settings, in
    place in the file (its page stays sound to SQLite, which does not decode text)."""
    with sqlite3.connect(mirror) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (simulator,) = conn.execute("SELECT simulator FROM runs").fetchone()
    assert simulator, "a simulated run records its simulator settings"
    data = mirror.read_bytes()
    at = data.find(simulator.encode())
    assert at > 0
    mirror.write_bytes(data[: at + 1] + b"\xff\xfe" + data[at + 3 :])


def test_a_sound_mirror_exits_0_and_is_left_as_it_was(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(mirror)
    for extra in ((), ("--full",)):
        result = run_cli(capsys, "verify", "--db", str(mirror), *extra)
        assert result.code == 0, result.err
        assert result.out.startswith(f"{mirror}: sound (")
        assert result.err == ""
    assert _digest(mirror) == before


def test_the_size_said_counts_the_pages_still_in_the_write_ahead_log(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run the disk stopped leaves its pages in the WAL: verify said "0.0 MB" of a mirror
    holding 317 observations (a tester's finding). The size said is the file's and its log's."""
    writer = sqlite3.connect(mirror)  # open: its log is not copied back or removed meanwhile
    try:
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        with writer:
            run_id, stream_id = writer.execute("SELECT run_id, id FROM streams").fetchone()
            writer.executemany(
                "INSERT INTO item_notes (run_id, stream_id, item_key, reason) VALUES (?,?,?,?)",
                [(run_id, stream_id, f"k{i}", "x" * 1000) for i in range(3000)],
            )
        wal = mirror.with_name(mirror.name + "-wal").stat().st_size
        assert wal > 3_000_000 > mirror.stat().st_size
        result = run_cli(capsys, "verify", "--db", str(mirror))
    finally:
        writer.close()
    assert result.code == 0, result.err
    said = float(result.out.split(" over every page of ")[1].split(" MB")[0])
    assert said >= round(wal / 1_000_000, 1), result.out


def test_damaged_pages_exit_1_with_each_problem(
    mirror: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)  # opened cheaply, as a large one
    opening._SOUND.clear()
    with sqlite3.connect(mirror) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'observations'"
        ).fetchone()
    data = bytearray(mirror.read_bytes())
    start = (root - 1) * page_size
    data[start : start + 64] = b"\xa5" * 64  # the observations table's root page
    mirror.write_bytes(bytes(data))
    result = run_cli(capsys, "verify", "--db", str(mirror))
    assert result.code == 1
    assert result.out and all(line.startswith(f"{mirror}: ") for line in result.out.splitlines())
    assert result.err.count("\n") == 1
    assert "is damaged" in result.err and "restore it from a copy" in result.err


def test_an_index_out_of_step_is_found_only_by_full(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(mirror) as conn:  # the index now claims another column than it holds
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute(
            "UPDATE sqlite_master SET sql = 'CREATE INDEX observations_run ON observations (title)'"
            " WHERE name = 'observations_run'"
        )
    opening._SOUND.clear()
    assert run_cli(capsys, "verify", "--db", str(mirror)).code == 0
    full = run_cli(capsys, "verify", "--db", str(mirror), "--full")
    assert full.code == 1
    assert "missing from index observations_run" in full.out
    assert "integrity_check" in full.err


def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = run_cli(capsys, "verify", "--db", str(tmp_path / "none.db"))
    assert missing.code == 2 and missing.err.count("\n") == 1
    assert "no mirror at" in missing.err
    assert not (tmp_path / "none.db").exists()
    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    other = run_cli(capsys, "verify", "--db", str(text))
    assert other.code == 2 and other.err.count("\n") == 1
    assert "not a backfill-tui mirror" in other.err
    assert run_cli(capsys, "verify", "--bogus").code == 2


def _break_observations_root(mirror: Path) -> None:
    """Give the observations table's root page an impossible leaf header (SQLite's open check
    finds it), and forget that this process found the file sound."""
    with sqlite3.connect(mirror) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'observations'"
        ).fetchone()
    data = bytearray(mirror.read_bytes())
    start = (root - 1) * page_size
    data[start : start + 64] = b"\x0d" + b"\xff" * 63  # a leaf with an impossible header
    mirror.write_bytes(bytes(data))
    opening._SOUND.clear()


def test_damage_found_on_opening_is_named_once_and_on_one_line(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A page's header broken: SQLite's integrity message spans lines ("*** in database main
    # ***" then "Page N: ..."); it came through as a literal "\n" in one line, and verify
    # repeated the path and the advice inside its list of problems.
    _break_observations_root(mirror)

    runs = run_cli(capsys, "runs", "--db", str(mirror))
    assert runs.code == 2 and runs.err.count("\n") == 1
    assert "\\n" not in runs.err and "is corrupt (integrity check: " in runs.err

    opening._SOUND.clear()
    result = run_cli(capsys, "verify", "--db", str(mirror))
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines and all(line.startswith(f"{mirror}: ") for line in lines)
    assert all(str(mirror) not in line[len(str(mirror)) + 2 :] for line in lines)  # once
    assert all("restore it" not in line.lower() for line in lines)  # the advice is on stderr
    assert result.err.count("\n") == 1


def test_a_truncated_mirror_is_one_problem_under_its_name(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sqlite3.connect(mirror) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    mirror.write_bytes(mirror.read_bytes()[:50_000])
    opening._SOUND.clear()
    result = run_cli(capsys, "verify", "--db", str(mirror))
    assert result.code == 1
    (line,) = result.out.splitlines()
    assert line.startswith(f"{mirror}: ") and str(mirror) not in line[len(str(mirror)) + 2 :]
    assert result.err.count("\n") == 1 and "is damaged" in result.err


def test_text_that_is_not_utf8_is_named_damage_without_its_bytes(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Bytes overwritten inside a stored text: SQLite's checks pass (they do not decode text),
    # and Python's sqlite3 refused the row with the garbled text in its message.
    _garble_the_runs_text(mirror)
    opening._SOUND.clear()
    result = run_cli(capsys, "runs", "--db", str(mirror))
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "is corrupt (a text value in column 'simulator' is not valid UTF-8)" in result.err
    assert "\ufffd" not in result.err and "Traceback" not in result.err


def test_verify_full_names_text_that_is_not_utf8_instead_of_calling_the_mirror_sound(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same damage as above: SQLite's own checks pass it, so verify decodes every text.
    _garble_the_runs_text(mirror)
    before = _digest(mirror)
    opening._SOUND.clear()
    # the quick check decodes no text of its own, but reads every run and stream row as the
    # commands do (a hand-edited value: store/columns.py), so it meets this run's text too
    result = run_cli(capsys, "verify", "--db", str(mirror))
    assert result.code == 1, result.out + result.err
    assert result.out == f"{mirror}: a text value in column 'simulator' is not valid UTF-8\n"
    result = run_cli(capsys, "verify", "--db", str(mirror), "--full")
    assert result.code == 1, result.out + result.err
    (line,) = result.out.splitlines()
    assert line == f"{mirror}: runs row 1: a text value in column 'simulator' is not valid UTF-8"
    assert "sound" not in result.out and "is damaged (1 problem" in result.err
    assert "\ufffd" not in result.out + result.err and "Traceback" not in result.err
    assert _digest(mirror) == before


@pytest.mark.parametrize(
    ("drop", "named", "mend"),
    [
        ("DROP INDEX observations_run", "its index observations_run", "make it again"),
        ("DROP TRIGGER observations_ad", "its trigger observations_ad", "make it again"),
        ("DROP TABLE item_notes", "its table item_notes", "restore the file from a copy"),
        ("DROP TABLE observations_fts", "its table observations_fts", "'rebuild'"),
    ],
)
def test_a_dropped_table_index_or_trigger_is_one_line_with_its_mend(
    mirror: Path, capsys: pytest.CaptureFixture[str], drop: str, named: str, mend: str
) -> None:
    """Nothing backfill-tui does drops a table, index or trigger; one dropped by hand let runs
    go on (without observations_run's index every read of a run scanned the table; without
    the search index's trigger a deleted row stayed findable) and ``verify`` called the file
    sound (a tester's finding). Every command now refuses the file with one line naming what
    is missing and the sqlite3 statement that mends it; run, the statement makes it sound."""
    with sqlite3.connect(mirror) as conn:
        conn.execute(drop)
        count = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
    before = _digest(mirror)
    for command in (
        ["verify"],
        ["runs"],
        ["run", "--workspace", "w", "--simulate", "github:acme/rocket"],
    ):
        result = run_cli(capsys, *command, "--db", str(mirror))
        assert result.code == 2, (command, result)
        (line,) = result.err.splitlines()
        assert f"the mirror lacks {named} (dropped by hand?)" in line and mend in line
        assert "Traceback" not in result.err
    assert _digest(mirror) == before  # left untouched
    statements = line.split("with sqlite3: ", 1)[1].removesuffix("; it was left untouched")
    with sqlite3.connect(mirror) as conn:  # as `sqlite3 FILE "STATEMENTS"` runs them
        conn.executescript(statements)
    assert run_cli(capsys, "verify", "--db", str(mirror), "--full").code == 0
    with sqlite3.connect(mirror) as conn:  # the search index holds every row again
        found = conn.execute("SELECT count(*) FROM observations_fts").fetchone()[0]
    assert found == count


@pytest.mark.parametrize(
    "edit", ["DELETE FROM _sqlite_migrations", "DROP TABLE _sqlite_migrations"]
)
def test_a_mirror_whose_migrations_record_is_gone_is_refused_untouched(
    mirror: Path, capsys: pytest.CaptureFixture[str], edit: str
) -> None:
    """With its migrations' record emptied by hand, every step was run again over the tables
    they had made: a read-only `runs` wrote to the file, then failed "table observations
    already exists" (a fresh tester's finding). One line, exit 2, the file as it was."""
    with sqlite3.connect(mirror) as conn:
        conn.execute(edit)
    before = _digest(mirror)
    for command in (["runs"], ["verify"]):
        result = run_cli(capsys, *command, "--db", str(mirror))
        assert result.code == 2, result
        (line,) = result.err.splitlines()
        assert "record of its migrations (_sqlite_migrations) is empty or gone" in line
    assert _digest(mirror) == before


def test_a_fetched_item_of_a_deleted_run_is_named_by_its_row(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run deleted by hand leaves its fetched items (run_items) pointing at nothing; ``verify
    --full`` names one by its row number. It said "run_items row None" while run_items was a
    WITHOUT ROWID table (a fresh tester's finding), then "a run_items row" (schema migration
    0015 gave it row numbers)."""
    with sqlite3.connect(mirror) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        (run_id,) = conn.execute("SELECT id FROM runs").fetchone()
        for table in ("streams", "run_sources", "runs"):
            conn.execute(
                f"DELETE FROM {table} WHERE {'id' if table == 'runs' else 'run_id'} = ?", (run_id,)
            )
    result = run_cli(capsys, "verify", "--db", str(mirror), "--full")
    assert result.code == 1, result
    assert re.search(r"run_items row \d+ refers to a missing runs row", result.out), result.out
    assert "None" not in result.out


def test_a_small_mirror_refused_on_opening_names_verify(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fresh tester's finding: the open check of a mirror of at most 16 MB (quick_check on
    # every open) refused a damaged one without naming `backfill-tui verify`; a larger one,
    # refused by SQLite on a later read (failures.translate), named it.
    _break_observations_root(mirror)
    runs = run_cli(capsys, "runs", "--db", str(mirror))
    assert runs.code == 2 and runs.err.count("\n") == 1, runs.err
    assert f"`backfill-tui verify --db {mirror}` lists the damage" in runs.err, runs.err
    assert "left untouched" in runs.err

    mirror.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)  # its schema unreadable
    opening._SOUND.clear()
    runs = run_cli(capsys, "runs", "--db", str(mirror))
    assert runs.code == 2 and runs.err.count("\n") == 1, runs.err
    assert f"`backfill-tui verify --db {mirror}` lists the damage" in runs.err, runs.err


def test_a_truncated_or_garbled_mirror_refused_on_opening_names_verify(
    mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _garble_the_runs_text(mirror)
    opening._SOUND.clear()
    runs = run_cli(capsys, "runs", "--db", str(mirror))  # only verify's --full decodes text
    assert f"`backfill-tui verify --full --db {mirror}` lists the damage" in runs.err, runs.err
    with sqlite3.connect(mirror) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    mirror.write_bytes(mirror.read_bytes()[:50_000])
    opening._SOUND.clear()
    runs = run_cli(capsys, "runs", "--db", str(mirror))
    assert runs.code == 2 and runs.err.count("\n") == 1, runs.err
    assert f"`backfill-tui verify --db {mirror}` lists the damage" in runs.err, runs.err
