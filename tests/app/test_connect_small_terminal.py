"""The connect screen at 80x24 (the size many terminals open at): a newcomer sees the form's
essentials without scrolling: the workspace, the depths (7, 30, 90 days), the add line with its
whole "Add" button, the demo's four sources and Start (issue 12's leftovers)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, settle, wait_until
from screen_text import region_text, screen_lines
from textual.widgets import Button

from backfill_tui.cli.app import demo_sources
from backfill_tui.screens.app import DemoSetup
from backfill_tui.screens.connect import DEMO_HINT, ConnectScreen
from backfill_tui.widgets.source_card import SourceCard

SIZES = [(80, 24), (120, 36), (200, 50)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_essentials_show_without_scrolling(tmp_path: Path, size: tuple[int, int]) -> None:
    sources = demo_sources()
    app = make_app(tmp_path, demo=DemoSetup("demo", sources))

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            await wait_until(pilot, lambda: len(screen.query(SourceCard)) == len(sources))
            await settle(pilot)
            await pilot.pause()
            text = "\n".join(screen_lines(app))
            for words in ("Workspace", "demo", "7 days", "30 days", "90 days", "Add source"):
                assert words in text, f"{words!r} not shown at {size}:\n{text}"
            width, height = size
            for button_id in ("add", "start"):
                button = screen.query_one(f"#{button_id}", Button)
                region = button.region
                assert region.right <= width and region.bottom <= height, button_id
                assert str(button.label) in text
            if size == (80, 24):  # every demo source's card, by name, on the first screen
                for source in sources:
                    assert source in text, f"{source} not shown:\n{text}"
            else:
                assert sources[0] in text

    asyncio.run(scenario())


@pytest.mark.parametrize("size", SIZES[:2], ids=[f"{w}x{h}" for w, h in SIZES[:2]])
def test_the_demo_hint_shows_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    """The app on an empty mirror (no ``demo``) tells a newcomer about ``backfill-tui demo``:
    the hint was cut at the form's edge with no "…" (a tester's finding); it wraps, whole."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            await settle(pilot)
            hint = screen.query_one("#demo-hint")
            text = " ".join(region_text(app, hint).split())
            assert text == " ".join(DEMO_HINT.split()), text

    asyncio.run(scenario())


@pytest.mark.parametrize("width", [90, 100, 105, 110, 115, 119, 120])
def test_the_form_fits_between_the_narrow_and_the_side_by_side_layouts(
    tmp_path: Path, width: int
) -> None:
    """From 100 to 119 columns the estimate beside the form left it too little room: the
    depth's "90 days" and the GitHub card's "push" were cut (at 110, "90 da" and "pu"; a
    fresh tester's finding). The estimate now goes under the form below 120 columns."""
    sources = demo_sources()
    app = make_app(tmp_path, demo=DemoSetup("demo", sources))

    async def scenario() -> None:
        async with app.run_test(size=(width, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            await wait_until(pilot, lambda: len(screen.query(SourceCard)) == len(sources))
            await settle(pilot)
            await pilot.pause()
            text = "\n".join(screen_lines(app))
            for words in ("▐ ▌ 90 days", "▐X▌ pull_request", "▐X▌ release", "▐X▌ push"):
                assert words in text, f"{words!r} not shown at {width}:\n{text}"

    asyncio.run(scenario())
