"""Picking another provider on the connect screen: the target's placeholder follows it, a
target typed for the first provider is checked again against the new one (marked invalid when
it does not fit), and switching back marks it valid again. The Select's own first value, as it
mounts, changes nothing (issue 13: it only restyled the empty target before the first frame)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, connect_screen, make_app, settle
from textual.widgets import Input, Label, Select


def test_the_target_follows_the_provider_picked(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await connect_screen(pilot)
            target = screen.query_one("#target", Input)
            hint = screen.query_one("#target-hint", Label)  # says why, as the target is typed
            provider = screen.query_one("#provider", Select)
            assert screen.provider_name == "github"
            assert target.placeholder == "github:OWNER/REPO"
            target.focus()
            await pilot.press(*"acme/rocket")
            await settle(pilot)
            assert not hint.has_class("-invalid")

            provider.value = "linear"
            await settle(pilot)
            assert screen.provider_name == "linear"
            assert target.placeholder == "linear:TEAM_KEY"
            assert target.has_class("-invalid")

            provider.value = "github"
            await settle(pilot)
            assert target.placeholder == "github:OWNER/REPO"
            assert not target.has_class("-invalid")

    asyncio.run(scenario())


def test_the_hint_says_why_for_the_provider_now_picked(tmp_path: Path) -> None:
    """A fresh tester's finding: Linear picked, ``acme/old-rocket`` typed ("not a valid Linear
    source"), then GitHub picked in the drop-down: the Linear error stayed under the field."""
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await connect_screen(pilot)
            target = screen.query_one("#target", Input)
            hint = screen.query_one("#target-hint", Label)
            provider = screen.query_one("#provider", Select)

            provider.value = "linear"  # an empty field says nothing, whatever is picked
            await settle(pilot)
            assert str(hint.content) == "" and not hint.has_class("-invalid")

            target.focus()
            await pilot.press(*"acme/old-rocket")
            await settle(pilot)
            assert "not a valid Linear source" in str(hint.content)

            provider.value = "github"
            await settle(pilot)
            assert not target.has_class("-invalid")
            assert str(hint.content) == "" and not hint.has_class("-invalid")

            provider.value = "linear"  # and back: the error for Linear again
            await settle(pilot)
            assert "not a valid Linear source" in str(hint.content)
            assert hint.has_class("-invalid")

    asyncio.run(scenario())
