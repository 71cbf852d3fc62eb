"""The export screen's "Trigger in production" (ctrl+t), driven like a person against the
loopback Inngest stand-in: the dry run first, then Send, one event per GitHub/Vercel source of
the completed run; a Linear source is listed as left out; the key never shows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import SIZE, Recorder, answer, make_app, populate, wait_for_exit, wait_until
from inngest_stub import Answer, FakeInngest, serving
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from backfill_tui.export.trigger import EVENT_NAME
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.quit import QuitScreen
from backfill_tui.screens.trigger import TriggerPlanned, TriggerScreen, TriggerSent

EVENT_KEY = "evtkey-AppTrig-secret-5"


@pytest.fixture
def inngest() -> Iterator[FakeInngest]:
    with serving() as state:
        yield state


def _set(screen: Any, selector: str, text: str) -> None:
    screen.query_one(selector, Input).value = text


async def _inngest_form(pilot: Pilot[Any], base_url: str) -> ExportScreen:
    """The export screen (F6), target Inngest, with the event key and ``base_url`` typed."""
    await pilot.press("f6")
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    await pilot.click("#kind-inngest")
    _set(screen, "#event-key", EVENT_KEY)
    _set(screen, "#base-url", base_url)
    return screen


async def _trigger_dialog(pilot: Pilot[Any], base_url: str) -> TriggerScreen:
    """The trigger dialog (ctrl+t) over the Inngest form, its Clerk org typed (org_1)."""
    screen = await _inngest_form(pilot, base_url)
    _set(screen, "#clerk-org", "org_1")
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, TriggerScreen))
    modal = pilot.app.screen
    assert isinstance(modal, TriggerScreen)
    return modal


async def _press(pilot: Pilot[Any], selector: str) -> None:
    button = pilot.app.screen.query_one(selector, Button)
    button.press()
    await pilot.pause()


def test_trigger_in_production_after_a_preview(tmp_path: Path, inngest: FakeInngest) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            modal = await _trigger_dialog(pilot, inngest.url)
            left = str(modal.query_one("#trigger-left-out", Label).content)
            assert "linear:ENG: linear has no backfill connector" in left
            assert modal.query_one("#trigger-send", Button).disabled  # a dry run first
            _set(modal, "#trigger-integration-0", "int_gh")
            _set(modal, "#trigger-user-source-0", "us_gh")
            _set(modal, "#trigger-integration-1", "int_v")
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(TriggerPlanned))
            plan = seen.of(TriggerPlanned)[-1].plan
            assert len(plan.to_send) == 1 and "no userSourceId" in plan.refused[0].reason
            assert "vercel:acme/rocket-web: no userSourceId" in str(
                modal.query_one("#trigger-plan", Label).content
            )
            assert not inngest.requests  # a dry run sends nothing

            _set(modal, "#trigger-user-source-1", "us_v")
            await pilot.pause()
            assert modal.query_one("#trigger-send", Button).disabled  # inputs changed
            await pilot.press("ctrl+r")
            # The plan of what the form holds now: the recorder sees a message at each pump it
            # bubbles through, so the first dry run's one TriggerPlanned could count twice and
            # pass a wait for two (1 of 1,523 tests failed so on a busy machine).
            await wait_until(
                pilot,
                lambda: any(m.inputs == modal.inputs() for m in seen.of(TriggerPlanned)),
            )
            now = [m for m in seen.of(TriggerPlanned) if m.inputs == modal.inputs()]
            assert len(now[-1].plan.to_send) == 2
            await _press(pilot, "#trigger-send")  # asked first: each event starts a backfill
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert "Ask production to backfill 2 sources?" in str(
                app.screen.query_one("#confirm-text", Label).content
            )
            await answer(pilot, "n")
            await wait_until(pilot, lambda: app.screen is modal)
            assert not inngest.requests and not modal.query_one("#trigger-send", Button).disabled
            await _press(pilot, "#trigger-send")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(TriggerSent))
            result = seen.of(TriggerSent)[-1].result
            assert result.sent == 2 and result.failed is None
            events = {e["data"]["provider"]: e for e in inngest.events.values()}
            assert set(events) == {"github", "vercel"}
            assert all(e["name"] == EVENT_NAME for e in events.values())
            github = events["github"]["data"]
            assert github["integrationId"] == "int_gh" and github["clerkOrgId"] == "org_1"
            assert github["workspaceId"] == "ws" and github["depth"] == 7
            assert github["entityTypes"] == ["issue", "pull_request", "release"]
            notes = " ".join(f"{m.notification.message}" for m in seen.of(Notify))
            assert EVENT_KEY not in app.export_screenshot() + notes

    asyncio.run(scenario())


def test_a_plain_http_base_url_to_another_machine_is_said_in_the_forms_words(
    tmp_path: Path,
) -> None:
    """The event key rides in the request path: plain http to another machine is refused
    before anything is sent, on the export form and in the trigger dialog, each naming the
    form's field (not the CLI's ``--url``)."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await _inngest_form(pilot, "http://events.example.com")
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(Notify))
            said = seen.of(Notify)[-1].notification.message
            assert "the base URL is plain http to events.example.com" in said, said

            _set(screen, "#clerk-org", "org_1")
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: isinstance(app.screen, TriggerScreen))
            modal = app.screen
            _set(modal, "#trigger-integration-0", "int_gh")
            _set(modal, "#trigger-user-source-0", "us_gh")
            await pilot.press("ctrl+r")
            panel = modal.query_one("#trigger-plan", Label)
            await wait_until(pilot, lambda: "failed" in str(panel.content))
            shown = str(panel.content)
            assert "the base URL is plain http" in shown and "--url" not in shown, shown
            assert EVENT_KEY not in app.export_screenshot()

    asyncio.run(scenario())


def test_quitting_while_send_retries_asks_then_stops_it_and_says_what_was_sent(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """ctrl+q during the dialog's Send asked nothing, then waited out its retries (minutes)
    on a blank screen and exited 0 saying nothing (a fresh tester's finding). Quitting now
    asks, as during an export; yes stops the send in its retry wait, the app exits 1, and
    the line printed on closing says how many events were sent. Before that, the dialog
    says the retry it is waiting for and why."""
    inngest.always = Answer(503, retry_after="30")  # each try waits 30 s before the next
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            modal = await _trigger_dialog(pilot, inngest.url)
            _set(modal, "#trigger-integration-0", "int_gh")
            _set(modal, "#trigger-user-source-0", "us_gh")
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(TriggerPlanned))
            await _press(pilot, "#trigger-send")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: len(inngest.requests) >= 1)  # now in its retry wait
            # The wait is said, not sat through in silence (it was: minutes of "Sending…").
            said = modal.query_one("#trigger-plan", Label)
            await wait_until(pilot, lambda: "retry 1 of 5 in 30.0s" in str(said.content))
            assert "answered 503" in str(said.content), said.content
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            question = str(app.screen.query_one("#quit-text", Label).content)
            assert "A trigger to Inngest at" in question and "0 of 1 sent so far" in question
            await answer(pilot, "y")
            await wait_for_exit(app, timeout=20)  # not the 30 s retry wait, nor six of them

    asyncio.run(scenario())
    assert app.return_code == 1
    assert app.quit_export_line is not None
    assert "stopped: 0 events were sent and recorded" in app.quit_export_line
    assert len(inngest.requests) == 1 and not inngest.events
