"""With nothing failed the dashboard's overall line says nothing of failures, at every width:
it said "0 items failed" where the line had room for it and not where it had none, so it came
and went as a run's figures (its time, ETA and counts) grew and shrank (a fresh tester's
finding). A failure is still said: test_dashboard_failed_stream_named.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle, wait_until
from textual.widgets import Label

from backfill_tui.screens.dashboard import DashboardScreen

SIZES = [(80, 24), (120, 36), (160, 40), (200, 50), (240, 50)]


def test_nothing_failed_is_never_said(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket", days=7)
    lines: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZES[0]) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: screen.query("#overall"))
            overall = screen.query_one("#overall", Label)
            for size in SIZES:
                await pilot.resize_terminal(*size)
                await settle(pilot)
                await pilot.pause()
                lines.append(str(overall.render()))

    asyncio.run(scenario())
    assert all("fetched" in line for line in lines), lines
    assert not [line for line in lines if "failed" in line], lines
