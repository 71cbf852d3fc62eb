"""A dashboard 15 lines high shows stream rows (a fresh tester's finding: at 50x15 the chart
and the log kept their 8 lines and no row of the run showed): below 20 lines the rows take the
room and the chart and log give way."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle, wait_until
from screen_text import region_text

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.widgets.run_rows import StreamRow


def test_a_50x15_dashboard_shows_the_runs_rows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(50, 15)) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 4)
            await settle(pilot)
            await pilot.pause()
            text = region_text(app, screen.query_one("#streams"))
            for entity in ("pull_request", "issue", "release", "push"):
                assert entity in text, text
            # and back at 80x24 the chart and the log are there again
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            assert screen.query_one("#lower").display
            assert screen.query_one("#lower").region.height >= 8

    asyncio.run(scenario())
