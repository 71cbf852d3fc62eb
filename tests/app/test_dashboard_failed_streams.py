"""A run whose target does not exist, on the dashboard at 80x24 and 120x36 (a tester's
findings): the failure's whole reason is on the screen, not cut to "failed: GitH…" with the rest
only in the log (which a run opened from F5 does not have); the totals line counts the failed
streams instead of saying "0 failed" (items); and a stream that failed having fetched nothing
draws an empty bar, not a full one in the stopped colour."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from rich.style import Style
from screen_text import region_text
from textual.widgets import DataTable, Label

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.widgets.run_rows import StreamRow, reason_in_row, row_columns

SIZES = [(80, 24), (120, 36)]
MISSING = "github:acme/nope"  # the simulator answers 404, as GitHub does for a missing repo


def _failed_run(tmp_path: Path) -> tuple[object, str, str]:
    """An app with a finished run of a missing repository beside a real one: the app, the
    run, and the reason its four failed streams share (as a row says it)."""
    app = make_app(tmp_path)
    run_id = populate(app, MISSING, "github:acme/rocket", workspace="demo")
    failed = [s for s in app.mirror.streams(run_id) if s.status == "failed"]
    assert len(failed) == 4 and failed[0].error
    reason = reason_in_row(failed[0].error, failed[0].key)
    assert len(reason) > 60  # longer than the status cell at 80 or 120 columns
    return app, run_id, reason


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_failed_streams_whole_reason_is_on_the_dashboard_once(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app, run_id, reason = _failed_run(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 8)
            await settle(pilot)
            await pilot.pause()
            # (its left edge marked "▌" while it has the focus)
            text = region_text(app, screen.query_one("#streams")).replace("▌", " ")
            lines = text.splitlines()
            failed = [line for line in lines if line.strip().endswith("failed")]
            assert len(failed) == 4, text  # each failed row says "failed", no cut reason
            assert "…" not in text, text
            # The reason, wrapped beneath the last of the four rows, once, whole.
            after = lines[lines.index(failed[-1]) + 1 :]
            beneath = " ".join(line.strip() for line in after if line.strip())
            assert beneath.startswith(reason), text
            assert " ".join(text.split()).count(reason) == 1, text

    asyncio.run(scenario())


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_totals_line_counts_the_failed_streams(tmp_path: Path, size: tuple[int, int]) -> None:
    app, run_id, _ = _failed_run(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 8)
            await pilot.pause()
            overall = str(screen.query_one("#overall", Label).content)
            assert "4 streams failed" in overall, overall
            assert " 0 failed" not in overall, overall  # items, said as such or not at all
            assert len(overall) <= size[0] - 2, overall

    asyncio.run(scenario())


def test_a_stream_that_failed_having_fetched_nothing_draws_an_empty_bar(
    tmp_path: Path,
) -> None:
    app, run_id, _ = _failed_run(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 8)
            await pilot.pause()
            for row in screen.query(StreamRow):
                if not row.key.startswith(MISSING):
                    continue
                assert row._state.counters.fetched == 0
                cols = row_columns(row.size.width, 120)
                bar = row.render_line(0).crop(cols.name, cols.name + cols.bar)
                drawn = {seg.style.color for seg in bar if seg.text.strip() and seg.style}
                track = Style.from_color(row.get_component_rich_style("stream-row--bar").bgcolor)
                # Every cell is the empty track any bar has, nothing in a stopped colour.
                assert drawn == {track.color}, (row.key, drawn)
                # and the track is drawn "─", not a full "━" bar told apart by colour alone
                # (a tester read a 0% stream as nearly done in a plain-text capture)
                text = "".join(seg.text for seg in bar).strip()
                assert text and set(text) == {"─"}, (row.key, text)

    asyncio.run(scenario())


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_runs_screen_counts_the_failed_streams(tmp_path: Path, size: tuple[int, int]) -> None:
    """F5's "failed" column counted items only: 0 beside a run whose four streams failed."""
    app, run_id, _ = _failed_run(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            table = app.screen.query_one("#runs", DataTable)
            await wait_until(pilot, lambda: table.row_count == 1)
            await pilot.pause()
            column = next(
                key for key, column in table.columns.items() if column.label.plain == "failed"
            )
            assert str(table.get_cell(run_id, column)) == "4 streams"
            text = region_text(app, table)
            assert "4 streams" in text, text  # on the screen, not only in the table's data

    asyncio.run(scenario())


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_moved_repositorys_note_is_whole_beneath_its_rows_once(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """A note too long for the status cell (a moved repository) showed "completed: r…" on each
    of its four rows, the whole of it only in the log (a second fresh tester's finding): said
    whole beneath the last row, once, as a failure's reason is."""
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/old-rocket", workspace="demo")
    note = app.mirror.streams(run_id)[0].note
    assert note and "renamed or moved" in note

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: len(screen.query(StreamRow)) == 4)
            await settle(pilot)
            await pilot.pause()
            # (its left edge marked "▌" while it has the focus)
            text = region_text(app, screen.query_one("#streams")).replace("▌", " ")
            assert "…" not in text, text
            assert " ".join(text.split()).count(note) == 1, text

    asyncio.run(scenario())
