"""The compare view's columns fit the terminal: laid out by their longest values, a push's
sourceId (its sha) took half of 120 columns, "title in A" was cut and "title in B", the other
half of a change, was off the screen behind a sideways scrollbar (a tester's finding). Each
column now has its share of the width, cut with "…": a sourceId in its middle, so the end that
tells it from its neighbours stays; the layout follows the terminal when it is resized. (The
two title columns are one since, test_compare_title_room.py.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import compare_runs, make_app, populate, settle
from screen_text import region_text

from backfill_tui.screens.diff import middle_cut

SIZES = [(80, 24), (120, 36)]


def test_a_sourceid_is_cut_in_its_middle() -> None:
    sid = "push:acme/rocket:9ceb38201fdca2d4b6f49c617aa01bc7c54b606"
    assert middle_cut(sid, 19) == "push:acm…c7c54b606"[:8] + "…" + sid[-10:]
    assert len(middle_cut(sid, 19)) == 19 and middle_cut("short", 19) == "short"


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_title_is_in_sight_and_each_sourceid_is_told_apart(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=30)
    populate(app, "github:acme/rocket", days=7)  # A (the newest): B has 23 days more

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            _, table = await compare_runs(pilot)
            assert not table.show_horizontal_scrollbar or table.max_scroll_x == 0
            header = region_text(app, table).splitlines()[0]
            assert header.split() == ["sourceId", "title"], header  # no row has fields
            await pilot.resize_terminal(size[0] + 30, size[1])  # wider: laid out again
            await settle(pilot)
            assert table.max_scroll_x == 0
            await pilot.resize_terminal(*size)
            await settle(pilot)
            lines = region_text(app, table).splitlines()[1:]
            assert region_text(app, table).splitlines()[0].rstrip().endswith("title")
            shown = [line.split()[3] for line in lines if line.lstrip().startswith("only in")]
            assert len(shown) >= 5 and len(set(shown)) == len(shown), lines  # told apart
            # every row's sourceId as its cell holds it: within its column, each its own
            width = list(table.columns.values())[1].width
            cells = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
            assert all(len(cell) <= width for cell in cells)
            assert len(set(cells)) == len(cells) and any("…" in c for c in cells), cells[-5:]

    asyncio.run(scenario())
