"""``export`` of a damaged mirror never sends it short in silence (a fresh tester's finding).

A mirror past ``QUICK_CHECK_MAX_BYTES`` is not checked whole on open; its export read the rows
by id, SQLite passed over the damaged pages without an error, and the export said "would send
78194" of "78196 in the mirror", then "sent 78194 ... 0 skipped", exit 0. Now SQLite's
``quick_check`` runs before an export reads the mirror, and the walk stops where a row its
index lists cannot be read (damage ``quick_check`` cannot see: it does not compare the indexes
with their tables). Both exit 2 (a bad mirror) with one line naming ``verify``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from inngest_stub import FakeInngest
from support import CliResult, run_cli, simulated_too

from backfill_tui.store import opening

KEY = "evtkey-Zx81-secret-Q42"


@pytest.fixture(autouse=True)
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every mirror counts as large: opening it checks the header and schema only."""
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)


def export(capsys: pytest.CaptureFixture[str], db: Path, url: str, *extra: str) -> CliResult:
    return run_cli(
        capsys, "export", "inngest", "--event-key", KEY, "--url", url, "--workspace", "demo",
        "--db", str(db), *simulated_too(extra),
    )  # fmt: skip


def _leaf_pages(db: Path) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        rows = conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'observations' AND pagetype = 'leaf' "
            "ORDER BY pageno"
        )
        return [int(r[0]) for r in rows]
    finally:
        conn.close()


def _damage_pages(db: Path) -> None:
    """The tester's damage: 800 bytes of junk into pages of the observations table's b-tree."""
    pages = _leaf_pages(db)
    with db.open("r+b") as handle:
        for page in (pages[len(pages) // 3], pages[len(pages) // 2]):
            handle.seek(4096 * (page - 1) + 100)
            handle.write(b"\xde\xad\xbe\xef" * 200)


def _cells(data: bytes, page: int) -> list[tuple[int, int]]:
    """(offset of the rowid's varint, rowid) of each cell of a table leaf page, in order."""
    start = 4096 * (page - 1)
    header = start + (100 if page == 1 else 0)
    found = []
    for n in range(int.from_bytes(data[header + 3 : header + 5], "big")):
        at = start + int.from_bytes(data[header + 8 + 2 * n : header + 10 + 2 * n], "big")
        while data[at] & 0x80:  # the payload size's varint
            at += 1
        at += 1
        rowid, end = 0, at
        while True:
            rowid = (rowid << 7) | (data[end] & 0x7F)
            end += 1
            if not data[end - 1] & 0x80:
                break
        found.append((at, rowid))
    return found


def _hide_row(db: Path) -> int:
    """A row its indexes list but its table does not give, every page sound: in the middle of
    a leaf page, the row after a deleted one takes the deleted one's id in its cell (a two-byte
    varint, in place), so the table stays in order and ``quick_check`` finds nothing; a read by
    the row's own id finds none. Returns that id."""
    data = db.read_bytes()
    page = next(
        p for p in _leaf_pages(db) if len(c := _cells(data, p)) >= 3 and c[len(c) // 2][1] >= 128
    )
    cells = _cells(data, page)
    gone, moved = cells[len(cells) // 2][1], cells[len(cells) // 2 + 1][1]
    assert moved == gone + 1 and gone >= 128 and moved < 16384  # both two-byte varints
    conn = sqlite3.connect(db)
    try:
        conn.execute("DELETE FROM observations WHERE id = ?", (gone,))
        conn.commit()
    finally:
        conn.close()
    _leaf_pages(db)  # checkpointed into the file
    data = bytearray(db.read_bytes())
    at = next(at for at, rowid in _cells(data, page) if rowid == moved)
    data[at : at + 2] = bytes([0x80 | (gone >> 7), gone & 0x7F])
    db.write_bytes(bytes(data))
    return moved


def test_an_export_of_damaged_pages_refuses_in_one_line_and_sends_nothing(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest
) -> None:
    _damage_pages(mirror)
    dry = export(capsys, mirror, inngest.url)
    assert dry.code == 2, dry.out
    assert "would send" not in dry.out
    err = dry.err.strip()
    assert err.count("\n") == 0 and "is corrupt" in err and "verify --db" in err, err
    apply = export(capsys, mirror, inngest.url, "--apply")
    assert apply.code == 2, apply.out
    assert "verify --db" in apply.err and "Traceback" not in apply.err
    assert inngest.received == 0


def test_an_export_stops_where_a_counted_row_cannot_be_read(
    capsys: pytest.CaptureFixture[str], mirror: Path, inngest: FakeInngest
) -> None:
    _hide_row(mirror)
    conn = sqlite3.connect(mirror)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]  # the pages are sound
    conn.close()
    dry = export(capsys, mirror, inngest.url)
    assert dry.code == 2, dry.out
    err = dry.err.strip()
    assert "1 observation of the" in err and "could not be read" in err, err
    assert err.count("\n") == 0 and "verify --db" in err, err
    apply = export(capsys, mirror, inngest.url, "--apply")
    assert apply.code == 2, apply.out
    assert "1 observation of the" in apply.err, apply.err


def test_a_run_into_a_damaged_mirror_or_a_diff_of_it_refuses_in_one_line(
    capsys: pytest.CaptureFixture[str], mirror: Path, tmp_path: Path
) -> None:
    """``run`` wrote new rows into the damaged file (exit 0) and ``diff`` said "0 changed"
    against a sound copy: both now check every page first, and touch nothing."""
    _leaf_pages(mirror)  # checkpointed: the copy holds every row
    sound = tmp_path / "sound.db"
    sound.write_bytes(mirror.read_bytes())
    _damage_pages(mirror)
    before = mirror.read_bytes()
    ran = run_cli(
        capsys, "run", "github:acme/rocket", "--simulate", "--workspace", "demo",
        "--db", str(mirror), "--quiet",
    )  # fmt: skip
    assert ran.code == 2, ran.err
    err = ran.err.strip()
    assert err.count("\n") == 0 and "nothing was fetched or written" in err, err
    assert "verify --db" in err
    assert mirror.read_bytes() == before
    diff = run_cli(capsys, "diff", str(mirror), str(sound))
    assert diff.code == 2, diff.out
    assert "nothing was compared" in diff.err and "changed" not in diff.out, diff.err
