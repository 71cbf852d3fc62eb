"""The connect form says which of its options are below its view: at 120x36 the demo's four
source cards left "Max items" and "Record to" out of sight, with nothing saying they existed
(a fresh tester's finding). A line at the form's foot names them while they are below, a click
on it scrolls to them, and it is gone once they are in view; at 80x24 too."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, wait_until
from screen_text import region_text
from textual.containers import VerticalScroll

from backfill_tui.cli.app import DEMO_SOURCES
from backfill_tui.screens.app import DemoSetup
from backfill_tui.widgets.more_below import MoreBelow


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
def test_the_options_below_the_view_are_named_and_a_click_shows_them(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", DEMO_SOURCES))

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            form = app.screen.query_one("#form", VerticalScroll)
            hint = app.screen.query_one("#more-below", MoreBelow)
            options = [app.screen.query_one(f"#{name}-row") for name in ("max-items", "record-to")]
            await wait_until(pilot, lambda: hint.display and hint.region.height == 1)
            said = region_text(app, hint)
            assert "more below: Max items, Record to" in said, said
            assert all(not form.region.contains_region(o.region) for o in options)
            await pilot.click(hint)
            await wait_until(pilot, lambda: not hint.display)
            for option in options:  # now wholly in the form's view
                assert form.scrollable_content_region.contains_region(option.region), option
            form.scroll_home(animate=False)
            await wait_until(pilot, lambda: hint.display)  # below again, said again
            await pilot.resize_terminal(size[0], 60)  # room for them all
            await wait_until(pilot, lambda: not hint.display)
            await pilot.resize_terminal(*size)
            await wait_until(pilot, lambda: hint.display)

    asyncio.run(scenario())


def test_at_50_columns_the_line_is_whole() -> None:
    """At 50x15 the line ran past the form's edge, cut mid-word: it says less, whole."""
    names = ["Max items", "Record to"]
    assert MoreBelow.wording(names, 80).endswith("(scroll down, or click here)")
    assert MoreBelow.wording(names, 48) == "↓ more below: Max items, Record to"
    assert MoreBelow.wording(names, 20) == "↓ more below"
