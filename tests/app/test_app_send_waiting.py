"""A server that takes the export's (or the trigger dialog's) request and says nothing: the
panel sat on "Exporting…" / "Sending…" for the request's whole 30 s timeout (a fresh tester's
finding, met first in the CLI). After a few seconds of silence the panel says what it waits for
and when it gives up, as it says a retry. The silence is said after 0.1 s here (5 s in use)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    SIZE,
    Recorder,
    answer,
    make_app,
    populate,
    wait_for_exit,
    wait_until,
)
from inngest_stub import Answer, FakeInngest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from backfill_tui.export import event_api
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.quit import QuitScreen
from backfill_tui.screens.trigger import TriggerPlanned, TriggerScreen

EVENT_KEY = "evtkey-Silent-secret-61"


@pytest.fixture(autouse=True)
def quick_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_api, "SILENCE_NOTICE_S", 0.1)


async def _inngest_form(pilot: Pilot[Any], url: str) -> ExportScreen:
    await pilot.press("f6")
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    await pilot.click("#kind-inngest")
    for selector, value in (("#event-key", EVENT_KEY), ("#base-url", url), ("#clerk-org", "o")):
        screen.query_one(selector, Input).value = value
    return screen


async def _quit(pilot: Pilot[Any]) -> None:
    await pilot.press("ctrl+q")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QuitScreen))
    await answer(pilot, "y")
    await wait_for_exit(pilot.app, timeout=15)  # the stop's grace, not the 30 s timeout


def test_the_export_panel_says_it_waits_for_a_silent_server(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    inngest.always = Answer(200, silent=True)
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _inngest_form(pilot, inngest.url)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            result = screen.query_one("#export-result", Label)
            host = inngest.url.removeprefix("http://")
            await wait_until(pilot, lambda: "waiting for Inngest at" in str(result.content))
            shown = str(result.content)
            assert f"waiting for Inngest at {host}: no answer after " in shown, shown
            assert "(try 1 of 6, each given up after 30s of silence)" in shown, shown
            assert EVENT_KEY not in app.export_screenshot()
            await _quit(pilot)

    asyncio.run(scenario())
    assert app.return_code == 1 and not inngest.events


def test_the_trigger_dialog_says_it_waits_for_a_silent_server(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    inngest.always = Answer(200, silent=True)
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await _inngest_form(pilot, inngest.url)
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            modal = app.screen
            modal.query_one("#trigger-integration-0", Input).value = "int_gh"
            modal.query_one("#trigger-user-source-0", Input).value = "us_gh"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(TriggerPlanned))
            modal.query_one("#trigger-send", Button).press()
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            said = modal.query_one("#trigger-plan", Label)
            await wait_until(pilot, lambda: "waiting for Inngest at" in str(said.content))
            assert "(try 1 of 6, each given up after 30s of silence)" in str(said.content), (
                said.content
            )
            assert EVENT_KEY not in app.export_screenshot()
            await _quit(pilot)

    asyncio.run(scenario())
    assert app.return_code == 1 and not inngest.events
