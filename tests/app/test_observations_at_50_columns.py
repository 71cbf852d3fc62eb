"""At 50x15 the observations show their titles (a fresh tester's finding: the title column was
scrolled off the table's right edge, a horizontal scrollbar's thumb left as a stray "▌"
mid-screen). Below 60 columns the source and significance fold away (the detail pane has them)
and the type is cut shorter, so the table fits and the title takes what is left."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_observations, populate, settle

from backfill_tui.screens.observations import TITLE_MIN


def test_the_title_column_is_shown_at_50x15_without_sideways_scrolling(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            _screen, table = await open_observations(pilot)
            await pilot.resize_terminal(50, 15)
            await settle(pilot)
            await pilot.pause()
            title = next(c for k, c in table.columns.items() if k.value == "title")
            assert title.width >= TITLE_MIN
            assert not table.show_horizontal_scrollbar
            assert table.virtual_size.width <= table.scrollable_content_region.width
            await pilot.resize_terminal(80, 24)  # and back: the columns as they were
            await settle(pilot)
            await pilot.pause()
            shown = [c.width for k, c in table.columns.items() if k.value != "title"]
            assert all(width > 0 for width in shown), shown

    asyncio.run(scenario())
