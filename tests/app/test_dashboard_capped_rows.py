"""A stream the per-stream cap (``--max-items``) stopped says "capped" beside its bar at 80x24
as it does at 120x36, and its bar ends at the cap ("┫"), where a stream that completed says
"done" and its bar does not: at 80x24 the rows had no such words, and a capped stream's full
bar read as done (a stranger's finding; the status cell said "capped" across the row)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, settle, wait_until
from screen_text import screen_lines

from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.widgets.run_rows import StreamRow

CAP = "┫"


def _row(lines: list[str], entity: str) -> str:
    return next(line for line in lines if line.lstrip("▌ ").startswith(entity + " "))


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_a_capped_stream_says_capped_beside_its_bar(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    engine = Engine(app.mirror, app.environment)
    # 20 a stream: the simulator's issues, pull requests and pushes are more (capped), its
    # 11 releases fewer (done)
    request = RunRequest("demo", (SourceSpec.parse("github:acme/rocket"),), max_items=20)
    run = engine.plan(request)
    asyncio.run(engine.run(run.id))

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            app.open_run(run.id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 4)
            await settle(pilot)
            await pilot.pause()
            lines = screen_lines(app)
            issue, release = _row(lines, "issue"), _row(lines, "release")
            name_end = len("▌issue         ")
            assert issue.rstrip().endswith("capped"), issue  # the status cell, as before
            beside_bar = issue[name_end:].split("    ")[0]  # the bar and the words after it
            assert CAP in beside_bar and "capped" in beside_bar, (size, issue)
            beside_bar = release[name_end:].split("    ")[0]
            assert CAP not in beside_bar and "done" in beside_bar, (size, release)
            for line in (issue, release):
                assert len(line.rstrip()) <= size[0], line

    asyncio.run(scenario())
