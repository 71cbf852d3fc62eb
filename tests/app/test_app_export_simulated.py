"""The export screen (F6) says when the observations came from the built-in simulator, as the
CLI does: a fresh tester exported 1,741 made-up demo observations to production unwarned. The
dry-run panel says so second, before its figures; the confirmation asks "Export simulated
data?" and its button is named so (the CLI refuses them without --include-simulated). Against
the Inngest stub over HTTP (tests/inngest_stub.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from app_support import Recorder, answer, inngest_dry_run, make_app, populate, wait_until
from inngest_stub import FakeInngest
from screen_text import region_text
from textual.widgets import Button, Label

from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.export_parts import ExportFailed, ExportFinished

SIZE = (80, 24)
NOTE = "came from the built-in simulator (simulated runs), not from the providers"


def _panel(app: Any, screen: ExportScreen) -> str:
    """The panel's words as shown (its scrolled view), one line, its side borders left out."""
    text = region_text(app, screen.query_one("#plan-panel")).replace("│", " ")
    return " ".join(text.strip(" ╭╮╰╯─").split())


def _dialog(app: Any) -> tuple[str, str, str]:
    """The confirmation's title, question and yes button, as shown."""
    dialog = app.screen
    assert isinstance(dialog, ConfirmScreen)
    question = str(dialog.query_one("#confirm-text", Label).content)
    yes = str(dialog.query_one("#yes", Button).label)
    return str(dialog.query_one("#confirm-dialog").border_title), question, yes


def test_simulated_observations_are_said_on_the_panel_and_in_the_confirmation(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    total = len(app.mirror.source_ids("ws"))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await inngest_dry_run(pilot, inngest.url, seen)
            assert not seen.of(ExportFailed)
            panel = _panel(app, screen)
            assert f"Note: all {total} observations are the built-in simulator's made-up data." in (
                panel
            ), panel
            # Said before the figures, not under them.
            assert panel.index("Note: ") < panel.index("in the mirror"), panel
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            title, question, yes = _dialog(app)
            assert title == "Export simulated data?"
            assert question.startswith(f"All {total} observations to export {NOTE}; "), question
            assert yes == "Export simulated data (y)"
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(ExportFinished) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed)
            assert len(inngest.events) == total

    asyncio.run(scenario())
    _live_observations_are_exported_as_before(tmp_path / "live", inngest)


def _live_observations_are_exported_as_before(tmp_path: Path, inngest: FakeInngest) -> None:
    """Nothing is said of observations a live run fetched (and their dialog is as it was)."""
    tmp_path.mkdir()
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    with sqlite3.connect(app.mirror.path) as conn:  # as if fetched from Linear itself
        conn.execute("UPDATE runs SET simulate = 0")
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await inngest_dry_run(pilot, inngest.url, seen)
            assert not seen.of(ExportFailed)
            assert "simulat" not in _panel(app, screen)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            title, question, yes = _dialog(app)
            assert (title, yes) == ("Export?", "Export (y)")
            assert "simulat" not in question
            await answer(pilot, "n")

    asyncio.run(scenario())
