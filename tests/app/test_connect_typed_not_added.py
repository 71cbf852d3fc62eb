"""ctrl+s with sources added and another target typed but not added does not start without it
(a fresh tester's finding: the demo started with its sources only, nothing said that
acme/other was left out, and it still sat in the field): it says to press enter or clear the
field (or why it is not a source), focuses the field, and starts once the field is
cleared."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, connect_screen, make_app, settle, wait_until
from textual.widgets import Input

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.host import DemoSetup
from backfill_tui.screens.messages import EstimateReady, StartRequested

DEMO = DemoSetup("demo", ("github:acme/rocket", "linear:ENG"), depth=7)


def _notices(app: BackfillApp) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Not ready"]


def test_ctrl_s_with_a_target_typed_and_not_added_does_not_start(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DEMO)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            screen = await connect_screen(pilot)
            target = screen.query_one("#target", Input)
            assert screen.provider_name == "github"
            target.focus()
            await pilot.press(*"acme/other")
            screen.query_one("#start").focus()  # away from the field, as after a click
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: _notices(app))
            await settle(pilot)
            (said,) = _notices(app)
            assert "github:acme/other is typed but not added" in said, said
            assert "press enter" in said and "clear the field" in said, said
            assert not seen.of(StartRequested) and not app.running
            assert app.screen is screen and screen.focused is target
            assert target.value == "acme/other"

            target.value = "bad spec!!"  # not a source: not started without it either
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: len(_notices(app)) > 1)
            said = _notices(app)[-1]
            assert "not a valid GitHub source" in said and "clear the field" in said, said
            assert not seen.of(StartRequested)

            target.value = ""  # cleared: it starts with the sources added
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(StartRequested))
            (started,) = {m.request for m in seen.of(StartRequested)}
            assert [f"{s.provider}:{s.target}" for s in started.sources] == list(DEMO.sources)

    asyncio.run(scenario())


def test_test_and_estimate_say_a_target_typed_and_not_added(tmp_path: Path) -> None:
    """ctrl+t and ctrl+e went on with the sources added and said nothing of the one typed (a
    fresh tester's finding): they go on, and say it was left out and how to add it."""
    app = make_app(tmp_path, demo=DEMO)
    seen = Recorder()

    def left_out() -> list[str]:
        return [n.message for n in app._notifications if n.title == "Not added"]

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            screen = await connect_screen(pilot)
            target = screen.query_one("#target", Input)
            target.focus()
            await pilot.press(*"acme/other")
            screen.query_one("#start").focus()
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: left_out())
            (said,) = left_out()
            assert said.startswith("github:acme/other is typed but not added: press enter"), said
            assert "testing the sources added without it" in said, said
            estimates = len(seen.of(EstimateReady))
            await pilot.press("ctrl+e")
            await wait_until(pilot, lambda: len(left_out()) > 1)
            assert "estimating the sources added without it" in left_out()[-1]
            await wait_until(pilot, lambda: len(seen.of(EstimateReady)) > estimates)
            assert target.value == "acme/other"  # left for the user to add or clear

    asyncio.run(scenario())
