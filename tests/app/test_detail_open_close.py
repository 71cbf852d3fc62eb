"""Opening and closing the observation detail redraws only what changed (issue 12 item 11,
bench/app_scale.py "detail"): the footer mounts only its "esc Close" (the other keys are the same
widgets, in the same order), and the table, narrowed and widened, still shows a changed cell."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets._footer import FooterKey

from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.widgets.app_footer import AppFooter


def test_the_footer_mounts_only_the_close_key_as_the_detail_opens(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            footer = screen.query_one(AppFooter)
            before = list(footer.query(FooterKey))
            screen.query_one("#observations", DataTable).focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            opened = list(footer.query(FooterKey))
            assert [k.key for k in opened] == ["slash", "escape", *[k.key for k in before][1:]]
            assert [k for k in opened if k.key != "escape"] == before  # the same widgets
            assert footer.styles.grid_size_columns == len(opened) - 1  # the palette key apart

            await pilot.press("escape")
            await settle(pilot)
            await pilot.pause()
            assert list(footer.query(FooterKey)) == before

    asyncio.run(scenario())


def test_a_cell_changed_after_the_table_narrowed_shows_its_new_value(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            table = screen.query_one("#observations", DataTable)
            table.focus()
            await pilot.press("enter")  # the detail narrows the table: its cells drawn again
            await settle(pilot)
            await pilot.press("escape")  # and widens it: the cells drawn before are kept
            await settle(pilot)
            row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            table.update_cell(row_key, "source", Text("zzzzzz"))  # as wide as "github"
            await pilot.pause()
            line = table.render_line(1).text  # the first row under the header
            assert "zzzzzz" in line and "github" not in line

    asyncio.run(scenario())


def test_rows_are_cut_to_the_table_as_the_terminal_narrows_and_widens(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(140, 36)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            table = app.screen.query_one("#observations", DataTable)
            wide = table.render_line(1).text
            assert "kept" in wide or "dropped" in wide  # the last column shows
            await pilot.resize_terminal(90, 30)
            await settle(pilot)
            await pilot.pause()
            narrow = table.render_line(1).text
            assert len(narrow) == table.size.width < len(wide)
            assert narrow == wide[: len(narrow)]
            await pilot.resize_terminal(140, 36)
            await settle(pilot)
            await pilot.pause()
            assert table.render_line(1).text == wide

    asyncio.run(scenario())
