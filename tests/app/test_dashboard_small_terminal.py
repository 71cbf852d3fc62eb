"""The dashboard of a four-provider run (the demo's sources) at 80x24, 120x36 and 200x50: the
day chart shows every provider, and a stream that stopped (cancelled, failed) never draws a
full bar, nor a bar in a completed stream's colour (issue 12's leftovers)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from screen_text import region_text

from backfill_tui.cli.app import demo_sources
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.widgets.day_chart import DayChart
from backfill_tui.widgets.run_rows import StreamRow, row_columns, stream_bar

SIZES = [(80, 24), (120, 36), (200, 50)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_day_chart_shows_every_provider_of_a_four_provider_run(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    sources = demo_sources()
    providers = sorted({s.split(":", 1)[0] for s in sources})
    assert len(providers) == 4
    run_id = populate(app, *sources, workspace="demo", days=30)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(".chart-label")) == 4)
            chart = screen.query_one(DayChart)
            await settle(pilot)
            await pilot.pause()
            text = region_text(app, chart)
            for provider in providers:
                assert provider in text, f"{provider} not in the chart at {size}:\n{text}"
            # and the window's dates under the sparklines
            assert re.search(r"[A-Z][a-z]{2} \d{2} +[A-Z][a-z]{2} \d{2}", text), text

    asyncio.run(scenario())


def test_stopped_streams_draw_what_they_reached_not_a_full_bar(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, *demo_sources(), workspace="demo", days=30)
    streams = app.mirror.streams(run_id)
    cancelled = {s.id for s in streams[:2]}
    failed = streams[2].id
    for stream_id in cancelled:
        app.mirror.set_stream_status(stream_id, "cancelled")
    app.mirror.set_stream_status(failed, "failed", "boom")
    app.mirror.set_run_status(run_id, "cancelled", finished=True)
    keys = {s.id: s.key for s in streams}
    # Each stopped stream got half way to its estimate: its bar draws that half.
    halves = {s.key: 2 * s.counters.fetched for s in streams[:3]}
    assert all(halves.values())
    app.mirror.set_stream_estimates(run_id, halves)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == len(streams))
            await settle(pilot)
            rows = {row.key: row for row in screen.query(StreamRow)}
            stopped = [rows[keys[i]] for i in (*cancelled, failed)]
            done = [rows[keys[s.id]] for s in streams[3:]]
            cols = row_columns(stopped[0].size.width, 80)

            def bar_colours(row: StreamRow) -> set[object]:
                bar = row.render_line(0).crop(cols.name, cols.name + cols.bar)
                return {seg.style.color for seg in bar if seg.text.strip() and seg.style}

            def bar_share(row: StreamRow) -> float:
                total, progress = stream_bar(row._state)
                return progress / (total or 1)

            for row in stopped:
                assert bar_share(row) < 1, row.key
            for row in done:
                assert bar_share(row) == 1, row.key
            # What they reached drawn in other colours than a completed stream's, a failed
            # one's in its own.
            assert bar_colours(stopped[0]).isdisjoint(bar_colours(done[0]))
            assert bar_colours(stopped[2]).isdisjoint(bar_colours(done[0]))
            assert bar_colours(stopped[2]) != bar_colours(stopped[0])

    asyncio.run(scenario())


def test_at_80x24_a_run_that_ends_with_a_failed_source_shows_its_rows(tmp_path: Path) -> None:
    """At 80x24 a failed source's rows lay below the fold, the header saying "4 streams
    failed" (a fresh tester's finding): when the run ends, the streams scroll to the first
    failed one and the reason beneath it."""
    from app_support import Recorder, drawn

    from backfill_tui.engine.run import RunRequest, SourceSpec
    from backfill_tui.screens.messages import RunEnded

    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            specs = tuple(SourceSpec.parse(s) for s in [*demo_sources(), "github:foo/bar"])
            assert app.plan_and_start(RunRequest("demo", specs, depth=30)) is not None
            await drawn(pilot)
            await wait_until(pilot, lambda: bool(seen.of(RunEnded)), timeout=60)
            await settle(pilot)
            text = region_text(app, app.screen.query_one("#streams"))
            assert "github:foo/bar" in text and "GitHub has no /repos/foo/bar" in text, text

    asyncio.run(scenario())
