"""A repository's web address pasted into the Connect screen's target field (GitHub chosen):
it was refused as "'github:https://github.com/acme/rocket' is not a valid GitHub source",
the address glued to the provider's name. The notice says it is a web address and which source
it names, and that source, typed as the notice says, is added."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, connect_screen, make_app, settle, wait_until
from textual.widgets import Input

from backfill_tui.screens.app import BackfillApp


def _notices(app: BackfillApp) -> list[str]:
    return [n.message for n in app._notifications if n.title == "Not a source"]


def test_a_pasted_web_address_names_the_source_to_type(tmp_path: Path) -> None:
    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = await connect_screen(pilot)
            assert screen.provider_name == "github"
            target = screen.query_one("#target", Input)
            target.focus()
            target.value = "https://github.com/acme/rocket"
            await pilot.press("enter")
            await wait_until(pilot, lambda: _notices(app))
            (said,) = _notices(app)
            assert said == (
                "'https://github.com/acme/rocket' is a web address, not a source: sources are "
                "written PROVIDER:TARGET; use github:acme/rocket"
            ), said
            assert not screen.cards()

            target.value = "github:acme/rocket"
            await pilot.press("enter")
            await settle(pilot)
            assert [str(card.spec) for card in screen.cards()] == ["github:acme/rocket"]

    asyncio.run(scenario())
