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
from textual.widgets._toast import Toast

from backfill_tui.screens.quit import QuitScreen

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
