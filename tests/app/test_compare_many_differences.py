"""The compare view with many differences: the changed rows come first, each section cut at
:data:`LIMIT` rows says how many more it has, and ``enter`` on that row lists more of it.

Two runs of different simulated histories (seed 1 and seed 7) differ in 1,189 observations
only in A, 1,065 only in B and 56 changed. The view listed "only in A", "only in B", then
"changed", 500 of each at most, and one count of the rows "more not listed" under the table:
the changed rows, the ones a support person compares, were after 1,000 others, end did not
reach them, and nothing listed more (a fresh tester's finding)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from app_support import SIZE, compare_runs, make_app, settle, sim_environment
from screen_text import region_text
from textual.widgets import DataTable, Label

from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.diff import LIMIT, DiffScreen

SOURCES = ("github:acme/rocket", "sentry:acme/rocket")


def _run(app: BackfillApp, config: str) -> str:
    """A headless simulated run of SOURCES into the app's mirror, on the history ``config``."""
    engine = Engine(app.mirror, sim_environment(config))
    run = engine.plan(RunRequest("ws", tuple(SourceSpec.parse(s) for s in SOURCES), depth=30))
    asyncio.run(engine.run(run.id))
    return run.id


def _sections(table: DataTable[object]) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def test_changed_rows_come_first_and_a_cut_section_lists_more_on_enter(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    _run(app, "")
    _run(app, "seed=7")  # B (the newest, first in the list)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen, _ = await compare_runs(pilot, "down", "m", "up", "d")  # A: the older run
            assert isinstance(screen, DiffScreen)
            diff = screen.diff
            changed, only_a, only_b = len(diff.changed), len(diff.only_a), len(diff.only_b)
            assert 0 < changed <= LIMIT < min(only_a, only_b), diff.counts()
            table = screen.query_one("#diff-table", DataTable)
            note = screen.query_one("#diff-note", Label)

            # every changed row, first, in sight as the view opens
            assert Counter(_sections(table)) == {
                "changed": changed, "only in A": LIMIT + 1, "only in B": LIMIT + 1
            }  # fmt: skip
            assert _sections(table)[:changed] == ["changed"] * changed
            shown = region_text(app, table).splitlines()
            assert shown[1].lstrip().startswith("changed"), shown[:3]
            assert diff.changed[0].source_id[-12:] in shown[1], shown[:3]
            text = " ".join(region_text(app, note).split())
            cut = f"only in A: {LIMIT} of {only_a} · only in B: {LIMIT} of {only_b} listed"
            assert cut in text, text
            assert "changed:" not in text, text  # listed whole

            # the end: the row saying how many more of "only in B"; enter lists them
            await pilot.press("end")
            await settle(pilot)
            last = table.row_count - 1
            assert table.cursor_row == last
            assert f"{only_b - LIMIT} not listed" in region_text(app, table)
            await pilot.press("enter")
            await settle(pilot)
            more = min(only_b, 2 * LIMIT)
            assert Counter(_sections(table))["only in B"] == more + (only_b > more)
            assert table.cursor_row == last  # on the first of them
            assert str(table.get_row_at(last)[1]) != str(table.get_row_at(last - 1)[1])
            text = " ".join(region_text(app, note).split())
            assert f"only in B: {more} of {only_b} listed" in text or more == only_b, text

            # the row after the listed "only in A" rows lists more of them
            first_b = _sections(table).index("only in B")
            table.move_cursor(row=first_b - 1)
            await pilot.press("enter")
            await settle(pilot)
            more_a = min(only_a, 2 * LIMIT)
            assert Counter(_sections(table))["only in A"] == more_a + (only_a > more_a)
            assert _sections(table)[:changed] == ["changed"] * changed

    asyncio.run(scenario())
