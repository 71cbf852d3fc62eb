"""F6's dry run with a bad Inngest URL is a notice, not a crash (a fresh tester's finding).

A port out of range or an unclosed IPv6 '[' raised ValueError from the export layer, which the
screen's form check did not catch: the app crashed. The export layer now raises its bad-input
error, which the screen shows as a "Not ready" notice; the app stays on the export screen.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from app_support import SIZE, Recorder, make_app, populate
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input

from backfill_tui.screens.export import ExportScreen


async def _paste(pilot: Pilot[Any], selector: str, text: str) -> None:
    await pilot.click(selector)
    pilot.app.screen.query_one(selector, Input).value = text


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://127.0.0.1:99999", "port is not a number from 1 to 65535"),
        ("http://[::1", "IPv6 address lacks the closing ']'"),
    ],
)
def test_a_bad_inngest_url_is_a_notice(tmp_path: Path, url: str, said: str) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f6")
            assert isinstance(app.screen, ExportScreen)
            await pilot.click("#kind-inngest")
            await _paste(pilot, "#event-key", "evtkey-App-9f31-secret")
            await _paste(pilot, "#base-url", url)
            await pilot.press("ctrl+r")
            await pilot.pause()
            notes = [m.notification for m in seen.of(Notify)]
            assert any(said in n.message and n.title == "Not ready" for n in notes), notes
            assert isinstance(app.screen, ExportScreen)  # still there: nothing crashed

    asyncio.run(scenario())
    assert app.return_code in (None, 0)


def test_an_inngest_url_holding_a_key_names_both_fields_and_masks_the_key(tmp_path: Path) -> None:
    """The ingest URL as Inngest's docs show it (``https://inn.gs/e/KEY``) typed as the base
    URL sent every event to ``/e/KEY/e/KEY``; it is a "Not ready" notice naming the base URL to
    type and the event key field, with the key in the URL masked."""
    key_in_url = "evtkey-InTheUrl-App-4410"
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f6")
            assert isinstance(app.screen, ExportScreen)
            await pilot.click("#kind-inngest")
            await _paste(pilot, "#event-key", "evtkey-App-9f31-secret")
            await _paste(pilot, "#base-url", f"https://inn.gs/e/{key_in_url}")
            await pilot.press("ctrl+r")
            await pilot.pause()
            notes = [m.notification for m in seen.of(Notify)]
            said = [n.message for n in notes if n.title == "Not ready"]
            assert any(
                "type https://inn.gs as the base URL and the key in the event key field" in m
                for m in said
            ), notes
            assert all(key_in_url not in m and "--" not in m for m in said), said

    asyncio.run(scenario())
    assert app.return_code in (None, 0)


def test_a_dsn_typed_as_the_workspace_is_not_echoed_and_is_refused(tmp_path: Path) -> None:
    """A DSN typed in the Workspace field showed under "Already exported from workspace
    postgresql://pg:secretpw@…" and in the "Not ready" notice (a tester's finding). Typed key
    by key: pasted, it is cleared at once (test_export_secret_cleared.py); the dry run's "Not
    ready" clears it too (it stayed on screen beside the notice: a fresh tester's finding)."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    seen = Recorder()
    dsn = "postgresql://pg:secretpw@127.0.0.1:55433/prod2"

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f6")
            assert isinstance(app.screen, ExportScreen)
            await _paste(pilot, "#dsn", "postgresql://u@127.0.0.1:5/d")
            await pilot.click("#export-workspace")
            await pilot.press("ctrl+u", *dsn)
            await pilot.pause()
            status = str(app.screen.query_one("#export-status").render())
            assert "Not a workspace id" in status and "secretpw" not in status
            await pilot.press("ctrl+r")
            await pilot.pause()
            notes = [m.notification for m in seen.of(Notify)]
            assert any("was cleared" in n.message for n in notes), notes
            assert app.screen.query_one("#export-workspace", Input).value == ""
            assert all("secretpw" not in n.message for n in notes)
            assert app.focused is not None and app.focused.id == "export-workspace"

    asyncio.run(scenario())
