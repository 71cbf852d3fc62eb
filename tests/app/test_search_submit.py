"""Enter in the search box hands the focus to the table with the answer (issue 12 item 11,
bench/app_scale.py "search"): typing has searched already, so Enter on the same words keeps the
rows shown (not drawn again), and Enter on new words shows their answer with the focus."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, open_observations, populate, settle, wait_until
from textual import events
from textual.geometry import Region
from textual.widgets import Input, Select
from textual.widgets._select import SelectOverlay


def test_enter_keeps_the_rows_typing_found_and_moves_to_the_table(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            everything = screen.matching
            await pilot.press("slash", *"push")
            assert isinstance(screen.focused, Input)
            # the search runs after a pause in typing, with the focus still in the box
            await wait_until(pilot, lambda: 0 < screen.matching < everything)
            await settle(pilot)
            assert isinstance(screen.focused, Input)
            first = table.get_row_at(0)[3]
            await pilot.press("enter")
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            assert table.get_row_at(0)[3] is first  # the same rows, kept

            # new words: their own answer, and the focus with it
            await pilot.press("slash", *["backspace"] * 4, *"closed", "enter")
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            assert screen.query_one("#search", Input).value == "closed" and screen.matching > 0
            key = table.coordinate_to_cell_key((0, 0)).row_key.value
            assert key is not None
            shown = app.mirror.get_observation(int(key))
            assert shown is not None
            assert "closed" in (shown.title + shown.content).lower()
            assert table.get_row_at(0)[3] is not first

    asyncio.run(scenario())


def test_esc_leaves_the_search_box_and_an_empty_answer_closes_the_detail(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            table.focus()
            await pilot.press("enter")  # the detail of the first row
            await settle(pilot)
            pane = screen.query_one("#detail")
            assert pane.display
            await pilot.press("slash", *"push")  # it matches: typing may search it meanwhile
            await pilot.press("escape")  # out of the box, its words kept; the detail stays
            assert screen.focused is table and pane.display
            assert screen.query_one("#search", Input).value == "push"
            await pilot.press("slash", *"zzzqqq", "enter")
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            assert table.row_count == 0 and not pane.display  # nothing left to show in it
            count = str(screen.query_one("#obs-count").render())
            assert "nothing matches “zzzqqq”" in count  # "/" selects the words: typing replaces

    asyncio.run(scenario())


def test_the_type_list_follows_the_source_and_a_search_names_the_filters(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=7)
    conn = app.mirror.conn

    def types_of(source: str | None) -> list[str]:
        sql = "SELECT DISTINCT observation_type FROM observations"
        rows = conn.execute(
            sql + (" WHERE source = ?" if source else "") + " ORDER BY 1",
            (source,) if source else (),
        )
        return [r[0] for r in rows]

    def offered(select: Select[str]) -> list[str]:
        return [value for _, value in select._options if isinstance(value, str)]

    async def scenario() -> None:
        async with app.run_test(size=(160, 36)) as pilot:
            screen, table = await open_observations(pilot)
            sources = screen.query_one("#source-filter", Select)
            kinds = screen.query_one("#type-filter", Select)
            assert offered(kinds) == types_of(None)  # no source chosen: every type
            kinds.value = "push"
            await settle(pilot)
            assert table.row_count > 0
            # choosing Vercel offers only Vercel's types, and clears GitHub's "push" (it would
            # match nothing): the rows are Vercel's
            sources.value = "vercel"
            await settle(pilot)
            assert offered(kinds) == types_of("vercel") and "push" not in offered(kinds)
            assert kinds.is_blank()
            assert table.row_count > 0
            assert {str(table.get_row_at(i)[1]) for i in range(table.row_count)} == {"vercel"}
            assert screen.matching == app.mirror.count_observations_matching("ws", source="vercel")
            sources.clear()
            await settle(pilot)
            assert offered(kinds) == types_of(None)
            sources.value = "vercel"
            await settle(pilot)
            screen.query_one("#search", Input).value = "merged"  # GitHub's words, not Vercel's
            await pilot.press("slash", "enter")
            await settle(pilot)
            count = str(screen.query_one("#obs-count").render())
            assert "nothing matches “merged” in titles or bodies with source vercel" in count

    asyncio.run(scenario())


def test_moves_typed_right_after_enter_are_made_on_the_answer(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            await pilot.press("slash", *"push")
            # one burst, as a terminal delivers a fast typist's or a script's keys: every key
            # posted before the app handles the first, so the answer is not in yet
            for name, char in (("enter", "\r"), ("down", None), ("down", None)):
                app.post_message(events.Key(name, char))
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            await pilot.pause()
            assert screen.query_one("#search", Input).value == "push"
            assert table.row_count > 2 and table.cursor_row == 2

    asyncio.run(scenario())


def test_home_end_j_and_k_move_through_the_rows(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            _screen, table = await open_observations(pilot)
            table.focus()
            await pilot.press("j", "j", "k")
            assert table.cursor_row == 1
            await pilot.press("end")
            await settle(pilot)
            assert table.cursor_row == table.row_count - 1 > 1
            await pilot.press("home")
            assert table.cursor_row == 0

    asyncio.run(scenario())


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_the_type_list_shows_each_choice_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=30)

    async def scenario() -> None:
        async with app.run_test(size=size) as pilot:
            screen, _table = await open_observations(pilot)
            select = screen.query_one("#type-filter", Select)
            select.focus()
            await pilot.press("enter")
            await pilot.pause()
            overlay = select.query_one(SelectOverlay)
            shown = [s.text for s in overlay.render_lines(Region(0, 0, *overlay.size))]
            # "deployment_succeeded" wrapped to "deployment_succe" / "eded" at 120 columns
            assert any("deployment_succeeded" in line for line in shown), shown

    asyncio.run(scenario())


def test_esc_clears_a_search_when_no_detail_is_open(tmp_path: Path) -> None:
    """With no detail open, "esc Close" did nothing a tester could see: it clears the search
    (as in k9s and lazygit), and is dimmed once there is nothing left to close or clear."""
    from backfill_tui.widgets.app_footer import AppFooter

    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    total = app.mirror.count_observations("ws")

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            screen, table = await open_observations(pilot)
            await pilot.press("slash", *"merged", "enter")
            await settle(pilot)
            await wait_until(pilot, lambda: screen.focused is table)
            assert 0 < screen.matching < total
            footer = screen.query_one(AppFooter)

            def close_dimmed() -> bool:
                return next(k for k in footer.shown if k.key == "escape").disabled

            assert not close_dimmed()
            await pilot.press("escape")
            await settle(pilot)
            await pilot.pause()
            assert screen.query_one("#search", Input).value == ""
            assert screen.matching == total and screen.focused is table
            assert close_dimmed()  # nothing left to close or clear

    asyncio.run(scenario())
