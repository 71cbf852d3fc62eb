"""Observations in the app: filters by source and type, full-text search, the detail pane, and
provider text shown literally (markup escaped, control characters removed)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import (
    EVIL_TITLE,
    SIZE,
    Recorder,
    insert_evil_observation,
    make_app,
    open_observations,
    populate,
    settle,
    wait_until,
)
from textual.widgets import DataTable, Input, Label, Select

from backfill_tui.screens.messages import ObservationOpened
from backfill_tui.screens.observations import PAGE, ObservationsScreen
from backfill_tui.store import kept_by_production
from backfill_tui.textsafe import clean
from backfill_tui.widgets.observation_detail import ObservationPane, significance_text


def _titles(table: DataTable) -> list[str]:
    return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]


def test_filter_search_and_open_a_detail(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    mirror = app.mirror
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            total = mirror.count_observations("ws")
            assert screen.matching == total and table.row_count == min(PAGE, total)  # a page

            screen.query_one("#type-filter", Select).value = "pull-request.merged"
            await settle(pilot)
            merged = mirror.count_observations_matching(
                "ws", observation_type="pull-request.merged"
            )
            assert 0 < table.row_count == merged
            assert {str(table.get_row_at(i)[2]) for i in range(table.row_count)} == {
                "pull-request.merged"
            }
            screen.query_one("#type-filter", Select).clear()
            screen.query_one("#source-filter", Select).value = "github"
            await settle(pilot)
            assert table.row_count == min(PAGE, mirror.count_observations("ws"))

            await pilot.press("slash")
            assert isinstance(app.focused, Input)
            await pilot.press(*"fix")
            await settle(pilot)
            await pilot.press("enter")  # search now, and back to the table
            expected = mirror.count_observations_matching("ws", source="github", text="fix")
            assert 0 < screen.matching == expected < mirror.count_observations("ws")
            assert table.row_count == min(PAGE, expected)
            expected = table.row_count
            assert (
                all("fix" in (t.lower()) for t in _titles(table)[:5]) or expected
            )  # body hits too
            found = mirror.search_observations("ws", "fix", limit=expected)
            assert [str(o.id) for o in found] == [
                table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(expected)
            ]

            assert app.focused is table
            await pilot.press("down", "enter")
            await settle(pilot)
            await wait_until(pilot, lambda: seen.of(ObservationOpened))
            opened = seen.of(ObservationOpened)[0].observation_id
            assert str(opened) == table.coordinate_to_cell_key((1, 0)).row_key.value
            pane = screen.query_one(ObservationPane)
            assert pane.display and pane.observation is not None and pane.observation.id == opened
            detail = mirror.get_observation(opened)
            assert detail is not None
            assert str(pane.query_one("#detail-title", Label).content) == clean(detail.title)
            verdict = str(pane.query_one("#detail-significance", Label).content)
            assert verdict == significance_text(detail.significance)
            assert ("keeps it" in verdict) == kept_by_production(detail.significance)
            await pilot.press("escape")
            assert not pane.display

    asyncio.run(scenario())


def test_provider_markup_and_escape_codes_show_literally(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    insert_evil_observation(app)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            literal = clean(EVIL_TITLE)
            assert "\x1b" not in literal and "[bold]pwned[/bold]" in literal
            assert str(table.get_row_at(0)[3]) == literal
            await pilot.press("enter")
            await settle(pilot)
            pane = screen.query_one(ObservationPane)
            title = pane.query_one("#detail-title", Label)
            assert str(title.content) == literal
            # What is drawn is the literal text: the markup did not style or vanish.
            rendered = "".join(
                s.text for y in range(title.size.height) for s in title.render_line(y)
            )
            assert "[bold]pwned[/bold]" in rendered and "[link=" in rendered
            metadata = str(pane.query_one("#detail-metadata", Label).content)
            assert "[i]x[/i]" in metadata and "\x07" not in metadata

    asyncio.run(scenario())


def test_enter_in_the_search_box_searches_then_a_second_enter_opens_the_first_row(
    tmp_path: Path,
) -> None:
    # The footer says "enter opens one": from the search box, Enter runs the search (already
    # live or not) and moves to the results, so a second Enter opens the first match.
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            await pilot.click("#search")
            assert isinstance(app.focused, Input)
            await pilot.press(*"fix")
            await settle(pilot)
            # the live search has already run (typing paused): Enter still moves to the results
            await wait_until(pilot, lambda: screen.matching < app.mirror.count_observations("ws"))
            await pilot.press("enter")
            await settle(pilot)
            assert app.focused is table and table.cursor_row == 0
            await pilot.press("enter")
            await settle(pilot)
            await wait_until(pilot, lambda: seen.of(ObservationOpened))
            first = table.coordinate_to_cell_key((0, 0)).row_key.value
            assert str(seen.of(ObservationOpened)[0].observation_id) == first
            assert screen.query_one(ObservationPane).display

    asyncio.run(scenario())


def test_a_hand_edited_score_that_is_no_number_shows_as_unknown(tmp_path: Path) -> None:
    """One stored significance 'high' (a hand edit) emptied the whole Observations screen with
    an internal TypeError (a fresh tester's finding); the row shows, its score unknown."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    mirror = app.mirror
    with mirror.transaction() as conn:
        conn.execute("UPDATE observations SET significance_score = 'high' WHERE id = 1")
    title = mirror.conn.execute("SELECT title FROM observations WHERE id = 1").fetchone()[0]

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            _screen, table = await open_observations(pilot)
            assert table.row_count == min(PAGE, mirror.count_observations("ws"))
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            edited = [r for r in rows if str(r[3]) and str(r[3]) in clean(title)]
            assert edited and str(edited[0][4]).strip() == "? dropped"

    asyncio.run(scenario())
    assert significance_text("high") == "significance unknown: production's gate would drop it"  # type: ignore[arg-type]
    assert not kept_by_production("high")  # type: ignore[arg-type]


def test_it_opens_on_the_latest_runs_workspace_as_connect_does(tmp_path: Path) -> None:
    """A mirror with workspace "demo" then a later run in "w": Connect shows "w", and F4 showed
    "demo", the first by name (a tester's finding); both now show the latest run's."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", workspace="demo")
    populate(app, "linear:ENG", workspace="w", days=7)
    later = app.mirror.count_observations("w")
    assert later and later != app.mirror.count_observations("demo")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert app.screen.query_one("#workspace", Input).value == "w"
            screen, table = await open_observations(pilot)
            assert screen.workspace == "w"
            assert table.row_count == min(PAGE, later)

    asyncio.run(scenario())
