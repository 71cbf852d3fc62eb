"""The connect screen as a stranger meets it (a fresh tester's findings on `backfill-tui demo` at
80x24): the estimate panel named the CLI's ``--simulate``; "Record to" was not checked as typed;
a run recorded from the app never said where its recording went; the demo estimated again on
visits to the screen after a run, and beside a run."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    Recorder,
    _Held,
    cancel_the_run,
    connect_screen,
    drawn,
    held_environment,
    make_app,
    paced_environment,
    populate,
    settle,
    wait_until,
)
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Input, Label

from backfill_tui.clock import SystemClock
from backfill_tui.engine.environment import Environment
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.host import DemoSetup
from backfill_tui.screens.messages import EstimateReady, RunEnded, RunLaunched
from backfill_tui.widgets.reflow_log import ReflowLog

SOURCE = "github:acme/rocket"


def _notices(seen: Recorder, title: str) -> list[str]:
    return [m.notification.message for m in seen.of(Notify) if m.notification.title == title]


def test_the_estimate_of_a_source_without_a_token_names_no_cli_flag(tmp_path: Path) -> None:
    environment = Environment(clock=SystemClock(), env={})  # live, no token anywhere
    app = make_app(tmp_path, environment=environment, demo=DemoSetup("ws", (SOURCE,)))
    seen = Recorder()

    async def scenario() -> None:
        # 120 columns: below, the line is cut before its end (``_source_line``)
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady), timeout=30)
            screen = await connect_screen(pilot)
            text = str(screen.query_one("#estimate-summary", Label).render())
            assert "no GitHub token" in text, text
            assert "--simulate" not in text, text
            assert "or try `backfill-tui demo`" in text, text

    asyncio.run(scenario())
    app.mirror.close()


async def _type_record_to(pilot: Pilot[Any], screen: ConnectScreen, text: str) -> Label:
    field = screen.query_one("#record-to", Input)
    field.value = text
    await pilot.pause()
    return screen.query_one("#record-hint", Label)


def test_record_to_is_checked_as_typed_with_the_checks_start_makes(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    (tmp_path / "a-file").write_text("x")

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await connect_screen(pilot)
            cases = {
                str(tmp_path): f"Record to {tmp_path} is a folder; give a file path",
                f"{tmp_path}/": f"Record to {tmp_path}/ names a folder; give a file path",
                str(app.mirror.path): f"Record to {app.mirror.path} is the mirror in use",
                f"{app.mirror.path}-wal": "is the mirror's wal file in use",
                str(tmp_path / "a-file" / "x.rec.gz"): f"{tmp_path / 'a-file'} is a file, not a",
                str(tmp_path / "a-file"): "already exists and is not overwritten",
            }
            for typed, said in cases.items():
                hint = await _type_record_to(pilot, screen, typed)
                text = " ".join(str(hint.render()).split())
                assert said in text, (typed, text)
                assert "--record" not in text, text  # the field's name, not the CLI's flag
                assert hint.display and hint.has_class("-invalid"), typed
                assert hint.region.height > 0, typed  # on view, under the field
            hint = await _type_record_to(pilot, screen, str(tmp_path / "new" / "run.rec.gz"))
            text = " ".join(str(hint.render()).split())
            assert text == f"folder {tmp_path / 'new'} does not exist yet: made when the run starts"
            assert hint.display and not hint.has_class("-invalid")
            hint = await _type_record_to(pilot, screen, str(tmp_path / "run.rec.gz"))
            assert not hint.display  # a path it takes: nothing to say
            hint = await _type_record_to(pilot, screen, "")
            assert not hint.display

    asyncio.run(scenario())
    app.mirror.close()


@pytest.mark.parametrize("cancel", [False, True], ids=["completed", "cancelled"])
def test_a_run_recorded_in_the_app_says_where_its_recording_is(
    tmp_path: Path, cancel: bool
) -> None:
    # held below the recording (which takes the place of ``held_environment``'s wrapper)
    environment, released = paced_environment(latency=0.0), threading.Event()
    assert environment.simulator is not None
    environment.transport = _Held(environment.simulator.transport, released)
    app = make_app(tmp_path, environment=environment)
    seen = Recorder()
    rec = tmp_path / "new" / "acme.rec.gz"

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            screen = await connect_screen(pilot)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source(SOURCE)
            screen.query_one("#record-to", Input).value = str(rec)
            await pilot.pause()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunLaunched))
            if cancel:
                await cancel_the_run(pilot)
            released.set()
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            assert seen.of(RunEnded)[0].status == ("cancelled" if cancel else "completed")
            await settle(pilot)
            said = _notices(seen, "Recorded")
            assert len(said) == 1, said
            assert f"to {rec}; replay it offline: press o under Runs (F5)" in said[0], said
            dashboard = app.screen
            assert isinstance(dashboard, DashboardScreen)
            assert app.session is not None
            log = [line.plain for line in dashboard.query_one(ReflowLog)._source]
            assert f"to {rec}; replay it offline" in log[-1], log  # after the run's end
            await drawn(pilot)
            await pilot.press("f2")  # back on the form: the field was cleared as the run
            await drawn(pilot)  # started (it named a recording; Start would refuse it now)
            assert app.screen.query_one("#record-to", Input).value == ""
            assert str(app.screen.query_one("#record-hint", Label).render()) == ""
            await pilot.press("ctrl+s")  # and the next run starts, unrecorded
            await wait_until(pilot, lambda: len(seen.of(RunLaunched)) == 2)

    asyncio.run(scenario())
    assert rec.is_file()
    app.mirror.close()


async def _visit(pilot: Pilot[Any]) -> None:
    """F3, then F2 once the dashboard is drawn (keys typed before a screen is drawn are dropped:
    ``screens/key_order.py``), until the connect screen is drawn."""
    await pilot.press("f3")
    await drawn(pilot)
    await pilot.press("f2")
    await drawn(pilot)
    assert isinstance(pilot.app.screen, ConnectScreen)


def test_the_demo_estimates_once_and_never_beside_a_run(tmp_path: Path) -> None:
    environment, released = held_environment()  # its estimate, and then the run, wait
    app = make_app(tmp_path, environment=environment, demo=DemoSetup("demo", (SOURCE,)))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            summary = screen.query_one("#estimate-summary", Label)
            assert str(summary.render()).startswith("Estimating")  # held: still going
            await pilot.press("ctrl+s")  # started before it ended
            await wait_until(pilot, lambda: seen.of(RunLaunched))
            await wait_until(pilot, lambda: not any(w.group == "estimate" for w in app.workers), 10)
            await drawn(pilot)
            await pilot.press("f2")
            await drawn(pilot)
            text = str(summary.render())
            assert text == "Estimate stopped: a run started. Press ctrl+e once it ends.", text
            await pilot.press("ctrl+e")  # asked while the run goes: refused, said
            await pilot.pause()
            assert _notices(seen, "Not estimated"), seen.of(Notify)
            assert not any(w.group == "estimate" for w in app.workers)
            released.set()
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await _visit(pilot)  # visits after the run: no estimate by itself
            await settle(pilot)
            assert not seen.of(EstimateReady)
            # "once it ends" no longer, once it has (a fresh tester's finding)
            text = str(summary.render())
            assert text == "A run has changed the mirror since: press ctrl+e to estimate again."
            await pilot.press("ctrl+e")  # asked for: made
            await wait_until(pilot, lambda: seen.of(EstimateReady), timeout=30)
            await _visit(pilot)
            await settle(pilot)
            assert len({id(m.estimate) for m in seen.of(EstimateReady)}) == 1

    asyncio.run(scenario())
    app.mirror.close()


def test_a_restart_remembers_the_last_runs_sources_and_depth_with_its_workspace(
    tmp_path: Path,
) -> None:
    """The app started again on the same mirror brings back the last run's workspace, its
    sources and its depth: a run of 90 days came back as 30 (a fresh tester's finding)."""
    first = make_app(tmp_path)
    populate(first, SOURCE, "linear:ENG", workspace="acme", days=90)
    first.mirror.close()
    app = make_app(tmp_path)  # the app started again on the same mirror

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await connect_screen(pilot)
            await wait_until(pilot, lambda: screen.cards(), 10)
            assert screen.query_one("#workspace", Input).value == "acme"
            assert [str(card.spec) for card in screen.cards()] == [SOURCE, "linear:ENG"]
            assert screen.depth == 90
            request = screen.build_request()  # ready: ctrl+s starts it again
            assert request.workspace == "acme" and request.depth == 90

    asyncio.run(scenario())
    app.mirror.close()
