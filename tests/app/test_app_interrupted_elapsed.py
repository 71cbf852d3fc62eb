"""An interrupted run (its process killed with kill -9) opened from F5 shows the time it ran, from
its start to its last committed page, not 00:00 (a tester's finding)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app_support import SIZE, make_app, wait_until

from backfill_tui.screens.runs import RunsScreen


def _pages(db: Path) -> int:
    """The most pages one stream of the mirror's run has stored."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT coalesce(max(pages), 0) FROM streams").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_an_interrupted_run_shows_the_time_it_ran(tmp_path: Path, anchor: str) -> None:
    db = tmp_path / "mirror.db"
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "run", "github:acme/rocket", "--simulate",
         "--workspace", "w", "--db", str(db), "--quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},latency=0.5,scale=3"},
    )  # fmt: skip
    try:
        for _ in range(1200):
            if _pages(db) >= 2:  # one stream's second page: 1 s of answers after the start
                break
            assert process.poll() is None, "ended before the kill"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    lived = time.monotonic() - began
    app = make_app(tmp_path)
    shown: list[float] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            await wait_until(pilot, lambda: screen.selected is not None)
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.session is not None)
            session = app.session
            assert session is not None
            assert session.progress.status == "interrupted"
            shown.append(session.progress.elapsed(app.clock.now()))
            await pilot.pause(1.1)  # it ran no longer for being looked at
            shown.append(session.progress.elapsed(app.clock.now()))

    asyncio.run(scenario())
    assert 1 <= shown[0] <= lived + 1, (shown, lived)
    assert shown[1] == shown[0]
