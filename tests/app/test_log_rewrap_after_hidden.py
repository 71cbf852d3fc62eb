"""Log lines written while the dashboard's log was hidden re-wrap when it shows again (a fresh
tester's finding: in ``demo`` at 80x24, a run, the window made 60x18 and back, and the log kept
"sentry:acme/rocket/i" / "ssue completed: 156" broken at RichLog's 20-column ``min_width``).
Below 20 lines the log is hidden (``ROWS_ONLY_BELOW``), so its lines are wrapped with no width;
shown again at its old width, it re-wraps them at that width."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle, wait_until
from rich.text import Text

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.widgets.reflow_log import ReflowLog


def test_lines_logged_while_hidden_rewrap_when_the_log_shows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.open_run(run_id)
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await settle(pilot)
            log = app.screen.query_one(ReflowLog)
            width = log.scrollable_content_region.width
            assert width > 30, width
            log.clear()  # as a new run's log starts
            await pilot.resize_terminal(60, 18)  # the log hides
            await settle(pilot)
            assert not app.screen.query_one("#lower").display
            line = "21:19:25  sentry:acme/rocket/issue completed: 156 fetched · 0 new"
            log.add(Text(line))
            await pilot.resize_terminal(80, 24)  # shown again, as wide as before
            await settle(pilot)
            await wait_until(pilot, lambda: log.scrollable_content_region.width == width)
            await pilot.pause()
            shown = [strip.text.rstrip() for strip in log.lines]
            # wrapped between words at the log's width, not cut every 20 columns
            assert " ".join(shown) == line, shown
            assert max(len(text) for text in shown) > 20, shown

    asyncio.run(scenario())
    app.mirror.close()
