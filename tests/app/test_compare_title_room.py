"""The compare view gives the titles the room: its columns follow what the rows hold. It had
"fields", "title in A" and "title in B" on every row, though only a changed row has fields and
a row only in A has no title in B: at 120 columns the titles were cut to 23 cells beside two
empty columns (a fresh tester's finding). Now there is one title column (a row's own run's
title; a changed row's marked "A:" or "B:", both in sight when both are known) and a fields
column only when a row has fields."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import (
    SIZE,
    compare_runs,
    make_app,
    populate,
    sim_environment,
)
from screen_text import region_text
from textual.widgets import DataTable

from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.diff import DiffScreen, changed_title


def _widths(table: DataTable[object]) -> dict[str, int]:
    return {column.label.plain: column.width for column in table.columns.values()}


def test_rows_only_in_one_run_give_the_title_the_room(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=30)
    populate(app, "github:acme/rocket", days=7)  # A (the newest): B has 23 days more

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            _, table = await compare_runs(pilot)
            screen = app.screen
            assert isinstance(screen, DiffScreen)
            widths = _widths(table)
            assert "fields" not in widths and widths["title"] >= 60, widths
            lines = region_text(app, table).splitlines()[1:]
            titles = [item.title for item in screen.diff.only_b[: len(lines)]]
            assert all(title is not None for title in titles)
            whole = [t for t in titles if t is not None and len(t) <= widths["title"]]
            assert len(whole) >= len(lines) // 2, titles
            for title, line in zip(titles, lines, strict=False):
                if title in whole:
                    assert title in line, (title, line)  # whole, not cut

    asyncio.run(scenario())


def test_a_changed_row_has_its_fields_and_its_run_s_title(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    for config in ("", "seed=7"):  # the same sources on two histories: some items changed
        engine = Engine(app.mirror, sim_environment(config))
        request = RunRequest("ws", (SourceSpec.parse("sentry:acme/rocket"),), depth=30)
        asyncio.run(engine.run(engine.plan(request).id))

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            _, table = await compare_runs(pilot, "down", "m", "up", "d")  # A: the older run
            screen = app.screen
            assert isinstance(screen, DiffScreen)
            change = screen.diff.changed[0]
            assert change.title_a is not None and change.title_b is None  # A's is stored
            widths = _widths(table)
            assert widths["fields"] >= len("fields") and widths["title"] >= 40, widths
            first = region_text(app, table).splitlines()[1]
            assert f"A: {change.title_a}"[: widths["title"] - 1] in first, first
            assert ", ".join(change.fields)[: widths["fields"] - 1] in first, first

    asyncio.run(scenario())


def test_a_changed_title_known_in_both_runs_shows_both() -> None:
    a = "[Issue Opened] Crash in telemetry when the retry budget runs out at launch"
    b = "[Issue Opened] Crash in telemetry"
    cell = changed_title(a, b, 60)
    assert cell.startswith("A: [Issue Opened] Crash") and cell.endswith(f" → B: {b}"), cell
    assert len(cell.split(" → ")[0]) <= (60 - 3) // 2
    assert changed_title(a, a, 60) == a
    assert changed_title(None, b, 60) == f"B: {b}" and changed_title(None, None, 60) == ""
