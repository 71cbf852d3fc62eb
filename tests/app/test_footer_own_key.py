"""A screen's footer does not offer the screen's own F-key (a fresh tester's finding: at 120
columns the dashboard's footer said "f3 Dashboard", as if it led elsewhere); it offers every
other screen's, and F1 still lists them all."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from screen_text import screen_lines

SCREENS = {
    "f2": "Connect",
    "f3": "Dashboard",
    "f4": "Observations",
    "f5": "Runs",
    "f6": "Export",
}


@pytest.mark.parametrize("size", [(120, 36), (200, 50)])
def test_no_screen_offers_its_own_key(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            for key, name in SCREENS.items():
                await pilot.press(key)
                await wait_until(pilot, lambda name=name: app.current_mode == name.lower())
                await settle(pilot)
                await pilot.pause()
                footer = screen_lines(app)[-1]
                assert f"{key} {name}" not in footer, (key, footer)
                others = [f"{k} {n}" for k, n in SCREENS.items() if k != key]
                if size[0] >= 200:  # room for them all
                    assert all(other in footer for other in others), (key, footer)

    asyncio.run(scenario())
    app.mirror.close()
