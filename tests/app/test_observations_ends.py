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


def test_moving_up_from_the_first_row_after_end_reads_the_rows_above(tmp_path: Path) -> None:
    """After End the table holds the last page; moving up from its first row stopped there, the
    rows above out of reach but by Home (a tester's finding). Up now walks on into the page
    above, in order, every row once, and the row under the cursor stays where it was."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=30)
    every = [str(row.id) for row in app.mirror.find_observations("ws", limit=10_000)]
    assert len(every) > 2 * PAGE

    def current(table: object) -> str:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key  # type: ignore[attr-defined]
        return str(key.value)

    def keys(table: object) -> list[str]:
        return [str(row.key.value) for row in table.ordered_rows]  # type: ignore[attr-defined]

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            table.focus()
            await settle(pilot)
            await pilot.press("end")
            await wait_until(pilot, lambda: current(table) == every[-1])
            first_shown = len(every) - table.row_count  # the table's first row, in the result
            assert keys(table) == every[first_shown:]
            # Up to the table's first row (the last steps by key), then one more: the row
            # above it in the result.
            table.move_cursor(row=2)
            await pilot.press("up", "up")
            await wait_until(pilot, lambda: len(keys(table)) > len(every) - first_shown)
            await settle(pilot)
            assert current(table) == every[first_shown]  # the cursor stayed on its row
            await pilot.press("up")
            await settle(pilot)
            assert current(table) == every[first_shown - 1]
            shown = keys(table)
            assert shown == every[len(every) - len(shown) :]  # in order, each once
            assert len(shown) == min(len(every), len(every) - first_shown + PAGE)
            count = str(screen.query_one("#obs-count").render())
            assert "home: the newest" in count, count
            # and on up to the newest, page by page, with Home's answer at the top
            for _ in range(len(every)):
                if current(table) == every[0]:
                    break
                if table.cursor_row > 2:  # within a page the rows are the table's own
                    table.move_cursor(row=2)
                await pilot.press("up")
                if table.cursor_row == 0:
                    await settle(pilot)
                shown = keys(table)
                assert shown == every[every.index(shown[0]) :][: len(shown)]  # in order, once
            await wait_until(pilot, lambda: current(table) == every[0])
            assert keys(table)[0] == every[0] and table.cursor_row == 0

    asyncio.run(scenario())
