"""The dashboard as a stranger meets it at 80x24 (a fresh tester's findings on `backfill-tui
demo`): the demo's ten streams, of which six showed with nothing saying more lay below; c and
r in the footer with nothing to cancel or retry, and F6 pushed off it; the chart saying "no
observations in the window yet" beside a mirror of rows; a failed stream "stopped at 0" where
the others said "62% of ~71"; titles of 19 cells on F4; and a Tab whose stop did not show."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle, wait_until
from screen_text import region_text, screen_lines

from backfill_tui.cli.app import demo_sources
from backfill_tui.engine.live import StreamState
from backfill_tui.screens.app import DemoSetup
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.terms import StreamCounters, StreamStatus
from backfill_tui.widgets.run_rows import StreamRow, progress_text

MISSING = "github:acme/nope"  # the simulator answers 404, as GitHub does for a missing repo


def test_the_streams_out_of_sight_are_named_and_the_last_is_reached_by_keys(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, *demo_sources(), workspace="demo")

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 10)
            await settle(pilot)
            await pilot.pause()
            panel = screen.query_one("#streams-panel")
            top = screen_lines(app)[panel.region.y]
            assert "more streams below ↓" in top, top
            streams = screen.query_one("#streams")
            assert app.focused is streams
            assert "error " not in region_text(app, streams)  # sentry's last row: below
            await pilot.press("end")
            await settle(pilot)
            await pilot.pause()
            assert "error " in region_text(app, streams)
            top = screen_lines(app)[panel.region.y]
            assert "streams above" in top and "below" not in top, top

    asyncio.run(scenario())


def _footer(app: object) -> str:
    return screen_lines(app)[-1]


def test_cancel_and_retry_show_only_where_they_act_and_the_screen_keys_fit(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, MISSING, "github:acme/rocket", workspace="demo")

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f3")
            await settle(pilot)
            await pilot.pause()
            footer = _footer(app)
            assert "Cancel" not in footer and "Retry" not in footer, footer
            for key in ("f2", "f4", "f5", "f6"):
                assert f"{key} " in footer, footer
            await pilot.press("r")  # hidden, not dead: it says why nothing happens
            await wait_until(pilot, lambda: app._notifications)
            assert "no run to retry" in str(list(app._notifications)[-1].message)
            app.open_run(run_id)  # partial: four streams failed
            await wait_until(pilot, lambda: len(app.screen.query(StreamRow)) == 8)
            await settle(pilot)
            await pilot.pause()
            footer = _footer(app)
            assert "r Retry" in footer and "Cancel" not in footer, footer
            for key in ("f2", "f4", "f5", "f6"):
                assert f"{key} " in footer, footer

    asyncio.run(scenario())


def test_with_no_run_open_the_chart_says_what_the_mirror_holds(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="demo")
    held = app.mirror.count_observations()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f3")
            await settle(pilot)
            await pilot.pause()
            text = " ".join(region_text(app, app.screen.query_one("#chart-panel")).split())
            assert "no observations in the window" not in text
            assert f"holds {held:,} observations" in text, text
            assert "(F5)" in text

    asyncio.run(scenario())


def test_a_stopped_stream_says_how_far_it_got_as_the_others_do() -> None:
    def state(status: StreamStatus, fetched: int, total: int | None) -> StreamState:
        return StreamState("s/x", "x", status, StreamCounters(fetched=fetched), total=total)

    # no estimate, no share: "failed at 0%" was a share of none (test_failed_stream_count.py)
    assert progress_text(state(StreamStatus.FAILED, 0, None)) == "failed after 0"
    assert progress_text(state(StreamStatus.FAILED, 20, 71)) == "failed at 28%"
    assert progress_text(state(StreamStatus.CANCELLED, 40, 100)) == "cancelled 40%"  # 15 cells
    assert progress_text(state(StreamStatus.CANCELLED, 200, None)) == "cancelled 200"
    assert progress_text(state(StreamStatus.FAILED, 80, 71)) == "failed past ~71"
    assert progress_text(state(StreamStatus.RUNNING, 20, 71)) == "28% of ~71"


def test_titles_have_room_at_80_columns(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="demo")

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f4")
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            await settle(pilot)
            await pilot.pause()
            table = screen.query_one("#observations")
            header = screen_lines(app)[table.region.y]
            # the significance folds (enter's pane says it): the title has the rest, not 19 cells
            assert "score" not in header, header
            title = next(c for k, c in table.columns.items() if k.value == "title")
            assert title.get_render_width(table) >= 30, header

    asyncio.run(scenario())


def test_after_f2_and_tab_the_focus_shows(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", demo_sources()))

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f2")
            await settle(pilot)
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            assert focused is not None
            region = focused.region
            line = screen_lines(app)[region.y]
            # the focused scroll area's left edge is marked (it was a blank cell)
            assert line[region.x] == "▌", (focused, line)

    asyncio.run(scenario())


def test_the_hint_says_tab_first_where_the_rows_have_not_the_focus() -> None:
    from backfill_tui.screens.dashboard_parts import streams_hint

    assert streams_hint(0, 0) == ""
    assert streams_hint(0, 4) == "4 more streams below ↓ (↑↓ PgDn: scroll)"
    assert streams_hint(2, 1, focused=False) == (
        "↑ 2 streams above · 1 more stream below ↓ (Tab, then ↑↓: scroll)"
    )
