"""The dashboard's stream rows and totals line read plainly: a failure's reason without the
stream name the row already shows, and counts in agreeing English ("1 page")."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app
from textual.widgets import Label

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.store import RunRecord, StreamRecord
from backfill_tui.widgets.run_rows import StreamRow, reason_in_row

REASON = "the project was moved; check the Sentry organization and project slugs"


def _one_stream_run(
    app: BackfillApp, run_id: str, status: str, error: str | None = None
) -> tuple[RunRecord, StreamRecord]:
    """A finished run of one Sentry stream stored in ``app``'s mirror: the run and the stream
    both ``status`` (the stream with ``error``), its other counts left to the test."""
    run = RunRecord(
        run_id,
        "ws",
        ["sentry:acme/rocket"],
        7,
        "2025-12-25T00:00:00+00:00",
        None,
        1000,
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:05+00:00",
        status=status,
    )
    app.mirror.create_run(run, [("sentry", "acme/rocket", "issue")])
    stream = app.mirror.streams(run.id)[0]
    app.mirror.set_stream_status(stream.id, status, error)
    return run, stream


def test_reason_in_row_drops_only_a_leading_stream_or_source_name() -> None:
    key = "sentry:acme/rocket/issue"
    assert reason_in_row(f"{key}: {REASON}", key) == REASON
    assert reason_in_row(f"sentry:acme/rocket: {REASON}", key) == REASON
    assert reason_in_row(REASON, key) == REASON
    assert reason_in_row(f"see {key}: x", key) == f"see {key}: x"  # not at the start: kept
    assert reason_in_row(f"{key}: ", key) == f"{key}: "  # nothing would be left: kept


def test_a_failed_rows_reason_leaves_out_the_stream_and_totals_say_1_page(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    _run, stream = _one_stream_run(app, "20260101-000000-beef", "failed")
    app.mirror.set_stream_status(stream.id, "failed", f"{stream.key}: {REASON}")
    app.mirror.conn.execute(
        "UPDATE streams SET pages = 1, api_calls = 1 WHERE id = ?", (stream.id,)
    )
    app.mirror.conn.commit()

    async def scenario() -> None:
        async with app.run_test(size=(200, 50)) as pilot:
            await pilot.press("f5")
            assert isinstance(app.screen, RunsScreen)
            app.screen.query_one("#runs").focus()
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            row = screen.query_one(StreamRow)
            status = row.status_text
            assert status == f"failed: {REASON}"
            overall = str(screen.query_one("#overall", Label).content)
            assert "1 page " in overall + " " and "1 pages" not in overall
            assert "1 API call" in overall and "1 API calls" not in overall

    asyncio.run(scenario())


def test_the_compact_totals_line_still_drops_pages_when_too_wide(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    _run, stream = _one_stream_run(app, "20260101-000000-cafe", "completed")
    app.mirror.conn.execute(
        "UPDATE streams SET pages = 1, api_calls = 123456789, fetched = 123456789, "
        "new = 123456789, duplicates = 123456789, failed = 1234567 WHERE id = ?",
        (stream.id,),
    )
    app.mirror.conn.commit()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f5")
            app.screen.query_one("#runs").focus()
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            overall = str(screen.query_one("#overall", Label).content)
            assert screen.compact  # one line at 80 columns
            assert "123456789 calls" in overall and "page" not in overall, overall

    asyncio.run(scenario())


def test_a_rows_colours_follow_a_theme_change(tmp_path: Path) -> None:
    """A row keeps its component styles between drawings (run_rows.StreamRow._component):
    they must be read again when the look changes, or a theme switch leaves rows in the old
    colours."""
    app = make_app(tmp_path)
    run, _ = _one_stream_run(app, "20260101-000000-cafe", "failed", REASON)
    app.mirror.conn.commit()

    def colours(row: StreamRow) -> set[str]:
        line = row.render()
        return {str(span.style) for span in line.spans} | {str(line.style)}

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            app.theme = "textual-dark"
            app.open_run(run.id)
            await pilot.pause()
            row = app.screen.query_one(StreamRow)
            await pilot.pause()
            dark = colours(row)
            app.theme = "textual-light"
            await pilot.pause()
            light = colours(row)
            assert dark != light
            app.theme = "textual-dark"
            await pilot.pause()
            assert colours(row) == dark

    asyncio.run(scenario())


def test_a_failure_reason_takes_the_room_the_bar_leaves(tmp_path: Path) -> None:
    """At 200 columns the reason kept 40 cells beside an 80-cell bar (a tester's finding):
    the bar is at most 30 cells there and the status takes the rest, the whole reason on the
    row's line. At 120 the status cell cannot hold it (it was cut to "failed: GitHub has
    no /rep…", a later finding): the row says "failed" and the whole reason beneath."""
    app = make_app(tmp_path)
    run, _ = _one_stream_run(app, "20260101-000000-d00d", "failed", REASON)
    app.mirror.conn.commit()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            app.open_run(run.id)
            await pilot.pause()
            row = app.screen.query_one(StreamRow)
            await pilot.pause()
            assert row.render_line(0).text.rstrip().endswith(" failed")
            beneath = [row.render_line(y).text.strip() for y in range(1, row.size.height)]
            assert " ".join(beneath) == REASON
            await pilot.resize_terminal(200, 50)
            await pilot.pause()
            await pilot.pause()
            assert row.render_line(0).text.rstrip().endswith(f"failed: {REASON}")  # all of it
            assert row.size.height == 1

    asyncio.run(scenario())
