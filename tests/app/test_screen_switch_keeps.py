"""Switching screens keeps what did not change (issue 12 item 11, bench/app_scale.py): back on
the observations the table keeps the user's place when the mirror answers the same, a new run
still shows; the footer shows the same keys, in the same order, when they are the same."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle
from textual.widgets import DataTable

from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.widgets.app_footer import AppFooter


def test_back_on_the_observations_the_cursor_stays_where_it_was(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            table.focus()
            await pilot.press("down", "down", "down", "down", "down")
            assert table.cursor_row == 5
            first = table.get_row_at(0)
            await pilot.press("f5")
            await settle(pilot)
            assert isinstance(app.screen, RunsScreen)
            await pilot.press("f4")
            await settle(pilot)
            assert app.screen is screen
            assert table.cursor_row == 5 and table.get_row_at(0) == first

            # A run that stores more observations: the table shows them on return.
            before = screen.matching
            engine = Engine(app.mirror, app.environment)
            run = engine.plan(RunRequest("ws", (SourceSpec.parse("linear:ENG"),), depth=7))
            await engine.run(run.id)
            await pilot.press("f5")
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            assert screen.matching > before
            assert table.cursor_row == 0

    asyncio.run(scenario())


def test_the_footer_shows_the_same_keys_after_switching_back(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            footer = app.screen.query_one(AppFooter)
            keys = [k.key for k in footer.shown]
            assert keys[:1] == ["slash"]
            for _ in range(2):
                await pilot.press("f5")
                await settle(pilot)
                await pilot.press("f4")
                await settle(pilot)
            assert [k.key for k in footer.shown] == keys
            # a key that comes and goes: esc Close with the detail open
            screen = app.screen
            screen.query_one("#observations", DataTable).focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            assert "escape" in [k.key for k in footer.shown]

    asyncio.run(scenario())
