"""ctrl+s while another process holds the mirror's write lock: the app says, in the CLI's one
line, that the mirror is locked, and shows no run that was never stored (a tester's finding:
it said "the disk failed a read or write" and showed an interrupted run ``runs`` did not list;
not reproduced here, with a holder in this process or a ``sqlite3`` shell: this guards it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from app_support import SIZE, Recorder, make_app, wait_until

from backfill_tui.screens.app import DemoSetup
from backfill_tui.screens.messages import EstimateReady
from backfill_tui.screens.runs import run_lines


def test_starting_a_run_on_a_write_locked_mirror_says_it_is_locked(tmp_path: Path) -> None:
    # The app's own writes wait APP_BUSY_TIMEOUT_S (2 s), not the runs' 30 s: before, the
    # screen froze ~28 s (a tester's finding), and this test patched the 30 s away.
    app = make_app(tmp_path, demo=DemoSetup("ws", ("github:acme/rocket",)))
    seen = Recorder()
    holder = sqlite3.connect(tmp_path / "mirror.db", isolation_level=None)

    def notes() -> list[str]:
        return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            holder.execute("BEGIN EXCLUSIVE")  # as `sqlite3 mirror.db` with BEGIN EXCLUSIVE
            holder.execute("SELECT 1").fetchall()
            await pilot.press("ctrl+s")
            await wait_until(
                pilot,
                lambda: any("the mirror is locked by another process" in n for n in notes()),
                timeout=15,
            )
            holder.execute("ROLLBACK")
            # The UI's thread waited seconds, not the runs' 30 (a frozen loop cannot time
            # itself: the connection says how long it waits).
            waits_ms = app.mirror.conn.execute("PRAGMA busy_timeout").fetchone()[0]
            assert waits_ms <= 5000, waits_ms
            await pilot.pause(0.2)
            assert not any("disk failed" in n for n in notes()), notes()
            assert app.session is None or app.session.run.id in {
                line.run.id for line in run_lines(app.mirror)
            }

    try:
        asyncio.run(scenario())
    finally:
        holder.close()
    assert [line.run.id for line in run_lines(app.mirror)] == []
    app.mirror.close()


def test_a_mirror_deleted_while_the_app_is_open_is_said_and_never_remade(tmp_path: Path) -> None:
    """rm of the mirror, then ctrl+s: one line saying the mirror is gone, no run, and no new
    empty file where it was (a tester saw an internal error and a 0644 empty file)."""
    app = make_app(tmp_path, demo=DemoSetup("ws", ("github:acme/rocket",)))
    seen = Recorder()
    db = tmp_path / "mirror.db"

    def notes() -> list[str]:
        return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
                leftover.unlink(missing_ok=True)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: any("is gone" in n for n in notes()))
            assert app.session is None
            assert (
                f"the mirror {db} is gone (deleted or moved while the app was open)"
                in (notes()[-1])
            )

    asyncio.run(scenario())
    app.mirror.close()
    assert not db.exists()


def test_a_quit_waiting_on_a_locked_mirror_says_so(tmp_path: Path) -> None:
    """Quitting mid-run while another process holds the mirror's write lock: the page being
    stored waits for it, so the quit does too. It showed nothing, and a second ctrl+q did
    nothing (a fresh tester's finding): now it says why it waits, and a second ctrl+q says it
    again; once the lock goes, the app closes and the run is stored cancelled."""
    from app_support import paced_environment

    from backfill_tui.engine.run import RunRequest, SourceSpec
    from backfill_tui.screens.app import QUIT_WAITING
    from backfill_tui.screens.quit import QuitScreen
    from backfill_tui.widgets.reflow_log import ReflowLog

    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.3))
    holder = sqlite3.connect(tmp_path / "mirror.db", isolation_level=None)

    def log_text() -> str:
        log = app.screen.query_one(ReflowLog)
        return "\n".join(line.plain for line in log._source)

    def notices() -> list[Any]:
        return [n for n in app._notifications if n.title == "Quitting"]  # type: ignore[attr-defined]

    def quitting() -> list[str]:
        return [str(n.message) for n in notices()]

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().fetched > 0)  # type: ignore[union-attr]
            holder.execute("BEGIN EXCLUSIVE")  # the next page's commit waits for it
            # until the run says it waits (after 2 s): the quit then meets a commit waiting
            await wait_until(pilot, lambda: "waiting for the mirror" in log_text(), timeout=30)
            await pilot.press("ctrl+q", "y")
            await wait_until(pilot, lambda: bool(quitting()), timeout=10)
            assert quitting() == [QUIT_WAITING] and app.is_running
            (first,) = notices()
            await pilot.press("ctrl+q")  # said again (it takes the place of the same notice)
            await wait_until(pilot, lambda: [n.identity for n in notices()] != [first.identity])
            assert quitting() == [QUIT_WAITING] and not isinstance(app.screen, QuitScreen)
            holder.execute("ROLLBACK")
            await wait_until(pilot, lambda: not app.is_running, timeout=40)
            return run_id

    try:
        run_id = asyncio.run(scenario())
    finally:
        holder.close()
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "cancelled"
    app.mirror.close()
