"""Enter in the search box hands the focus to the table with the answer (issue 12 item 11,
bench/app_scale.py "search"): typing has searched already, so Enter on the same words keeps the
rows shown (not drawn again), and Enter on new words shows their answer with the focus."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle, wait_until
from textual.widgets import DataTable, Input

from backfill_tui.screens.observations import ObservationsScreen


def test_enter_keeps_the_rows_typing_found_and_moves_to_the_table(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            everything = screen.matching
            await pilot.press("slash", *"push")
            assert isinstance(screen.focused, Input)
            # the search runs after a pause in typing, with the focus still in the box
            await wait_until(pilot, lambda: 0 < screen.matching < everything)
            await settle(pilot)
            assert isinstance(screen.focused, Input)
            first = table.get_row_at(0)[3]
            await pilot.press("enter")
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            assert table.get_row_at(0)[3] is first  # the same rows, kept

            # new words: their own answer, and the focus with it
            await pilot.press("slash", *["backspace"] * 4, *"closed", "enter")
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            assert screen.query_one("#search", Input).value == "closed" and screen.matching > 0
            assert "closed" in str(table.get_row_at(0)[3]).lower()
            assert table.get_row_at(0)[3] is not first

    asyncio.run(scenario())
