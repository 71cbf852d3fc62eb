"""A stopped stream says a share only of an estimate made before its pages; with none, what it
fetched. A headless run's stream (no estimate is made for one: it sizes itself from its first
page) that failed on its second page read "failed at 64%" beside "100" fetched when opened in
the app (a fresh tester's finding: "failed at 27%" on a stream with no estimate). The
simulator's ``repeat_cursor=2`` answers each Sentry stream's second page empty with a next
link, which fails it after 100 items."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from screen_text import region_text

from backfill_tui.engine.live import StreamState
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.terms import StreamCounters, StreamStatus
from backfill_tui.widgets.run_rows import StreamRow, progress_text, short_progress_text

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_failed_stream_with_no_estimate_says_what_it_fetched(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path, "repeat_cursor=2")
    run_id = populate(app, "sentry:acme/rocket")
    stored = {s.entity: (s.status, s.fetched) for s in app.mirror.streams(run_id)}
    assert stored == {"issue": ("failed", 100), "error": ("failed", 100)}
    rows: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 2)
            await settle(pilot)
            await pilot.pause()
            rows.extend(region_text(app, row).splitlines()[0] for row in screen.query(StreamRow))

    asyncio.run(scenario())
    said = "failed at 100" if size[0] >= 100 else "at 100"  # 15 cells: "failed after 100" is 16
    assert all(said in row and "%" not in row for row in rows), rows


def test_a_share_only_of_an_estimate_made_before_the_pages() -> None:
    def failed(fetched: int, total: int | None, *, sized: bool = False) -> StreamState:
        counters = StreamCounters(fetched=fetched)
        return StreamState("s/x", "x", StreamStatus.FAILED, counters, total, sized=sized)

    assert progress_text(failed(100, 155)) == "failed at 64%"  # the connect screen's estimate
    assert short_progress_text(failed(100, 155)) == "at 64%"
    assert progress_text(failed(100, 155, sized=True)) == "failed at 100"  # its own guess
    assert short_progress_text(failed(100, 155, sized=True)) == "at 100"
    assert progress_text(failed(100, None)) == "failed at 100"
    assert progress_text(failed(0, None)) == "failed after 0"  # it said "failed at 0%"
    assert short_progress_text(failed(0, None)) == "at 0"
