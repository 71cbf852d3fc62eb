"""The "Trigger in production" dialog (a fresh tester's findings): a dry run's answer does not
outlive the inputs it saw ("not sent: github:acme/rocket: no integrationId" stayed after the id
was typed, until ctrl+r), and the dialog says where Send's event key comes from (the export
form, else INNGEST_EVENT_KEY as `trigger` takes it) or, with none, keeps Send off saying why."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app_support import SIZE, Recorder, make_app, populate, sim_environment, wait_until
from textual.widgets import Button, Input, Label

from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.trigger import TriggerPlanned, TriggerScreen


def _text(modal: Any, selector: str) -> str:
    return " ".join(str(modal.query_one(selector, Label).content).split())


async def _open(pilot: Any) -> TriggerScreen:
    app = pilot.app
    await pilot.press("f6")
    assert isinstance(app.screen, ExportScreen)
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(app.screen, TriggerScreen))
    await pilot.pause()
    modal = app.screen
    assert isinstance(modal, TriggerScreen)
    return modal


async def _dry_run_filled(pilot: Any, modal: TriggerScreen, seen: Recorder) -> None:
    """Fill the org and GitHub's two ids, and dry-run: its answer is in."""
    for selector, value in (
        ("#trigger-org", "org_1"),
        ("#trigger-integration-0", "int_gh"),
        ("#trigger-user-source-0", "us_gh"),
    ):
        modal.query_one(selector, Input).value = value
    await pilot.press("ctrl+r")
    await wait_until(pilot, lambda: seen.of(TriggerPlanned))
    await pilot.pause()


def test_an_edit_after_the_dry_run_marks_its_answer_stale(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            modal = await _open(pilot)
            modal.query_one("#trigger-org", Input).value = "org_1"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(TriggerPlanned))
            await pilot.pause()
            assert "no integrationId" in _text(modal, "#trigger-plan")
            modal.query_one("#trigger-integration-0").focus()
            await pilot.press(*"int_gh")
            text = _text(modal, "#trigger-plan")
            assert "no integrationId" not in text, text
            assert "changed since the dry run" in text
            assert modal.query_one("#trigger-send", Button).disabled
            await pilot.press(*["backspace"] * 6)  # as the dry run saw them: its answer back
            assert "no integrationId" in _text(modal, "#trigger-plan")

    asyncio.run(scenario())


def test_with_no_event_key_send_stays_off_and_says_why(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            modal = await _open(pilot)
            assert "No event key" in _text(modal, "#trigger-key")
            assert "INNGEST_EVENT_KEY" in _text(modal, "#trigger-key")
            await _dry_run_filled(pilot, modal, seen)
            assert len(seen.of(TriggerPlanned)[-1].plan.to_send) == 1
            assert modal.query_one("#trigger-send", Button).disabled
            assert "Send stays off" in _text(modal, "#trigger-key")

    asyncio.run(scenario())


def test_the_key_from_inngest_event_key_is_named_and_send_is_offered(tmp_path: Path) -> None:
    environment = sim_environment()
    environment.env = {"INNGEST_EVENT_KEY": "evtkey-from-env-7"}
    app = make_app(tmp_path, environment=environment)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            modal = await _open(pilot)
            line = _text(modal, "#trigger-key")
            assert "from INNGEST_EVENT_KEY" in line and "evtkey" not in line
            await _dry_run_filled(pilot, modal, seen)
            assert not modal.query_one("#trigger-send", Button).disabled

    asyncio.run(scenario())
