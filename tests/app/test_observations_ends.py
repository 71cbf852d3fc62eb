"""End and Home on the observations go to the whole result's ends, not the page's: End stopped
at row 100 (the pages loaded), not the oldest observation (a tester's finding). End reads the
last page in place of the rows shown; Home reads the first page again; in the search box they
stay the box's own keys."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_observations, populate, settle, wait_until
from textual.widgets import Input

from backfill_tui.screens.observations import PAGE


def test_end_goes_to_the_oldest_row_and_home_back_to_the_newest(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=30)
    every = app.mirror.find_observations("ws", limit=10_000)
    assert len(every) > 2 * PAGE  # more than two pages
    oldest, newest = str(every[-1].id), str(every[0].id)

    def current(table: object) -> str:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key  # type: ignore[attr-defined]
        return str(key.value)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            table.focus()
            await settle(pilot)
            assert table.row_count == PAGE
            await pilot.press("end")
            await wait_until(pilot, lambda: current(table) == oldest)
            assert table.cursor_row == table.row_count - 1
            assert "showing the oldest" in str(screen.query_one("#obs-count").render())
            await pilot.press("home")
            await wait_until(pilot, lambda: current(table) == newest and table.cursor_row == 0)
            await settle(pilot)
            assert current(table) == newest
            # in the search box home and end move its cursor, as in any text box
            await pilot.press("slash", *"fix", "home")
            search = screen.query_one("#search", Input)
            assert search.has_focus and search.cursor_position == 0
            await pilot.press("end")
            assert search.cursor_position == 3

    asyncio.run(scenario())
