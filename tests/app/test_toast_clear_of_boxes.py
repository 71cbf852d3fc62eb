"""A notice (toast) draws over no box (a fresh tester's finding, after the toasts were put
three lines up and two in: on the dashboard at 80x24 a toast cut through the Log box, its top
border and its text showing on either side, and over the Quit dialog through its bottom
border). On the dashboard toasts sit top right over the streams table, which has no frame; over
a dialog, at the very bottom, below it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from screen_text import screen_lines
from textual.widgets._toast import Toast

from backfill_tui.screens.quit import QuitScreen
from backfill_tui.widgets.app_footer import AppFooter

SIZES = [(80, 24), (120, 36)]
#: A notice as long as the app's longest: a title and three lines of text at 80 columns.
LONG = "the mirror could not be read again: another process holds it; close it and press r again"


def _overlaps(a: object, b: object) -> bool:
    return bool(a.overlaps(b))  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_toast_on_the_dashboard_is_clear_of_its_boxes(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.press("f5", "enter")  # the run on the dashboard: rows, chart and log
            await settle(pilot)
            await pilot.press("f3")
            await settle(pilot)
            app.notify(LONG, title="Could not finish", severity="error")
            await wait_until(pilot, lambda: app.screen.query(Toast))
            await pilot.pause()
            toast = app.screen.query_one(Toast).region
            for box in ("#log", "#chart-panel"):
                for widget in app.screen.query(box):
                    assert not _overlaps(toast, widget.region), (box, toast, widget.region)

    asyncio.run(scenario())


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_toast_over_the_quit_dialog_is_clear_of_it(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.press("f5", "enter")  # a run on the dashboard: the question names it
            await settle(pilot)
            app.push_screen(QuitScreen())
            await pilot.pause()
            app.notify("this run completed; nothing to retry", severity="warning")
            await wait_until(pilot, lambda: app.screen.query(Toast))
            await pilot.pause()
            toast = app.screen.query_one(Toast).region
            dialog = app.screen.query_one("#quit-dialog").region
            assert not _overlaps(toast, dialog), (toast, dialog)

    asyncio.run(scenario())


@pytest.mark.parametrize("screen_key", ["f3", "f1"])
def test_notices_at_50x15_leave_the_footer_clear(tmp_path: Path, screen_key: str) -> None:
    """Three notices at 50x15 on the dashboard (stacked down from the top) and over the help
    (a dialog with its own footer): the footer's line stays clear (a fresh tester's finding:
    on the dashboard the second notice covered the footer's keys). What does not fit is
    not drawn."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(50, 15), notifications=True) as pilot:
            await pilot.press("f5", "enter")
            await settle(pilot)
            await pilot.press(screen_key)
            await settle(pilot)
            for n in range(3):  # three different ones (the same one again replaces it)
                app.notify(f"this run completed; nothing to retry ({n})", severity="warning")
            await wait_until(pilot, lambda: len(app.screen.query(Toast)) == 3)
            await pilot.pause()
            footer = app.screen.query_one(AppFooter).region
            assert footer.bottom == 15
            for x in range(footer.width):  # the footer's line is the footer's, drawn
                widget, _ = app.screen.get_widget_at(x, footer.y)
                assert not isinstance(widget, Toast), (x, screen_lines(app)[-1])

    asyncio.run(scenario())
