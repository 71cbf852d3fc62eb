"""The compare view (F5, ``m`` on run A, ``d`` on run B) keeps its table in sight at 80x24 when
the two runs' workspace ids are long: two of 191 characters (production's ``varchar(191)``),
written whole in its heading and its note on the workspaces, wrapped over the whole screen and
left no row of the table (a fresh tester's finding). The heading cuts them with "…", as the runs
list does, and has them whole as its tooltip."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import compare_runs, make_app, populate
from screen_text import region_text
from textual.content import Content
from textual.widgets import Label

WORKSPACE_A = "acme-" + "a" * 186
WORKSPACE_B = "acme-" + "b" * 186
SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_table_shows_rows_beside_191_character_workspace_ids(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    assert len(WORKSPACE_A) == len(WORKSPACE_B) == 191
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace=WORKSPACE_A, days=7)
    populate(app, "github:acme/rocket", workspace=WORKSPACE_B, days=30)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen, table = await compare_runs(pilot)  # A: the newest (B's workspace)
            shown = region_text(app, table).splitlines()
            rows = [line for line in shown if line.lstrip().startswith("only in A")]
            assert len(rows) >= 5, "\n".join(shown)
            summary = screen.query_one("#diff-summary", Label)
            heading = region_text(app, summary)
            assert "workspace acme-bbbb" in heading and "…" in heading, heading
            assert "A is workspace acme-bbbb" in heading, heading  # the note on the workspaces
            assert isinstance(summary.tooltip, Content)
            assert f"A: workspace {WORKSPACE_B}" in summary.tooltip.plain
            assert f"B: workspace {WORKSPACE_A}" in summary.tooltip.plain

    asyncio.run(scenario())
