"""The trigger dialog's Send as a person drives it at 80x24: reached with Tab and pressed with
Enter (asked first), and stopped with escape (a fresh tester's finding: escape did nothing
during Send, only ctrl+q stopped it). Stopped, the dialog stays, saying how many events were
sent; escape then closes it. Against the loopback Inngest stand-in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import Recorder, answer, make_app, open_export, populate, wait_until
from inngest_stub import Answer, FakeInngest, serving
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.trigger import TriggerPlanned, TriggerScreen, TriggerSent

EVENT_KEY = "evtkey-StopSend-secret-7"


@pytest.fixture
def inngest() -> Iterator[FakeInngest]:
    with serving() as state:
        yield state


async def _dry_run(pilot: Pilot[Any], base_url: str, seen: Recorder) -> TriggerScreen:
    """F6, target Inngest with its key and ``base_url``, ctrl+t, the ids typed, a dry run."""
    screen = await open_export(pilot)
    await pilot.click("#kind-inngest")
    for selector, value in (("#event-key", EVENT_KEY), ("#base-url", base_url)):
        screen.query_one(selector, Input).value = value
    screen.query_one("#clerk-org", Input).value = "org_1"
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TriggerScreen))
    modal = pilot.app.screen
    assert isinstance(modal, TriggerScreen)
    modal.query_one("#trigger-integration-0", Input).value = "int_gh"
    modal.query_one("#trigger-user-source-0", Input).value = "us_gh"
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: seen.of(TriggerPlanned))
    await wait_until(pilot, lambda: not modal.query_one("#trigger-send", Button).disabled)
    return modal


def _said(modal: TriggerScreen) -> str:
    return str(modal.query_one("#trigger-plan", Label).content)


def test_send_is_reached_with_tab_and_pressed_with_enter_at_80x24(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            modal = await _dry_run(pilot, inngest.url, seen)
            send = modal.query_one("#trigger-send", Button)
            modal.query_one("#trigger-user-source-0", Input).focus()  # the last field
            for _ in range(len(modal.focus_chain)):
                await pilot.press("tab")
                if app.focused is send:
                    break
            assert app.focused is send
            region = send.region
            assert 0 <= region.y < 24 and modal.get_widget_at(region.x + 1, region.y)[0] is send
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(TriggerSent))
            assert seen.of(TriggerSent)[-1].result.sent == 1 and len(inngest.events) == 1

    asyncio.run(scenario())


def test_escape_stops_a_send_and_the_dialog_says_what_was_sent(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    inngest.always = Answer(503, retry_after="30")  # each try waits 30 s before the next
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            modal = await _dry_run(pilot, inngest.url, seen)
            close = modal.query_one("#trigger-close", Button)
            modal.query_one("#trigger-send", Button).press()
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: "retry 1 of 5 in 30.0s" in _said(modal))
            label_while_sending = str(close.label)
            await pilot.press("escape")
            await wait_until(pilot, lambda: seen.of(TriggerSent), timeout=20)  # not 30 s
            assert label_while_sending == "Stop sending"  # Close stops it while it goes
            result = seen.of(TriggerSent)[-1].result
            assert result.cancelled and result.sent == 0
            assert app.screen is modal  # still up, saying what was sent
            said = _said(modal)
            assert "Sent 0 events to Inngest at 127.0.0.1" in said, said
            assert "Stopped before the rest; trigger again to send it." in said, said
            assert str(close.label) == "Close"
            assert len(inngest.requests) == 1 and not inngest.events
            await pilot.press("escape")  # now it closes
            await wait_until(pilot, lambda: isinstance(app.screen, ExportScreen))

    asyncio.run(scenario())
