"""The footer's keys after the terminal is resized (a fresh tester's finding): at 80x24, after a
visit of F2-F5 at 50x15, F4 showed "f5 Runs f2 C▏^p paletteu" and F2 "f3 Dashboard f5 Runs
f3▏^p palettef"; at 120x36 the dashboard "f6 Export f3 Dashboard f4 O▏^p palette". A resize
and a change of bindings each recomposed the footer, and the two ran interleaved (one from
the app's after-refresh callbacks, one from the footer's own queue), each mounting the keys
it found missing. No key may repeat, after any sequence of resizes and screens."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from pathlib import Path

from app_support import make_app, settle, wait_until

from backfill_tui.widgets.app_footer import AppFooter


def _keys(app: object) -> list[str]:
    footer = app.screen.query_one(AppFooter)  # type: ignore[attr-defined]
    return [key.key for key in footer.shown]


def _assert_fits(app: object, where: str) -> None:
    keys = _keys(app)
    assert len(keys) == len(set(keys)), f"{where}: a key repeats: {keys}"
    footer = app.screen.query_one(AppFooter)  # type: ignore[attr-defined]
    shown = footer.shown
    for key, after in pairwise(shown):  # one after another, none overlap
        assert key.x + key.width < after.x, f"{where}: {keys}"
    width = shown[-1].x + shown[-1].width + 1  # and the margin after the last
    assert width <= app.size.width, f"{where}: {width} cells of keys at {app.size}: {keys}"  # type: ignore[attr-defined]


def test_no_footer_key_repeats_after_resizes_and_screen_switches(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.resize_terminal(50, 15)
            await pilot.pause()
            for key in ("f2", "f3", "f4", "f5"):
                await pilot.press(key)
                await settle(pilot)
                _assert_fits(app, f"{key} at 50x15")
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            for key in ("f4", "f2"):
                await pilot.press(key)
                await settle(pilot)
                await pilot.pause(0.1)
                _assert_fits(app, f"{key} at 80x24")
            await pilot.resize_terminal(120, 36)
            await pilot.pause()
            await pilot.press("f3")
            await settle(pilot)
            await pilot.pause(0.1)
            _assert_fits(app, "f3 at 120x36")
            await wait_until(pilot, lambda: "f6" in _keys(app))

    asyncio.run(scenario())
