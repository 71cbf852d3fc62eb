"""The Runs screen follows a run that is going: its row's counts move and its end shows without
ctrl+r (a fresh tester's finding: a run that had ended 10 s before still read "running 0/10"
until the screen was left or reloaded)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app_support import SIZE, drawn, held_environment, make_app, open_runs, wait_until
from textual.pilot import Pilot

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.app import BackfillApp
from backfill_tui.terms import RunStatus


async def _start(app: BackfillApp, pilot: Pilot[Any]) -> str:
    """A run of github:acme/rocket (7 days) started and its dashboard drawn (keys typed ahead
    of it are dropped); its requests held until the test lets them go."""
    request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=7)
    run = app.plan_and_start(request)
    assert run is not None
    await drawn(pilot)
    return run


def test_a_running_runs_row_shows_its_end_without_a_reload(tmp_path: Path) -> None:
    environment, released = held_environment()
    app = make_app(tmp_path, environment=environment)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            run = await _start(app, pilot)
            screen, table = await open_runs(pilot)

            def status() -> str:
                return str(table.get_row(run)[list(table.columns).index("status")])

            assert status() == RunStatus.RUNNING
            released.set()
            await wait_until(pilot, lambda: status() == RunStatus.COMPLETED, timeout=30)
            assert app.screen is screen  # nothing pressed: the screen listed it again itself
            new = int(str(table.get_row(run)[list(table.columns).index("new")]))
            assert new == app.mirror.count_run_observations(run) > 0

    asyncio.run(scenario())


def test_the_cancel_question_closes_when_its_run_ends_first(tmp_path: Path) -> None:
    """``c`` asks before it cancels; a run that ended while the question was up left it open,
    and its yes then did nothing (a fresh tester's finding). It closes as a no; the end's
    notice says how the run ended."""
    from backfill_tui.screens.confirm import ConfirmScreen
    from backfill_tui.screens.dashboard import DashboardScreen

    environment, released = held_environment()
    app = make_app(tmp_path, environment=environment)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            run = await _start(app, pilot)
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            released.set()
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), timeout=30)
            record = app.mirror.get_run(run)
            assert record is not None and record.status == RunStatus.COMPLETED
            # the end's notice (app.notify posts it: it is in the list once handled)
            await wait_until(
                pilot, lambda: any(f"run {run} completed" in n.message for n in app._notifications)
            )

    asyncio.run(scenario())
