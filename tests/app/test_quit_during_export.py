"""ctrl+q while an export sends (a fresh tester's finding: F6, Inngest to a slow endpoint,
ctrl+q quit at once, silently, exit 0): it asks first, as during a run; quitting anyway cancels
the export between batches and, once the app has closed, says how many were sent (README: "An
export --apply stopped says how many were sent"), exit 1. Staying, the question follows what is
going: the export ending while it is up says so.

The stand-in for Inngest holds each request until the test lets it go (a slow endpoint); 306
observations go in 4 batches of 100 at most."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from app_support import SIZE, answer, make_app, populate, wait_for_exit, wait_until
from inngest_stub import FakeInngest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label

from backfill_tui.cli.app import app_ended
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.quit import QuitScreen


def _app(tmp_path: Path) -> BackfillApp:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    return app


async def _start_export(pilot: Pilot[object], inngest: FakeInngest) -> ExportScreen:
    """F6, Inngest, its fields, ctrl+s then y: the export is sending its first batch."""
    app = pilot.app
    await pilot.press("f6")
    screen = app.screen
    assert isinstance(screen, ExportScreen)
    await pilot.click("#kind-inngest")
    for selector, value in (
        ("#event-key", "evtkey-quit"),
        ("#base-url", inngest.url),
        ("#clerk-org", "org_q"),
    ):
        screen.query_one(selector, Input).value = value
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await answer(pilot, "y")
    await wait_until(pilot, lambda: len(inngest.requests) == 1)
    return screen


async def _ask_to_quit(pilot: Pilot[object], inngest: FakeInngest) -> ExportScreen:
    """An export sending its first batch (:func:`_start_export`), then ctrl+q: the quit dialog."""
    screen = await _start_export(pilot, inngest)
    await pilot.press("ctrl+q")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QuitScreen))
    return screen


def _stays(app: BackfillApp) -> set[str]:
    """What the dialog's n and escape say (its active keys, as the palette lists them)."""
    keys = app.screen.active_bindings
    return {keys[key].binding.description for key in ("n", "escape")}


def _question(app: BackfillApp) -> str:
    return str(app.screen.query_one("#quit-text", Label).content)


