"""A run another process drives (another window, a command), opened on this app's dashboard:
it follows the mirror until the run ends, its elapsed time counted from the run's start, and c
says where the run can be cancelled. It stood still while its clock ran on, still "running"
long after it completed, and c said "is running: there is nothing to cancel" (a fresh tester's
finding)."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app_support import SIZE, Recorder, drawn, make_app, wait_until
from textual.notifications import Notify

from backfill_tui.engine.mirror import RunRecord
from backfill_tui.terms import RunStatus


def test_a_run_another_process_drives_is_followed_until_it_ends(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()
    now = datetime.fromtimestamp(app.clock.now(), UTC)  # the app's clock (a fixed one)
    started = now.replace(microsecond=0) - timedelta(seconds=40)
    run = RunRecord(
        id="20260601-120000-away", workspace="ws", sources=["github:acme/rocket"],
        depth_days=30, since=(started - timedelta(days=30)).isoformat(), entities=None,
        max_items=1000, started_at=started.isoformat(), pid=os.getpid(),
        host=socket.gethostname(),
    )  # fmt: skip
    app.mirror.create_run(run, [("github", "acme/rocket", "issue")])

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            session = app.open_run(run.id)
            assert session is not None and session.progress.status == RunStatus.RUNNING
            assert session.progress.elapsed(app.clock.now()) >= 39  # since the run began
            await drawn(pilot)  # the dashboard, as a person sees it before pressing c
            await pilot.press("c")
            await pilot.pause()
            said = [m.notification.message for m in seen.of(Notify)]
            assert any("is run by another process" in m for m in said), said

            # The other process stores a page, then completes the run.
            with sqlite3.connect(app.mirror.path) as other:
                other.execute(
                    "UPDATE streams SET status = 'completed', fetched = 7, new = 7, pages = 1"
                )
                other.execute(
                    "UPDATE runs SET status = 'completed', finished_at = ?",
                    (now.isoformat(timespec="seconds"),),
                )
            await wait_until(
                pilot,
                lambda: app.session.progress.status == RunStatus.COMPLETED,
                timeout=10,  # type: ignore[union-attr]
            )
            progress = app.session.progress  # type: ignore[union-attr]
            assert progress.totals().new == 7

    asyncio.run(scenario())
