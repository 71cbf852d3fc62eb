"""ctrl+s with no source added says what to do for the provider chosen (a fresh tester's
finding: with Linear chosen and a team key typed but not added, it gave GitHub's example,
"acme/rocket"): with the target typed, to add it; with none, the chosen provider's example."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, connect_screen, make_app, settle, wait_until
from textual.widgets import Input, Select

from backfill_tui.screens.app import BackfillApp


def _notices(app: BackfillApp) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Not ready"]


def test_ctrl_s_with_no_source_speaks_of_the_provider_chosen(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await connect_screen(pilot)
            screen.query_one("#workspace", Input).value = "ws"
            screen.query_one("#provider", Select).value = "linear"
            await settle(pilot)
            target = screen.query_one("#target", Input)
            target.focus()
            await pilot.press(*"ENG", "ctrl+s")
            await wait_until(pilot, lambda: _notices(app))
            (said,) = _notices(app)
            assert "linear:ENG" in said and "press enter" in said, said
            assert "acme/rocket" not in said, said

            target.value = ""
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: _notices(app)[-1] != said)
            said = _notices(app)[-1]
            assert "such as linear:ENG" in said, said

    asyncio.run(scenario())


def test_ctrl_s_with_no_workspace_puts_the_cursor_in_the_workspace(tmp_path: Path) -> None:
    """ "Not ready · the workspace is empty" left the focus where it was, so what was typed
    next went nowhere, or into another field (a fresh tester's finding)."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await connect_screen(pilot)
            workspace = screen.query_one("#workspace", Input)
            workspace.value = ""
            screen.query_one("#record-to", Input).focus()
            await settle(pilot)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: _notices(app))
            assert "the workspace is empty" in _notices(app)[0]
            await wait_until(pilot, lambda: workspace.has_focus)
            await pilot.press(*"myws")
            await settle(pilot)
            assert workspace.value == "myws"

    asyncio.run(scenario())
