"""F5 after a new run: the cursor is on the run just made, at the top. The runs screen (built
ahead, listed before the run) kept its old selection, so Enter opened the run before it (a
tester's finding)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_runs, populate, settle, wait_until


def test_a_run_made_since_the_last_listing_is_selected(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    first = populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_runs(pilot)
            await wait_until(pilot, lambda: table.row_count == 1)
            assert screen.selected == first
            await pilot.press("f2")
            await settle(pilot)
            # another run lands in the mirror (as a finished run does) while F5 is not shown
            second = await asyncio.to_thread(populate, app, "vercel:acme/rocket-web", days=7)
            await pilot.press("f5")
            await settle(pilot)
            await wait_until(pilot, lambda: table.row_count == 2)
            await settle(pilot)
            assert screen.selected == second, (screen.selected, first, second)
            assert table.cursor_row == 0

    asyncio.run(scenario())
