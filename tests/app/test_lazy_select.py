"""The connect screen's provider Select builds its drop-down after the first frame (issue 13):
once the screen has drawn, the drop-down is Textual's own (the providers, the value
highlighted, compact as the Select is); keys and clicks pick a provider as before; and a key or
click that opens it before it was added opens it once it is."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import connect_screen, make_app, settle
from textual.app import App, ComposeResult
from textual.widgets import Label
from textual.widgets._select import SelectOverlay

from backfill_tui.engine.catalog import CATALOG
from backfill_tui.widgets.lazy_select import LazySelect

LABELS = [entry.label for entry in CATALOG.values()]


def _options(overlay: SelectOverlay) -> list[str]:
    return [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]


def test_the_drop_down_is_added_and_picks_a_provider(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await connect_screen(pilot)
            select = screen.query_one("#provider", LazySelect)
            overlays = select.query(SelectOverlay)
            assert len(overlays) == 1
            overlay = overlays.first()
            assert _options(overlay) == LABELS
            assert overlay.highlighted == 0 and select.value == "github"
            assert select.compact and overlay.compact  # one line high below 100 columns
            screen.query_one("#workspace").focus()
            await pilot.press("tab", "tab")  # the workspace, the depth, the provider
            assert screen.focused is select
            await pilot.press("enter")
            assert select.expanded and screen.focused is overlay
            await pilot.press("down", "enter")
            await settle(pilot)
            assert not select.expanded and screen.focused is select
            assert select.value == screen.provider_name == list(CATALOG)[1]
            await pilot.click(select)
            assert select.expanded
            await pilot.press("escape")
            assert not select.expanded
            await pilot.resize_terminal(120, 36)
            await settle(pilot)
            assert not select.compact and not overlay.compact

    asyncio.run(scenario())


class Early(App[None]):
    """Mounts a LazySelect and opens it (by key or click, ``how``) before its drop-down exists."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how
        self.select = LazySelect([("GitHub", "github"), ("Vercel", "vercel")], allow_blank=False)
        self.opened_before_added = False

    def compose(self) -> ComposeResult:
        yield Label("first")

    async def on_mount(self) -> None:
        self.mount(self.select)  # not awaited: nothing of it has run yet
        self.opened_before_added = not self.select.query(SelectOverlay)
        if self.how == "key":
            self.select.action_show_overlay()
        else:  # what a click on the current value does (SelectCurrent.Toggle)
            self.select.expanded = True


@pytest.mark.parametrize("how", ["key", "click"])
def test_opened_before_the_drop_down_was_added_it_opens_once_added(how: str) -> None:
    app = Early(how)

    async def scenario() -> None:
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.pause()
            await pilot.pause()
            assert app.opened_before_added
            overlay = app.select.query_one(SelectOverlay)
            assert app.select.expanded and app.focused is overlay
            assert overlay.highlighted == 0
            await pilot.press("down", "enter")
            assert app.select.value == "vercel" and not app.select.expanded

    asyncio.run(scenario())
