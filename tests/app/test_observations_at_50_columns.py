"""At 50x15 the observations show their titles (a fresh tester's finding: the title column was
scrolled off the table's right edge, a horizontal scrollbar's thumb left as a stray "▌"
mid-screen). Below 60 columns the source and significance fold away (the detail pane has them)
and the type is cut shorter, so the table fits and the title takes what is left."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_observations, populate, settle
from screen_text import region_text
from textual.widgets import Input

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


def test_the_search_box_shows_a_word_at_50_columns(tmp_path: Path) -> None:
    """At 50 columns the two filters left the search box four cells: "/deployment" showed
    "depl" (a fresh tester's finding). Below 60 columns they are narrower; the word shows."""
    app = make_app(tmp_path)
    populate(app, "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(50, 15)) as pilot:
            screen, _table = await open_observations(pilot)
            await pilot.press("slash", *"deployment")
            await settle(pilot)
            search = screen.query_one("#search", Input)
            assert search.value == "deployment"
            assert "deployment" in region_text(app, search)

    asyncio.run(scenario())
