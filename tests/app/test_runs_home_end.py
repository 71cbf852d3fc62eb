"""End and Home on the Runs screen move its cursor to the last and first run, as on the
Observations screen: they scrolled sideways (Textual's DataTable), so End then Enter opened
the newest run, not the one at the end (a fresh tester's finding)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, open_runs, populate, settle


def test_end_and_home_move_the_cursor_to_the_last_and_first_run(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    for source in ("github:acme/rocket", "vercel:acme/rocket-web", "sentry:acme/rocket"):
        populate(app, source, days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            _, table = await open_runs(pilot)
            table.focus()
            assert table.row_count == 3 and table.cursor_row == 0
            await pilot.press("end")
            await settle(pilot)
            assert table.cursor_row == 2
            await pilot.press("home")
            await settle(pilot)
            assert table.cursor_row == 0

    asyncio.run(scenario())
