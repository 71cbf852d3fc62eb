"""F5 says a recorded run lost its recording (its process killed mid-run, ``kill -9``), as
``backfill-tui runs`` says "(recording lost)" (a fresh tester's finding: F5's row said nothing
of it). Its sources cell begins "recording lost: " ("rec. lost: " below 100 columns, where
the sources have 19 cells), the end of its repository still shown."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, settle, wait_until
from screen_text import screen_lines
from support import killed_headless_run

from backfill_tui.engine.mirror import Mirror
from backfill_tui.screens.runs import RunsScreen


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_f5_says_a_killed_runs_recording_was_lost(
    tmp_path: Path, anchor: str, size: tuple[int, int]
) -> None:
    db, rec = tmp_path / "mirror.db", tmp_path / "k9.rec.gz"
    simulator = f"anchor={anchor},latency=0.5"
    run_id = killed_headless_run(db, ["github:acme/rocket"], simulator, args=("--record", str(rec)))
    assert not rec.exists() and list(tmp_path.glob(".k9.rec.gz.*.part"))
    Mirror.open(db).close()
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            await wait_until(pilot, lambda: run_id in screen.lines)
            await settle(pilot)
            await pilot.pause()
            (row,) = [line for line in screen_lines(app) if run_id[-4:] in line]
            lead = "recording lost: " if size[0] >= 100 else "rec. lost: "  # 19 cells at 80
            assert lead in row, row
            assert row.rstrip().endswith("ocket"), row  # and its repository ("…ocket" at 80)

    asyncio.run(scenario())
    app.mirror.close()
