"""A mirror the app cannot read (again) is said in one line where the rows would be, never a
"loading…" that stays: a tester browsed a read-only mirror and the observations and runs said
"loading…" for ever, the failure silent. And a mirror opened read-only is read read-only by the
screens too (``Mirror.another_connection``)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, sim_environment, wait_until
from textual.widgets import DataTable, Label

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.store import Mirror


def test_a_mirror_gone_from_under_the_app_is_said_where_the_rows_would_be(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    db = app.mirror.path

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                leftover.unlink(missing_ok=True)  # moved away by another program
            await pilot.press("f4")
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            count = screen.query_one("#obs-count", Label)
            await wait_until(pilot, lambda: "loading" not in str(count.render()))
            line = str(count.render())
            assert line.startswith("Could not read the observations:") and "is gone" in line
            await pilot.press("f5")
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            said = runs.query_one("#runs-count", Label)
            await wait_until(pilot, lambda: "loading" not in str(said.render()))
            assert str(said.render()).startswith("Could not read the runs:")
            assert app.is_running  # one line each, no crash

    asyncio.run(scenario())


def test_a_mirror_opened_read_only_is_browsed_read_only(tmp_path: Path) -> None:
    writer = make_app(tmp_path)
    populate(writer, "github:acme/rocket", days=7)
    total = writer.mirror.count_observations("ws")
    writer.mirror.close()
    mirror = Mirror.open(tmp_path / "mirror.db", readonly=True)
    assert mirror.read_only_file
    app = BackfillApp(mirror, sim_environment())

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            assert screen.matching == total > 0
            assert screen.query_one("#observations", DataTable).row_count > 0
            await pilot.press("f5")
            await settle(pilot)
            assert app.screen.query_one("#runs", DataTable).row_count == 1
            with app.reader() as reading:
                assert reading.read_only_file  # read as it was opened

    asyncio.run(scenario())
    mirror.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere: no read-only folder")
def test_a_mirror_in_a_read_only_folder_is_browsed(tmp_path: Path) -> None:
    """In a read-only folder the first connection is immutable (no -shm can be made there); the
    screens' connections were asked plainly, SQLite wanted a -shm, and every screen said
    "internal error (OperationalError)" (a fresh tester's finding, on a read-only mount)."""
    writer = make_app(tmp_path)
    populate(writer, "github:acme/rocket", days=7)
    total = writer.mirror.count_observations("ws")
    writer.mirror.close()
    tmp_path.chmod(0o555)
    try:
        mirror = Mirror.open(tmp_path / "mirror.db", readonly=True)
        app = BackfillApp(mirror, sim_environment())

        async def scenario() -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                await pilot.press("f4")
                screen = app.screen
                assert isinstance(screen, ObservationsScreen)
                table = screen.query_one("#observations", DataTable)
                await wait_until(pilot, lambda: table.row_count > 0)
                assert 0 < table.row_count <= total

        asyncio.run(scenario())
        mirror.close()
    finally:
        tmp_path.chmod(0o755)
