"""The observations, runs and export screens are built ahead while the app is idle (screens/ahead.py,
issue 12 item 11): the first F4, F5 and F6 swap to a screen already loaded; nothing is built while a
run is going; a headless app builds nothing unless asked."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import paced_environment, populate, settle, sim_environment, wait_until
from textual.widgets import DataTable, Input

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.store import Mirror


def test_f4_f5_and_f6_open_the_screens_built_ahead_with_their_rows(tmp_path: Path) -> None:
    app = BackfillApp(Mirror.open(tmp_path / "m.db"), sim_environment(), screens_ahead=True)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(pilot, lambda: app.screens_ahead.done)
            assert isinstance(app.screen, ConnectScreen)  # what the user sees never moved
            built = app._screen_stacks["observations"][0]
            runs = app._screen_stacks["runs"][0]
            export = app._screen_stacks["export"][0]
            assert isinstance(export, ExportScreen)
            assert isinstance(built, ObservationsScreen) and built.shown > 0
            assert isinstance(runs, RunsScreen) and len(runs.lines) == 1
            rows = built.query_one("#observations", DataTable).row_count

            await pilot.press("f4")
            await settle(pilot)
            assert app.screen is built
            assert built.query_one("#observations", DataTable).row_count == rows
            assert f"{rows} observations" in str(built.query_one("#obs-count").render())
            await pilot.press("f5")
            await settle(pilot)
            assert app.screen is runs and runs.query_one("#runs", DataTable).row_count == 1
            # the export screen last (its first F6 took ~0.75 s idle: a tester's finding)
            await pilot.press("f6")
            await settle(pilot)
            assert app.screen is export
            assert export.query_one("#export-workspace", Input).value == "ws"

    asyncio.run(scenario())


def test_nothing_is_built_ahead_while_a_run_is_going(tmp_path: Path) -> None:
    app = BackfillApp(
        Mirror.open(tmp_path / "m.db"), paced_environment(latency=0.4), screens_ahead=True
    )

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=7)
            assert app.plan_and_start(request) is not None
            built_while_running: list[str] = []

            def run_over() -> bool:
                if app.running:
                    built_while_running.extend(
                        m for m in ("observations", "runs") if m in app._screen_stacks
                    )
                return not app.running

            await wait_until(pilot, run_over)
            assert built_while_running == []
            await wait_until(pilot, lambda: app.screens_ahead.done)
            assert isinstance(app._screen_stacks["observations"][0], ObservationsScreen)

    asyncio.run(scenario())


def test_a_headless_app_builds_nothing_ahead_unless_asked(tmp_path: Path) -> None:
    app = BackfillApp(Mirror.open(tmp_path / "m.db"), sim_environment())

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(1.5)  # past the moment a terminal app starts building
            assert "observations" not in app._screen_stacks
            assert not app.screens_ahead.done

    asyncio.run(scenario())
