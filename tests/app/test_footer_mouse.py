"""The footer's keys answer the mouse as Textual's footer keys did (issue 13 made the footer one
widget): a click on a key runs it, a click on a dimmed key runs nothing, and the key under the
mouse is highlighted (and its tooltip set) until the mouse leaves it; the keys take the
theme's colours."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, make_app, open_observations, populate, settle
from rich.style import Style
from textual.color import Color

from backfill_tui.screens.runs import RunsScreen
from backfill_tui.widgets.app_footer import AppFooter, ShownKey


def _key(footer: AppFooter, name: str) -> ShownKey:
    return next(key for key in footer.shown if key.key == name)


def _background(footer: AppFooter, x: int) -> object:
    """The background colour drawn at cell ``x`` of the footer's line."""
    segments = list(footer.render_line(0).crop(x, x + 1))
    style = segments[0].style or Style()
    return style.bgcolor


def test_a_click_on_a_key_runs_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            footer = app.screen.query_one(AppFooter)
            runs = _key(footer, "f5")
            assert (runs.description, runs.disabled) == ("Runs", False)
            await pilot.click(AppFooter, offset=(runs.x + runs.width - 1, 0))
            await settle(pilot)
            assert isinstance(app.screen, RunsScreen)

    asyncio.run(scenario())


def test_a_click_on_a_dimmed_key_runs_nothing(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen, table = await open_observations(pilot)
            table.focus()
            await settle(pilot)
            footer = screen.query_one(AppFooter)
            close = _key(footer, "escape")
            assert close.disabled  # no detail open, no search: nothing to close
            await pilot.click(AppFooter, offset=(close.x, 0))
            await settle(pilot)
            assert app.screen is screen and screen.focused is table
            # the same place on the key "enter" opened the detail: now esc is live, and runs
            await pilot.press("enter")
            await settle(pilot)
            assert screen.query_one("#detail").display
            close = _key(footer, "escape")
            assert not close.disabled
            await pilot.click(AppFooter, offset=(close.x, 0))
            await settle(pilot)
            assert not screen.query_one("#detail").display

    asyncio.run(scenario())


def test_the_key_under_the_mouse_is_highlighted_until_it_leaves(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            footer = app.screen.query_one(AppFooter)
            start, test = _key(footer, "ctrl+s"), _key(footer, "ctrl+t")
            before = [_background(footer, x) for x in (start.x, test.x, test.x + test.width)]
            assert before[0] == before[1] == before[2]
            await pilot.hover(AppFooter, offset=(test.x + 1, 0))
            await pilot.pause()
            assert _background(footer, test.x) != before[1]  # the key under the mouse
            assert _background(footer, test.x + test.width - 1) != before[1]  # all of it
            assert _background(footer, start.x) == before[0]  # not its neighbours
            assert _background(footer, test.x + test.width) == before[2]  # nor the margin
            await pilot.hover("#workspace")
            await pilot.pause()
            assert [_background(footer, x) for x in (start.x, test.x)] == before[:2]

    asyncio.run(scenario())


def test_the_keys_take_the_themes_colours(tmp_path: Path) -> None:
    """Drawn by the footer itself, the keys still follow the theme's footer variables."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            footer = app.screen.query_one(AppFooter)
            for theme in ("textual-dark", "textual-light"):
                app.theme = theme
                await settle(pilot)
                variables = app.get_css_variables()
                start = _key(footer, "ctrl+s")
                key_style = next(iter(footer.render_line(0).crop(start.x, start.x + 1))).style
                assert key_style is not None and key_style.color is not None
                want = Color.parse(variables["footer-key-foreground"])
                assert Color.from_rich_color(key_style.color) == want, theme

    asyncio.run(scenario())
