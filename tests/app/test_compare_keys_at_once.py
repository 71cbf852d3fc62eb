"""The compare view's table takes the keys the moment it opens: `end` goes to its last row and
`home` back to its first, as on the Runs screen (``ROW_KEYS``). In Textual's DataTable `end`
and `home` scroll sideways only, so a comparison of 1,200 rows could not be taken to its end
by key, and the rows there (the changed ones) were out of reach (a fresh tester's finding)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, compare_runs, make_app, populate, settle
from screen_text import region_text


def test_end_and_home_move_to_the_last_and_first_row_as_the_view_opens(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=30)
    populate(app, "github:acme/rocket", days=7)  # A (the newest): B has 23 days more

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            _, table = await compare_runs(pilot)
            assert app.focused is table
            last = table.row_count - 1
            assert last > 2 * SIZE[1], table.row_count  # more rows than a screen holds
            await pilot.press("end")
            await settle(pilot)
            assert table.cursor_row == last
            shown = region_text(app, table).splitlines()
            last_id = str(table.get_row_at(last)[1])
            assert last_id in shown[-1] or last_id in shown[-2], shown[-3:]  # scrolled to it
            await pilot.press("home")
            await settle(pilot)
            assert table.cursor_row == 0
            await pilot.press("down", "j", "k", "j")
            await settle(pilot)
            assert table.cursor_row == 2

    asyncio.run(scenario())
