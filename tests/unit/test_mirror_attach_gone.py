"""A run's own connection (``Mirror.attach``) to a mirror deleted since it was opened says so
and makes no new file: sqlite3's default would create an empty database (mode 0644) where the
mirror was, and the run then failed with "no such table: runs" (a tester's finding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backfill_tui.errors import MirrorMissing
from backfill_tui.store import Mirror


def test_attach_to_a_deleted_mirror_raises_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    Mirror.open(db).close()
    db.unlink()
    with pytest.raises(MirrorMissing, match="is gone"):
        Mirror.attach(db)
    assert not db.exists()


def test_attach_to_a_mirror_with_an_odd_name_still_opens(tmp_path: Path) -> None:
    db = tmp_path / "a mirror?#%.db"  # the URI form must quote it
    Mirror.open(db).close()
    attached = Mirror.attach(db)
    try:
        assert attached.list_runs(1) == []
    finally:
        attached.close()
