"""A notice (toast) leaves the panels' borders whole: it sat over the right border's column and
over the bottom border of the dashboard's and the export's panels (a fresh tester's finding:
"╰────▌ /DBNAME ─╯")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, settle, wait_until
from screen_text import screen_lines
from textual.widgets._toast import Toast

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize(
    ("key", "press", "panel"), [("f3", "r", "#log"), ("f6", "ctrl+r", "#plan-panel")]
)
def test_a_notice_leaves_the_panel_borders_whole(
    tmp_path: Path, size: tuple[int, int], key: str, press: str, panel: str
) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.press(key)
            await settle(pilot)
            await pilot.press(press)  # r: no run to retry; ctrl+r: no DSN typed
            await wait_until(pilot, lambda: app.screen.query(Toast))
            await pilot.pause()
            lines = screen_lines(app)
            region = app.screen.query_one(panel).region
            bottom = lines[region.bottom - 1][region.x : region.right]
            assert bottom.startswith("╰") and bottom.endswith("╯"), bottom
            assert set(bottom[1:-1]) <= {"─", " "} or "─" in bottom, bottom
            assert "▌" not in bottom, "\n".join(lines)
            for line in lines[region.y + 1 : region.bottom - 1]:
                assert line[region.right - 1] in "│▇▃▂▅▆█▄▁", "\n".join(lines)
                assert line[region.x] == "│", "\n".join(lines)  # nor over its left border

    asyncio.run(scenario())
