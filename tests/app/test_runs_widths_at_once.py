"""The runs list's columns are as wide as their cells as soon as a listing lands: a DataTable
measures new rows only when it is next idle, and a frame drawn before that (a loaded machine's
snapshot, in CI) had every column at its header's width: "202" for a run id, "comple" for
completed. The screen now sets each column's width with its rows."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, make_app, open_runs, populate, settle
from rich.cells import cell_len
from textual.widgets import DataTable

from backfill_tui.screens.runs import RunsScreen
from backfill_tui.screens.runs_parts import RunsListed


def test_each_column_fits_its_cells_before_the_table_is_idle(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    populate(app, "github:acme/rocket", "linear:ENG", days=30)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(200, 50), message_hook=seen) as pilot:
            await open_runs(pilot)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            table = screen.query_one("#runs", DataTable)
            listed = seen.of(RunsListed)[-1]
            # the same listing again, handled with no idle of the table between (as a frame
            # drawn at once would see it)
            screen.on_runs_listed(listed)
            for index, column in enumerate(table.columns.values()):
                widest = max(cell_len(str(table.get_row_at(r)[index])) for r in range(2))
                assert column.content_width >= widest, (column.label, column.content_width)
            await settle(pilot)

    asyncio.run(scenario())
