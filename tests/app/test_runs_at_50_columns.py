"""At 50x15 the runs list fits its table (a fresh tester's finding: its columns ran past the
right edge, the horizontal scrollbar's thumb left as a stray glyph mid-screen). Below 60
columns it shows the run, its status and what it stored new; back at 80 the narrow columns."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle
from textual.widgets import DataTable

from backfill_tui.screens.runs import NARROW_COLUMNS, RunsScreen


def test_the_runs_table_fits_at_50x15_and_its_columns_come_back_at_80(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            table = screen.query_one("#runs", DataTable)
            await pilot.resize_terminal(50, 15)
            await settle(pilot)
            await pilot.pause()
            assert table.row_count == 1
            assert not table.show_horizontal_scrollbar
            assert table.virtual_size.width <= table.scrollable_content_region.width
            await pilot.resize_terminal(80, 24)
            await settle(pilot)
            await pilot.pause()
            assert tuple(str(k.value) for k in table.columns) == NARROW_COLUMNS

    asyncio.run(scenario())
