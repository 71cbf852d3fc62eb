"""An interrupted run (its process killed with kill -9) opened from F5 shows the time it ran, from
its start to its last committed page, not 00:00 (a tester's finding)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from app_support import SIZE, make_app, wait_until
from support import killed_headless_run

from backfill_tui.screens.runs import RunsScreen


def test_an_interrupted_run_shows_the_time_it_ran(tmp_path: Path, anchor: str) -> None:
    db = tmp_path / "mirror.db"
    began = time.monotonic()
    # one stream's second page: 1 s of answers after the start
    killed_headless_run(db, ["github:acme/rocket"], f"anchor={anchor},latency=0.5,scale=3", 2)
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
