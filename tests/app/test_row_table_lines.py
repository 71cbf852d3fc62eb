"""A RowTable draws the lines Textual's DataTable draws for the same rows (issue 12 item 11):
its own drawing of a row (cells cut once, styles summed with the mouse meta last, one strip
a line) changes how fast a screen of rows is drawn, not a cell of what it shows."""

from __future__ import annotations

import asyncio

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

from backfill_tui.widgets.row_table import Cell, RowTable

TITLES = [
    "Fix rendering of the launch timeout on slow networks",
    "🚀 Ship the rocket 🚀",
    "日本語のタイトル and more words than fit",
    "",
    "short",
    "[bold]not markup[/bold]",
]


def _rows(count: int) -> list[tuple[Cell, ...]]:
    return [
        (
            Cell(f"2026-05-{1 + i % 28:02d} 12:{i % 60:02d}"),
            Cell(["github", "linear", "vercel"][i % 3]),
            Cell(
                ["pull-request.closed", "push", "deployment_succeeded"][i % 3], overflow="ellipsis"
            ),
            Cell(TITLES[i % len(TITLES)], no_wrap=True, overflow="ellipsis"),
            Cell(f"{i:>3} kept" if i % 2 else f"{i:>3} dropped", style="" if i % 2 else "dim"),
        )
        for i in range(count)
    ]


class _Tables(App[None]):
    AUTO_FOCUS = None  # neither table focused unless the test focuses it

    def compose(self) -> ComposeResult:
        yield DataTable(id="theirs", cursor_type="row", zebra_stripes=True)
        yield RowTable(id="ours", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.styles.height = 12
            table.styles.width = 100
            for name in ("occurred", "source", "type", "title", "significance"):
                table.add_column(name, key=name, width=30 if name == "title" else None)
            for i, row in enumerate(_rows(40)):
                table.add_row(*row, key=str(i))


def _lines(table: DataTable[object]) -> list[list[tuple[str, Style | None]]]:
    strips: list[Strip] = table.render_lines(Region(0, 0, table.size.width, table.size.height))
    return [
        [(s.text, s.style) for s in Segment.simplify(list(strip)) if s.text] for strip in strips
    ]


@pytest.mark.parametrize("focused", [False, True])
def test_a_row_table_draws_the_lines_a_data_table_draws(focused: bool) -> None:
    async def scenario() -> None:
        app = _Tables()
        async with app.run_test(size=(110, 30)) as pilot:
            await pilot.pause()
            theirs, ours = app.query_one("#theirs", DataTable), app.query_one("#ours", RowTable)
            for table in (theirs, ours):
                table.move_cursor(row=3)
                table.scroll_to(y=2, animate=False)
            await pilot.pause()
            if focused:
                ours.focus()
                await pilot.pause()
                mine = _lines(ours)
                theirs.focus()
                await pilot.pause()
                assert mine == _lines(theirs)
            else:
                assert _lines(ours) == _lines(theirs)

    asyncio.run(scenario())
