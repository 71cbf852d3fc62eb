"""Opening a large mirror checks its header and schema, not every page (issue 13, item 6);
the whole check runs on request (``Mirror.verify``). Small mirrors keep the whole check on
open (tests/test_bad_input_suite.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from backfill_tui.errors import MirrorError
from backfill_tui.store import Mirror
from backfill_tui.store import opening


@pytest.fixture
def big(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A mirror with some rows, which opening treats as past the quick_check size."""
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)
    db = tmp_path / "m.db"
    mirror = Mirror.open(db)
    with mirror.transaction() as conn:
        conn.execute("CREATE TABLE filler (body TEXT)")
        conn.executemany("INSERT INTO filler VALUES (?)", [("x" * 3000,) for _ in range(200)])
    mirror.close()
    opening._SOUND.clear()
    return db


def test_a_truncated_large_mirror_is_refused_by_its_header(big: Path) -> None:
    data = big.read_bytes()
    big.write_bytes(data[: len(data) // 2])
    with pytest.raises(MirrorError, match=r"corrupt .*truncated.*left untouched"):
        Mirror.open(big)
    assert big.stat().st_size == len(data) // 2  # nothing written


def test_damage_inside_a_large_mirror_opens_cheaply_and_verify_finds_it(big: Path) -> None:
    with sqlite3.connect(big) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'filler'").fetchone()
    data = bytearray(big.read_bytes())
    start = (root[0] - 1) * page_size  # the filler table's root page: a b-tree page of rows
    data[start : start + 64] = b"\xa5" * 64
    big.write_bytes(bytes(data))
    mirror = Mirror.open(big, readonly=True)  # header and schema are sound: opened at once
    try:
        with pytest.raises(MirrorError, match="corrupt"):
            mirror.verify()
    finally:
        mirror.close()


def test_verify_passes_a_sound_mirror(big: Path) -> None:
    mirror = Mirror.open(big)
    try:
        mirror.verify()
    finally:
        mirror.close()
