"""The app on a mirror damaged past its open check says so in one line, never as made-up zeros.

A fresh tester's finding: a 100 MB mirror (past ``QUICK_CHECK_MAX_BYTES``, so opened on its
header and schema only) with 8 KB of junk at its middle; F5, enter on the run: the notice read
"Could not finish — internal error (DatabaseError); the details are in the log" and the day
chart showed "github 0 ▁▁▁▁…", which looked like real data. Now the notice is the line the CLI
prints (``store.failures.translate``: "… is corrupt …; `backfill-tui verify --db …` lists the
damage") and the chart says it could not be read, with no sparkline of zeros.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest
from app_support import SIZE, make_app, populate, wait_until
from textual.widgets import Label
from textual.worker import WorkerFailed

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.store import opening
from backfill_tui.widgets.day_chart import DayChart, SourceChart


def _damage_observations(db: Path) -> None:
    """Junk over the middle leaf pages of the observations table (the tester's damage)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = [
            int(row[0])
            for row in conn.execute(
                "SELECT pageno FROM dbstat WHERE name = 'observations' ORDER BY pageno"
            )
        ]
    finally:
        conn.close()
    with db.open("r+b") as handle:
        for page in pages[len(pages) // 3 :: max(len(pages) // 3, 1)]:
            handle.seek(4096 * (page - 1) + 8)
            handle.write(b"\xde\xad\xbe\xef" * 1000)


def test_a_damaged_mirror_is_one_line_naming_verify_and_no_chart_of_zeros(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_app(tmp_path)
    populate(first, "github:acme/rocket", days=30)
    first.mirror.close()
    _damage_observations(tmp_path / "mirror.db")
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)  # a large mirror: opened unchecked
    app = make_app(tmp_path)
    notices: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen) and app.screen.lines)
            app.screen.query_one("#runs").focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await wait_until(
                pilot, lambda: any("verify" in n.message for n in app._notifications), 20
            )
            for worker in list(app.workers):
                with contextlib.suppress(WorkerFailed, Exception):
                    await worker.wait()
            await pilot.pause()
            notices.extend(n.message for n in app._notifications)
            chart = app.screen.query_one(DayChart)
            assert not list(chart.query(SourceChart))  # no "github 0 ▁▁▁▁"
            said = str(chart.query_one(".chart-empty", Label).content)
            assert "corrupt" in said and "backfill-tui verify" in said
            assert chart.query_one(".chart-empty", Label).display

    asyncio.run(scenario())
    assert notices
    assert not any("internal error" in n for n in notices), notices
    assert all("corrupt" in n and "backfill-tui verify --db" in n for n in notices), notices


def _damage_table(db: Path, table: str) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (page,) = conn.execute("SELECT min(pageno) FROM dbstat WHERE name = ?", (table,)).fetchone()
    finally:
        conn.close()
    with db.open("r+b") as handle:
        handle.seek(4096 * (page - 1) + 8)
        handle.write(b"\xde\xad\xbe\xef" * 1000)


def test_damage_met_on_the_apps_own_thread_ends_it_with_the_line_naming_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found trying the finding above with the streams table's page damaged: F5 read the runs
    # on the app's own thread, and the app ended "internal error (DatabaseError); this is a
    # bug", exit 70. It ends as a command on that mirror does: its one line, exit 2.
    from backfill_tui.cli.app import app_ended

    first = make_app(tmp_path)
    populate(first, "github:acme/rocket", days=30)
    first.mirror.close()
    _damage_table(tmp_path / "mirror.db", "streams")
    monkeypatch.setattr(opening, "QUICK_CHECK_MAX_BYTES", 0)
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await pilot.pause()

    with contextlib.suppress(sqlite3.DatabaseError):  # run_test re-raises what ended the app
        asyncio.run(scenario())
    capsys.readouterr()
    assert app_ended(app) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" not in err, err
    assert "is corrupt" in err and f"`backfill-tui verify --db {app.mirror.path}`" in err, err
