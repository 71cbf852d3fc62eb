"""The dashboard shows one run after another in one session (issue 12 item 1).

Each way a person reaches a second run is driven here through Pilot: start a run, let it finish
and start another from the connect screen; open one run from the runs screen and then another;
replay a recording or resume a run after a run was shown. The app must not crash (it used to die
with ``DuplicateIds 'column-header'``), the dashboard must show exactly the new run's streams, and
the run left behind keeps its real status (not "interrupted 0/10").
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import (
    SIZE,
    Recorder,
    make_app,
    paced_environment,
    populate,
    recording_prompt,
    sim_environment,
    wait_until,
)
from textual.notifications import Notify
from textual.widgets import DataTable

from backfill_tui.engine.recording import Recorder as RunRecorder
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.app import BackfillApp, DemoSetup
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.help import HelpScreen
from backfill_tui.screens.messages import EstimateReady, RunEnded, RunLaunched
from backfill_tui.screens.runs import RunsScreen, run_lines
from backfill_tui.store import Mirror
from backfill_tui.widgets.run_rows import ColumnHeader, SourceHeader, StreamRow

SOURCE = "github:acme/rocket"


def _shows_only(app: BackfillApp, run_id: str) -> None:
    """The dashboard shows ``run_id``'s streams, once each, under one column header."""
    dashboard = app.screen
    assert isinstance(dashboard, DashboardScreen)
    assert len(dashboard.query(ColumnHeader)) == 1
    keys = [row.key for row in dashboard.query(StreamRow)]
    assert sorted(keys) == sorted(s.key for s in app.mirror.streams(run_id))
    sources = [h.source for h in dashboard.query(SourceHeader)]
    assert sorted(sources) == sorted({s.source for s in app.mirror.streams(run_id)})
    assert f"run {run_id}" in str(dashboard.query_one("#run-title").content)  # type: ignore[attr-defined]


def _statuses(app: BackfillApp) -> dict[str, tuple[str, int, int]]:
    return {
        line.run.id: (line.status, line.streams_done, line.streams)
        for line in run_lines(app.mirror)
    }


async def _settle(pilot: object, app: BackfillApp, run_id: str) -> None:
    await wait_until(
        pilot,  # type: ignore[arg-type]
        lambda: (
            isinstance(app.screen, DashboardScreen)
            and {r.key for r in app.screen.query(StreamRow)}
            == {s.key for s in app.mirror.streams(run_id)}
        ),
    )


def test_finish_a_run_then_start_another_from_connect(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DemoSetup("ws", (SOURCE, "linear:ENG")))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            first = seen.of(RunLaunched)[0].run_id
            await _settle(pilot, app, first)
            _shows_only(app, first)
            await pilot.press("f2")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) >= 2)
            second = seen.of(RunLaunched)[1].run_id
            assert second != first
            await _settle(pilot, app, second)
            _shows_only(app, second)
            statuses = _statuses(app)
            streams = len(app.mirror.streams(first))
            assert statuses[first] == ("completed", streams, streams)
            assert statuses[second] == ("completed", streams, streams)
            # the second run found everything the first stored: every item a duplicate
            assert all(s.new == 0 and s.duplicates == s.fetched for s in app.mirror.streams(second))

    asyncio.run(scenario())


def test_open_one_run_then_another_from_the_runs_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    first = populate(app, SOURCE)
    second = populate(app, "linear:ENG", "vercel:acme/rocket-web")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            for run_id in (first, second, first, second):
                await pilot.press("f5")
                runs = app.screen
                assert isinstance(runs, RunsScreen)
                table = runs.query_one("#runs", DataTable)
                table.move_cursor(row=table.get_row_index(run_id))
                await pilot.press("enter")
                await _settle(pilot, app, run_id)
                _shows_only(app, run_id)
            # quickly, without waiting for the dashboard in between: the last one wins
            for run_id in (first, second, first):
                app.open_run(run_id)
            await _settle(pilot, app, first)
            await pilot.pause()
            _shows_only(app, first)
            assert {s for s, _, _ in _statuses(app).values()} == {"completed"}

    asyncio.run(scenario())


def test_replay_and_resume_after_a_run_was_shown(tmp_path: Path) -> None:
    rec = tmp_path / "elsewhere.rec.gz"
    environment = sim_environment()
    original = Mirror.open(tmp_path / "original.db")
    engine = Engine(original, environment)
    recorded = engine.plan(RunRequest("ws", (SourceSpec.parse(SOURCE),), depth=30))
    with RunRecorder(rec).recording(environment, recorded):
        assert asyncio.run(engine.run(recorded.id)) == "completed"

    app = make_app(tmp_path)
    shown = populate(app, "linear:ENG")
    # a cancelled run to resume: planned, never run
    cancelled = Engine(app.mirror, app.environment).plan(
        RunRequest("ws", (SourceSpec.parse("sentry:acme/rocket"),), depth=30)
    )
    app.mirror.set_run_status(cancelled.id, "cancelled", finished=True)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            app.open_run(shown)
            await _settle(pilot, app, shown)
            _, field = await recording_prompt(pilot)
            field.value = str(rec)
            await pilot.press("enter")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            replayed = seen.of(RunLaunched)[0].run_id
            await _settle(pilot, app, replayed)
            _shows_only(app, replayed)

            await pilot.press("f5")
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            table = runs.query_one("#runs", DataTable)
            table.move_cursor(row=table.get_row_index(cancelled.id))
            await pilot.press("r")
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) >= 2)
            assert seen.of(RunLaunched)[1] == RunLaunched(cancelled.id, True)
            await _settle(pilot, app, cancelled.id)
            _shows_only(app, cancelled.id)
            statuses = _statuses(app)
            assert {statuses[r][0] for r in (shown, replayed, cancelled.id)} == {"completed"}

    asyncio.run(scenario())


def _said(seen: Recorder, words: str) -> bool:
    return any(words in m.notification.message for m in seen.of(Notify))


def test_ctrl_s_on_the_dashboard_shows_the_connect_form_to_start_again(tmp_path: Path) -> None:
    """ctrl+s, the key that started the run, did nothing on the dashboard after it (a user's
    first try at a second run). It now shows the connect screen, whose sources a run starts
    from, and says so; the next ctrl+s starts. During a run it says how to stop it instead;
    under a dialog it leaves the dialog its keys."""
    app = make_app(
        tmp_path, demo=DemoSetup("ws", (SOURCE,)), environment=paced_environment(latency=0.6)
    )
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("ctrl+s")  # the run is going (each page takes 0.6 s)
            await wait_until(pilot, lambda: _said(seen, "c on the dashboard cancels it"))
            assert isinstance(app.screen, DashboardScreen)
            await wait_until(pilot, lambda: seen.of(RunEnded))
            await pilot.press("f1")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConnectScreen))
            assert _said(seen, "press ctrl+s to start")
            assert len(seen.of(RunLaunched)) == 1  # shown, not started unseen
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) >= 2)
            assert len({m.run_id for m in seen.of(RunLaunched)}) == 2

    asyncio.run(scenario())
