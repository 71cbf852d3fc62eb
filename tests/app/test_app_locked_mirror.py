"""ctrl+s while another process holds the mirror's write lock: the app says, in the CLI's one
line, that the mirror is locked, and shows no run that was never stored (a tester's finding:
it said "the disk failed a read or write" and showed an interrupted run ``runs`` did not list;
not reproduced here, with a holder in this process or a ``sqlite3`` shell: this guards it).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

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
