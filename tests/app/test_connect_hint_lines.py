"""The hint under the connect screen's target field shows its whole message at 80x24 (a fresh
tester's finding): a token typed there was refused in three lines, and the third ("in its
variable, such as GITHUB_TOKEN") was cut, the text going on to "New here?…". Start stays on
screen."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import connect_screen, make_app, settle
from screen_text import region_text
from textual.widgets import Button, Input, Label

TOKEN = "ghp_" + "Abc123" * 6


def test_a_tokens_refusal_under_the_target_shows_whole_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await connect_screen(pilot)
            await pilot.press(*"ws1", "tab", "tab", "tab")
            assert app.focused is screen.query_one("#target", Input)
            for expected, keys in (
                ("such as GITHUB_TOKEN", tuple(TOKEN)),  # typed: refused under the field
                ("was cleared", ("enter",)),  # entered: cleared, and the hint says why
            ):
                await pilot.press(*keys)
                await settle(pilot)
                hint = screen.query_one("#target-hint", Label)
                shown = " ".join(region_text(app, hint).split())
                whole = " ".join(str(hint.render()).split())
                assert expected in shown and shown == whole, (shown, whole)
                start = screen.query_one("#start", Button).region
                assert start.height and start.bottom <= 24

    asyncio.run(scenario())
