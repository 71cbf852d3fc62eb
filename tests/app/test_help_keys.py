"""The help lists F2-F6 as working anywhere: pressed while the help is open, each closes it and
goes to its screen (a fresh tester pressed them and nothing happened)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import SIZE, make_app, settle

from backfill_tui.screens.help import HelpScreen

SCREENS = {
    "f2": "ConnectScreen",
    "f3": "DashboardScreen",
    "f4": "ObservationsScreen",
    "f5": "RunsScreen",
    "f6": "ExportScreen",
}


@pytest.mark.parametrize("key", sorted(SCREENS))
def test_an_f_key_in_the_help_closes_it_and_goes_to_its_screen(tmp_path: Path, key: str) -> None:
    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press(key)
            await settle(pilot)
            return type(app.screen).__name__

    assert asyncio.run(scenario()) == SCREENS[key]