def test_quitting_during_an_export_asks_then_says_how_many_were_sent(
    tmp_path: Path, inngest: FakeInngest, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(tmp_path)
    inngest.gate = threading.Event()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _ask_to_quit(pilot, inngest)
            assert app.is_running
            question = _question(app)
            assert "An export to Inngest" in question and "0 of 306 sent so far" in question
            assert "running the export again (F6) sends the rest" in question
            await answer(pilot, "y")
            inngest.gate.set()  # the batch going lands; none is sent after it
            await wait_for_exit(app)

    asyncio.run(scenario())
    assert app.return_code == 1
    assert len(inngest.requests) == 1 and len(inngest.events) == 100
    capsys.readouterr()
    assert app_ended(app) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("export to Inngest at 127.0.0.1:"), err
    assert err.endswith(
        " stopped: 100 observations were sent and recorded; run the export again to send the rest\n"
    ), err


def test_the_question_follows_an_export_that_ends_while_it_is_up(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    app = _app(tmp_path)
    inngest.gate = threading.Event()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _ask_to_quit(pilot, inngest)
            inngest.gate.set()
            await wait_until(pilot, lambda: not screen.exporting)
            await wait_until(pilot, lambda: "The export has ended" in _question(app))
            await answer(pilot, "n")
            await wait_until(pilot, lambda: app.screen is screen)
            assert len(inngest.events) == 306
            await pilot.press("ctrl+q")  # nothing going: quits at once
            await wait_for_exit(app)

    asyncio.run(scenario())
    assert app.return_code in (0, None)


@pytest.mark.parametrize("keys", ["y twice", "y, ctrl+q, y"])
def test_a_second_yes_starts_no_second_quit(
    tmp_path: Path, inngest: FakeInngest, keys: str
) -> None:
    """A fresh tester's finding: "y" pressed twice quickly in the quit dialog while an export's
    batch was slow started two quit workers. A second "y" before the dialog has gone does
    nothing, and once quitting is under way ctrl+q does not ask again."""
    app = _app(tmp_path)
    inngest.gate = threading.Event()
    quits: list[object] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _ask_to_quit(pilot, inngest)
            dialog = app.screen
            assert isinstance(dialog, QuitScreen)
            if keys == "y twice":  # both read before the dialog is taken down
                dialog.action_answer(True)
                dialog.action_answer(True)
            else:
                await pilot.press("y", "ctrl+q", "y")
            for _ in range(10):
                await pilot.pause(0.05)
                quits.extend(w for w in app.workers if w.group == "quit" and w not in quits)
            assert not isinstance(app.screen, QuitScreen)
            inngest.gate.set()
            await wait_for_exit(app)

    asyncio.run(scenario())
    assert len(quits) == 1, quits
    assert app.return_code == 1


def test_the_quit_dialog_during_an_export_speaks_of_the_export(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """A fresh tester's finding: during an export the dialog's keys said "Keep running" (the
    run's wording: n and escape, in the command palette's keys); they say "Keep exporting", as
    its button does, and "Stay" once the export has ended."""
    app = _app(tmp_path)
    inngest.gate = threading.Event()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _ask_to_quit(pilot, inngest)
            await pilot.pause()
            assert _stays(app) == {"Keep exporting"}
            assert "Keep exporting" in str(app.screen.query_one("#keep", Button).label)
            inngest.gate.set()
            await wait_until(pilot, lambda: "The export has ended" in _question(app))
            await pilot.pause()
            assert _stays(app) == {"Stay"}
            await answer(pilot, "n")
            await wait_until(pilot, lambda: not isinstance(app.screen, QuitScreen))

    asyncio.run(scenario())


def test_quitting_while_a_batch_is_retried_stops_its_retries(
    tmp_path: Path, inngest: FakeInngest, capsys: pytest.CaptureFixture[str]
) -> None:
    """A confirmed quit during an export whose batch was being retried waited out every retry
    (six 30 s timeouts, about three minutes, a frozen screen: a second fresh tester's finding).
    Yes now ends the retry's wait at once: nothing more is tried, and the line says so. While
    it waits, the panel says which retry comes, when, and why."""
    from inngest_stub import Answer

    app = _app(tmp_path)
    inngest.always = Answer(503, retry_after="30")  # each try waits 30 s before the next

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = await _start_export(pilot, inngest)
            # The panel says the retry it waits for and why (it said "Exporting…" for minutes).
            result = screen.query_one("#export-result", Label)
            await wait_until(pilot, lambda: "retry 1 of 5 in 30.0s" in str(result.content))
            assert "Exporting 306 observations…" in str(result.content), result.content
            assert "answered 503" in str(result.content), result.content
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, QuitScreen))
            await answer(pilot, "y")
            await wait_for_exit(app, timeout=20)  # not the 30 s wait, nor six of them

    asyncio.run(scenario())
    assert app.return_code == 1
    assert len(inngest.requests) == 1 and not inngest.events
    capsys.readouterr()
    assert app_ended(app) == 1
    err = capsys.readouterr().err
    assert " stopped: 0 observations were sent and recorded" in err, err


def test_quitting_while_a_silent_server_holds_the_batch_ends_within_the_grace(
    tmp_path: Path, inngest: FakeInngest, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server that takes a batch and never answers held a confirmed quit for the request's
    whole 30 s timeout (a fresh tester's finding). The batch under way now has the grace
    (event_api.STOP_GRACE_S, 2 s) to be answered; then the app exits, the batch not recorded
    as sent (the next export sends it again; Inngest drops the repeat by its id)."""
    app = _app(tmp_path)
    inngest.gate = threading.Event()  # never opened while the app runs

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await _ask_to_quit(pilot, inngest)
            await answer(pilot, "y")
            await wait_for_exit(app, timeout=15)  # not the request's 30 s timeout

    try:
        asyncio.run(scenario())
    finally:
        inngest.gate.set()  # lets the stand-in's handler end
    assert app.return_code == 1
    capsys.readouterr()
    assert app_ended(app) == 1
    err = capsys.readouterr().err
    assert " stopped: 0 observations were sent and recorded" in err, err
