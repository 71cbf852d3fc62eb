"""Opening and closing the observation detail redraws only what changed (issue 12 item 11,
bench/app_scale.py "detail"): the footer keeps its keys ("esc Close" is shown dimmed while no
detail is open, and enabled in place), and the table, narrowed and widened, still shows a
changed cell. The title column takes what the other columns leave, so a row fits the table."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from app_support import make_app, open_observations, populate, settle
from rich.text import Text
from screen_text import region_text
from textual.coordinate import Coordinate
from textual.widgets._data_table import ColumnKey

from backfill_tui.screens.observations import TYPE_NARROW
from backfill_tui.widgets.app_footer import AppFooter, ShownKey


def test_the_footer_keeps_its_keys_and_enables_close_as_the_detail_opens(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            footer = screen.query_one(AppFooter)
            table.focus()
            await settle(pilot)
            before = [key.key for key in footer.shown]

            def close() -> ShownKey:
                return next(k for k in footer.shown if k.key == "escape")

            assert close().disabled  # shown, dimmed: nothing to close
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            assert [key.key for key in footer.shown] == before  # the same keys, in order
            assert not close().disabled

            await pilot.press("escape")
            await settle(pilot)
            await pilot.pause()
            assert [key.key for key in footer.shown] == before
            assert close().disabled
            assert not screen.query_one("#detail").display

    asyncio.run(scenario())


def test_a_cell_changed_after_the_table_narrowed_shows_its_new_value(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            _screen, table = await open_observations(pilot)
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


def test_the_title_column_follows_the_table_as_the_terminal_narrows_and_widens(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(140, 36)) as pilot:
            _screen, table = await open_observations(pilot)

            def row_fits(significance: bool = True) -> str:
                line = table.render_line(1).text
                # the last column shows (below 100 columns the significance folds: the title
                # is the last column there, and has the room)
                assert line.rstrip().endswith(("kept", "dropped")) == significance, line
                assert table.virtual_size.width <= table.scrollable_content_region.width
                return line

            wide = row_fits()
            title = table.columns[ColumnKey("title")].width
            await pilot.resize_terminal(90, 30)
            await settle(pilot)
            await pilot.pause()
            row_fits(significance=False)
            # below 100 columns the type column is cut to TYPE_NARROW, and the title takes the rest
            assert table.columns[ColumnKey("type")].content_width <= TYPE_NARROW
            others = sum(  # (a folded column, the significance here, takes no cells)
                table._render_width(c) for k, c in table.columns.items() if k != "title"
            )
            assert (
                table.columns[ColumnKey("title")].get_render_width(table)
                == table.scrollable_content_region.width - others
            )
            assert table.columns[ColumnKey("title")].width < title
            await pilot.resize_terminal(140, 36)
            await settle(pilot)
            await pilot.pause()
            assert table.render_line(1).text == wide

    asyncio.run(scenario())


def test_beside_the_detail_the_table_fits_and_fits_again_when_it_closes(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            _screen, table = await open_observations(pilot)
            table.focus()
            await settle(pilot)
            title = table.columns[ColumnKey("title")].width
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            assert app.screen.query_one("#detail").display
            # the title fitted to the table beside the pane (its significance folded, the pane
            # shows it): the table fits, no sideways scrollbar
            assert table.columns[ColumnKey("title")].width < title
            assert table.virtual_size.width <= table.scrollable_content_region.width
            assert not table.show_horizontal_scrollbar
            await pilot.resize_terminal(140, 36)  # a resize with the pane open: fitted again
            await settle(pilot)
            assert table.virtual_size.width <= table.scrollable_content_region.width
            await pilot.press("escape")
            await settle(pilot)
            await pilot.pause()
            assert table.columns[ColumnKey("title")].width == title + 20  # fits 140 columns
            assert table.virtual_size.width <= table.scrollable_content_region.width
            assert table.render_line(1).text.rstrip().endswith(("kept", "dropped"))

    asyncio.run(scenario())


def test_at_80_columns_the_table_beside_the_detail_shows_when_and_what(tmp_path: Path) -> None:
    """Below 100 columns the detail pane leaves the table about 40 cells: it showed the time,
    the source and a cut type, and no title (a tester's finding). Beside the pane the source,
    type fold away (the pane shows them; the significance is folded below 100 columns even
    without the pane, giving the title room: a fresh tester's finding), the title takes the
    rest, and they come back when the pane closes."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "sentry:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            _screen, table = await open_observations(pilot)
            header = table.render_line(0).text
            assert all(name in header for name in ("source", "type", "title"))
            assert "score" not in header
            first = table.get_row_at(0)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            header, line = table.render_line(0).text, table.render_line(1).text
            assert header.split() == ["occurred", "(UTC)", "title"]
            title = str(first[3])
            assert line.split()[:2] == str(first[0]).split()  # the time, then the title
            shown = line.split(maxsplit=2)[2].rstrip().rstrip("…")
            assert len(shown) >= 15 and title.startswith(shown)
            # nothing of the folded columns leaks into the row (Rich cut "push" to "pus…")
            assert str(first[1]) not in line and str(first[2])[:3] not in line.replace(title, "")
            widths = [table._render_width(c) for c in table.ordered_columns]
            assert sum(widths) == table.scrollable_content_region.width  # the title fits
            await pilot.press("escape")
            await settle(pilot)
            await pilot.pause()
            header = table.render_line(0).text
            assert all(name in header for name in ("source", "type", "title"))
            assert not table.render_line(1).text.rstrip().endswith(("kept", "dropped"))

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_beside_the_detail_each_title_ends_whole_or_in_an_ellipsis(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """At 120x36 the titles beside the detail were cut at the pane's edge with no "…"
    ("rocket-web fr", "Speed up guid"), while at 80x24 they ended in "…" (a tester's finding)."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen, table = await open_observations(pilot)
            table.focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            assert screen.query_one("#detail").display
            lines = region_text(app, table).splitlines()[1:]  # the header line first
            cut = 0
            for index, line in enumerate(lines[:10]):
                title = table.get_cell_at(Coordinate(index, table.get_column_index("title")))
                title = " ".join(str(getattr(title, "plain", title)).split())
                shown = re.split(r" {2,}", line.rstrip(" ▁▂▃▄▅▆▇█▔▕▏").strip())[-1]
                if shown != title:
                    cut += 1
                    assert shown.endswith("…") and title.startswith(shown[:-1]), (line, title)
            assert cut, "\n".join(lines)  # the table beside the pane is narrower than these

    asyncio.run(scenario())
