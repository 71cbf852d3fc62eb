"""The app's "Record to" never replaces a file either: a path another run is recording to is
refused as the run starts ("Cannot start", no run made), and a file that appears at the path
while the app's run records stays as it was, the recording going beside it with a notice
saying where (a fresh tester's finding, headless: the finished recording was renamed over
whatever stood at its path by then, and nothing said so).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, Recorder, make_app, paced_environment, wait_until
from support import recording_elsewhere, stop_recording_elsewhere
from textual.notifications import Notify
from textual.widgets import Input

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.recording import read_recording
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.messages import RunEnded, RunLaunched

SOURCE = "github:acme/rocket"


def test_a_path_another_run_records_to_is_refused_as_the_run_starts(
    tmp_path: Path, anchor: str
) -> None:
    app = make_app(tmp_path)
    seen = Recorder()
    rec = tmp_path / "same.rec.gz"

    async def scenario(pid: int) -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source(SOURCE)
            screen.query_one("#record-to", Input).value = str(rec)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(Notify))
            note = seen.of(Notify)[0].notification
            assert note.title == "Cannot start", note
            assert note.message == (
                f"Record to {rec} is already being recorded to by another run (process {pid}) "
                "and is not overwritten: choose another file"
            )
            assert not seen.of(RunLaunched) and not app.mirror.list_runs()

    with recording_elsewhere(tmp_path, rec, anchor) as first:
        asyncio.run(scenario(first.pid))
        code, _ = stop_recording_elsewhere(first)
    assert code == 1
    assert read_recording(rec).header.run.workspace == "first"  # the first run's, in place


def test_a_file_that_appears_while_the_app_records_stays_and_the_recording_goes_beside_it(
    tmp_path: Path,
) -> None:
    # each request takes a second: the file below is made long before the run can end
    app = make_app(tmp_path, environment=paced_environment(latency=1.0))
    seen = Recorder()
    rec = tmp_path / "sync.rec.gz"
    kept = tmp_path / "sync-2.rec.gz"
    request = RunRequest(workspace="ws", sources=(SourceSpec.parse(SOURCE),), depth=30)

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(request, record_to=str(rec))
            assert run_id is not None
            rec.write_text("my notes\n")  # another process's file, made meanwhile
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "completed"
            notes = [m.notification for m in seen.of(Notify)]
            assert [(n.title, n.message) for n in notes if n.severity != "information"] == [
                (
                    "Recording kept aside",
                    f"Record to {rec} already exists (it appeared while this run was recorded) "
                    f"and is not overwritten: this run's recording is kept at {kept}; replay "
                    "that file",
                )
            ]
            return run_id

    run_id = asyncio.run(scenario())
    assert rec.read_text() == "my notes\n"
    recording = read_recording(kept)
    assert recording.header.run_id == run_id and recording.exchanges
    run = app.mirror.get_run(run_id)
    assert run is not None and run.recorded_to == str(kept)
    assert not list(tmp_path.glob(".sync.rec.gz.*"))
