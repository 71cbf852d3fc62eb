"""The log of a run another process drives (another window, a command), followed on this app's
dashboard: it stayed empty (a fresh tester's finding). It now says where the live log is and
what the mirror shows as the run goes: each stream's end as it is seen, a failed one with its
reason; once the run ends, the run's whole stored log, as a past run's."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app_support import SIZE, make_app, wait_until

from backfill_tui.engine.mirror import RunRecord
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.terms import RunStatus
from backfill_tui.widgets.reflow_log import ReflowLog

REASON = "GitHub answered 404 Not Found: acme/rocket has no releases endpoint"


def _log_text(app: object) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, DashboardScreen)
    logs = screen.query(ReflowLog)  # none until the dashboard is composed
    return "\n".join(str(line) for line in logs.first()._source) if logs else ""


def test_a_followed_runs_log_says_what_the_mirror_shows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    now = datetime.fromtimestamp(app.clock.now(), UTC)
    started = now.replace(microsecond=0) - timedelta(seconds=40)
    run = RunRecord(
        id="20260601-120000-away", workspace="ws", sources=["github:acme/rocket"],
        depth_days=30, since=(started - timedelta(days=30)).isoformat(), entities=None,
        max_items=1000, started_at=started.isoformat(), pid=os.getpid(),
        host=socket.gethostname(),
    )  # fmt: skip
    app.mirror.create_run(
        run, [("github", "acme/rocket", "issue"), ("github", "acme/rocket", "release")]
    )

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            session = app.open_run(run.id)
            assert session is not None and session.progress.status == RunStatus.RUNNING
            await wait_until(pilot, lambda: "another process" in _log_text(app), timeout=10)
            text = _log_text(app)
            assert f"run {run.id}: 2 streams since {run.since}" in text, text
            assert f"run {run.id} is run by another process ({os.getpid()}: another" in text

            # The other process: the release stream fails, then the issues complete.
            with sqlite3.connect(app.mirror.path) as other:
                other.execute(
                    "UPDATE streams SET status = 'failed', error = ? WHERE entity = 'release'",
                    (REASON,),
                )
            await wait_until(pilot, lambda: REASON in _log_text(app), timeout=10)
            text = _log_text(app)
            assert f"github:acme/rocket/release failed: {REASON}" in text, text
            assert "another process" in text  # what was said stays as the run moves
            with sqlite3.connect(app.mirror.path) as other:
                other.execute(
                    "UPDATE streams SET status = 'completed', fetched = 7, new = 7, pages = 1 "
                    "WHERE entity = 'issue'"
                )
            await wait_until(
                pilot, lambda: "rocket/issue completed: 7 fetched" in _log_text(app), timeout=10
            )
            assert _log_text(app).count(f"release failed: {REASON}") == 1  # said once
            with sqlite3.connect(app.mirror.path) as other:
                other.execute(
                    "UPDATE runs SET status = 'partial', finished_at = ?",
                    (now.isoformat(timespec="seconds"),),
                )
            await wait_until(
                pilot, lambda: _log_text(app).endswith(f"run {run.id} partial"), timeout=10
            )

    asyncio.run(scenario())
