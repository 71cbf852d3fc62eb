"""A mirror whose main file is shorter than its header says while its ``-wal`` holds the rest
opens (a tester's finding: after a disk-full stop, a checkpoint had written page 1, with the new
page count, and nothing more; ``resume`` called the good mirror truncated). Without the ``-wal``
the same file is still refused as truncated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from backfill_tui.errors import MirrorError
from backfill_tui.store import Mirror, opening

ROWS = 200


@pytest.fixture
def stopped_checkpoint(tmp_path: Path) -> Path:
    """``copy/d.db`` with only its first page as a checkpoint left it, beside the whole -wal."""
    live = tmp_path / "live"
    live.mkdir()
    db = live / "d.db"
    mirror = Mirror.open(db)  # made in WAL mode, never checkpointed: the -wal holds it all
    writer = mirror.conn
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("CREATE TABLE filler (body TEXT)")
    writer.executemany("INSERT INTO filler VALUES (?)", [("x" * 3000,) for _ in range(ROWS)])
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copyfile(f"{db}-wal", copy / "d.db-wal")
    writer.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the main file now says every page
    page = db.read_bytes()[:4096]
    mirror.close()
    (copy / "d.db").write_bytes(page)
    opening._SOUND.clear()
    assert opening._short_by_header(page[:100], len(page)) is not None
    return copy / "d.db"


def test_a_mirror_whose_wal_holds_the_pages_the_main_file_lacks_opens(
    stopped_checkpoint: Path,
) -> None:
    mirror = Mirror.open(stopped_checkpoint, create=False)
    try:
        assert mirror.conn.execute("SELECT count(*) FROM filler").fetchone()[0] == ROWS
        assert mirror.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    finally:
        mirror.close()
    reader = Mirror.open(stopped_checkpoint, readonly=True)
    try:
        assert reader.conn.execute("SELECT count(*) FROM filler").fetchone()[0] == ROWS
    finally:
        reader.close()


def test_without_its_wal_the_short_main_file_is_still_refused(stopped_checkpoint: Path) -> None:
    Path(f"{stopped_checkpoint}-wal").unlink()
    with pytest.raises(MirrorError, match=r"corrupt .*truncated"):
        Mirror.open(stopped_checkpoint, create=False)
