"""The export screen (F6) starts with the focus where the user begins: the target choice, so
the first Tab goes to the target's first field (a fresh tester's finding: the focus started on
the form's scroll container, and the first Tab only reached the target radio)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, settle
from textual.widgets import Input, RadioSet

from backfill_tui.screens.export import ExportScreen


def test_f6_starts_on_the_target_and_tab_goes_to_the_dsn(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f6")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            assert app.focused is screen.query_one("#export-kind", RadioSet)
            await pilot.press("tab")
            assert app.focused is screen.query_one("#dsn", Input)

    asyncio.run(scenario())
