"""The count line under the observations table grows and shrinks with its text (it is laid out
again only when its number of lines changes, issue 12 item 11): a long "nothing matches" line
wraps whole at 80 columns, and the short count after it takes one line again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle
from textual.content import Content
from textual.widgets import Input, Label

from backfill_tui.screens.observations import ObservationsScreen


def test_the_count_line_takes_as_many_lines_as_its_text(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    query = "zzqx " * 24

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            label = screen.query_one("#obs-count", Label)
            assert label.size.height == 1
            screen.query_one("#search", Input).value = query
            screen.query_one("#search", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            text = str(label.render())
            assert text.startswith("nothing matches") and len(text) > 2 * 78
            lines = Content(text).wrap(label.content_size.width)
            assert len(lines) == 3 and label.size.height == 3  # every word of it shown
            screen.query_one("#search", Input).value = ""
            screen.query_one("#search", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            assert "observations · workspace ws" in str(label.render())
            assert label.size.height == 1

    asyncio.run(scenario())
