"""A run stopped by another process holding the mirror's write lock: its rows said only
"interrupted", the reason (the mirror locked by another process) only in the log (a fresh
tester's finding). The dashboard says it where it says a failure's reason: beneath the rows,
once for the source's streams it stopped. (The busy wait is the runs' own 30 s: the test
takes about that long.)"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from app_support import make_app, paced_environment, settle, wait_until
from screen_text import region_text

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen


def test_a_run_stopped_by_a_locked_mirror_says_why_beneath_its_rows(tmp_path: Path) -> None:
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.3))
    holder = sqlite3.connect(tmp_path / "mirror.db", isolation_level=None)

    async def scenario() -> str:
        async with app.run_test(size=(80, 24)) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            assert app.plan_and_start(request) is not None
            await wait_until(pilot, lambda: app.session.progress.totals().fetched > 0)  # type: ignore[union-attr]
            holder.execute("BEGIN EXCLUSIVE")  # the next page's commit waits, then gives up
            screen = app.screen
            assert isinstance(screen, DashboardScreen)

            def streams() -> str:
                return region_text(app, screen.query_one("#streams")).replace("▌", " ")

            await wait_until(pilot, lambda: app.session.ended, timeout=60)  # type: ignore[union-attr]
            await settle(pilot)
            holder.execute("ROLLBACK")
            await settle(pilot)
            return streams()

    try:
        text = asyncio.run(scenario())
    finally:
        holder.close()
    said = " ".join(text.split())
    assert said.count("the mirror is locked by another process") == 1, text  # once, beneath
    assert "then retry" in said, text  # whole, wrapped under the rows
    rows = [line for line in text.splitlines() if line.rstrip().endswith("interrupted")]
    assert len(rows) == 3, text  # the three streams it stopped; the one done says completed
    app.mirror.close()
