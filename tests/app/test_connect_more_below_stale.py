"""The connect form's "↓ more below" line names only fields out of view, and looks again when
the screen is shown again (a fresh tester's finding: in ``demo`` at 80x24, after a run, F2
showed "Max items 1000" and right under it "↓ more below: Max items, Record to", said while
the screen was away)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, connect_screen, make_app, settle, wait_until
from screen_text import region_text
from textual.containers import VerticalScroll

from backfill_tui.cli.app import DEMO_SOURCES
from backfill_tui.screens.app import DemoSetup
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.widgets.more_below import MoreBelow


def test_after_a_run_f2_names_no_field_in_view(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", DEMO_SOURCES))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            screen = await connect_screen(pilot)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await pilot.press("f2")
            await wait_until(pilot, lambda: app.screen is screen)
            await settle(pilot)
            for _ in range(3):
                await pilot.pause()
            form = screen.query_one("#form", VerticalScroll)
            hint = screen.query_one("#more-below", MoreBelow)
            view = form.scrollable_content_region
            if hint.display and hint.region.height:
                view = view._replace(height=view.height - 1)  # the line's own row
            said = region_text(app, hint) if hint.display else ""
            for name, row in (("Max items", "#max-items-row"), ("Record to", "#record-to-row")):
                in_view = view.contains_region(screen.query_one(row).region)
                assert (name in said) != in_view, (name, said, view)

    asyncio.run(scenario())
    app.mirror.close()
