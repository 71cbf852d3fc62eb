"""The export panel after an export tells what happened in the order it happened: a cancelled
export never reads "Exported" above "Cancelled", and the last line is how it ended (issue 12's
leftovers). Against the Inngest stub over HTTP (tests/inngest_stub.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, make_app, populate, settle, wait_until
from inngest_stub import FakeInngest
from screen_text import region_text
from textual.widgets import Input, RadioButton

from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.export_parts import ExportFailed, ExportFinished, ExportPlanned


def _lines(app: object, screen: ExportScreen) -> list[str]:
    panel = screen.query_one("#plan-panel")
    return [line.strip(" │╭╮╰╯─") for line in region_text(app, panel).splitlines()]


def test_a_cancelled_export_ends_the_panel_with_cancelled(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await pilot.press("f6")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            screen.query_one("#kind-inngest", RadioButton).value = True
            await wait_until(pilot, lambda: screen.kind == "inngest")
            screen.query_one("#event-key", Input).value = "evtkey-order-1"
            screen.query_one("#base-url", Input).value = inngest.url
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)
            plan = seen.of(ExportPlanned)[0].plan
            # Cancel before the first batch: the worker's thread cannot start before this
            # block yields to the loop, so the cancel is seen at the first batch's check.
            screen.apply(plan)
            assert screen.cancel_event is not None
            screen.cancel_event.set()
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            assert seen.of(ExportFinished)[0].result.cancelled
            lines = [line for line in _lines(app, screen) if line]
            text = "\n".join(lines)
            assert "Exported" not in text, text
            # how it ended comes last, in full (the panel scrolls to it at 80x24)
            last = max(i for i, line in enumerate(lines) if line.startswith("Cancelled:"))
            assert " ".join(text.split()).endswith("Export again to send the rest."), text
            assert not any(line.startswith(("Done:", "Dry run:")) for line in lines[last:])
            assert inngest.received == 0

    asyncio.run(scenario())


def test_a_finished_export_ends_the_panel_with_done(tmp_path: Path, inngest: FakeInngest) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await pilot.press("f6")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            screen.query_one("#kind-inngest", RadioButton).value = True
            await wait_until(pilot, lambda: screen.kind == "inngest")
            screen.query_one("#event-key", Input).value = "evtkey-order-2"
            screen.query_one("#base-url", Input).value = inngest.url
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)
            screen.apply(seen.of(ExportPlanned)[0].plan)
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            lines = [line for line in _lines(app, screen) if line]
            text = "\n".join(lines)
            assert "Nothing was written" not in text and "Cancelled" not in text, text
            last = max(i for i, line in enumerate(lines) if line.startswith("Done:"))
            assert " ".join(text.split()).endswith(")."), text
            assert all("Cancelled" not in line for line in lines[last:])

    asyncio.run(scenario())
