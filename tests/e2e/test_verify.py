"""``backfill-tui verify``: the whole check of a mirror on request (issue 13, item 6).

Exit 0 for a sound mirror; 1 for a damaged one, each problem on stdout and one line on stderr;
2 for bad input (no mirror there, not a mirror). It writes nothing: the file's bytes are the
same afterwards. ``--full`` finds what only ``integrity_check`` sees (an index that does not
hold its table's rows), which the quick check passes.
"""

from __future__ import annotations

import hashlib
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
