"""One failed stream is named in the dashboard's totals line at 80 columns as at 120 (a fresh
tester's finding: at 80x24 it said "1 stream failed", and with four sources the failed row may
be below the table's fold). The new and duplicate counts give way for it first."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from textual.widgets import Label

from backfill_tui.screens.dashboard import DashboardScreen

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_one_failed_stream_is_named(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    # The simulator answers 404 for a missing project: Vercel's one stream fails.
    run_id = populate(app, "github:acme/rocket", "vercel:acme/nope", workspace="demo")
    assert [s.key for s in app.mirror.streams(run_id) if s.status == "failed"] == [
        "vercel:acme/nope/deployment"
    ]

    async def scenario() -> str:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: screen.query("#overall"))
            overall = screen.query_one("#overall", Label)
            await wait_until(pilot, lambda: "fetched" in str(overall.render()))
            await settle(pilot)
            return str(overall.render())

    overall = asyncio.run(scenario())
    assert "vercel:acme/nope/deployment failed" in overall, overall
    assert len(overall) <= size[0] - 2, overall
    assert "fetched" in overall and "stream failed" not in overall, overall
