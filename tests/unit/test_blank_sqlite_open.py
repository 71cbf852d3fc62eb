"""An SQLite file with nothing in its schema is no mirror to a reader, and becomes one for a
writer (a tester's finding: a run killed as it created its mirror leaves a 4 KB WAL-mode file
with no tables; ``verify``, ``runs``, ``report`` and ``diff`` made the whole mirror in it, and
on a read-only file blamed "an older backfill-tui")."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backfill_tui.errors import MirrorMissing
from backfill_tui.store import Mirror


@pytest.fixture(params=["killed-as-created", "table-made-and-dropped"])
def blank(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    (tmp_path / "m").mkdir()
    db = tmp_path / "m" / "e.db"
    conn = sqlite3.connect(db, isolation_level=None)
    if request.param == "killed-as-created":
        conn.execute("PRAGMA journal_mode=WAL")  # what Mirror.open does first
    else:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("DROP TABLE t")
    conn.close()
    return db


def _tables(db: Path) -> set[str]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()


@pytest.mark.parametrize(
    "how", [{"readonly": True}, {"create": False}], ids=["readonly", "no-create"]
)
def test_a_reader_finds_no_mirror_and_leaves_the_file_as_it_was(
    blank: Path, how: dict[str, bool]
) -> None:
    before = blank.read_bytes()
    with pytest.raises(MirrorMissing, match="no tables") as raised:
        Mirror.open(blank, **how)
    assert raised.value.state == MirrorMissing.NO_TABLES
    assert blank.read_bytes() == before
    assert sorted(p.name for p in blank.parent.iterdir()) == ["e.db"]


def test_a_writer_makes_the_mirror_in_it(blank: Path) -> None:
    Mirror.open(blank).close()
    assert {"observations", "runs", "streams"} <= _tables(blank)
    Mirror.open(blank, readonly=True).close()  # and a reader now finds it
