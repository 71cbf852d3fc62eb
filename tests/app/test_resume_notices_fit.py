"""The notices `r` gives on the dashboard show whole at 80x24 (a fresh tester's finding: "Nothing
to retry" on a replay that ran to its recording's end was cut after "mend the cause and record
a new", so it never said how). Its notice leaves out why (the dashboard shows each stream's
reason); the ones naming a recording's path ("Cannot resume", "Not recorded") have the width
the streams table gives them, and "Cannot resume" names the app's key, not the CLI's `replay`
command with the path and --db again. Each run is made before the app opens it, as a run of an
earlier session: the notices of its making are not up."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

from app_support import Recorder, make_app, runs_on, settle, sim_environment, wait_until
from screen_text import region_text
from support import run_cancelled_after_a_page
from test_app_replay_partial_retry import _record, _record_partial, _replay_elsewhere
from test_app_replay_retry_reason import _record_cancelled
from textual.pilot import Pilot
from textual.widgets._toast import Toast

from backfill_tui.engine.recording import Recorder as RunRecorder
from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.messages import RunEnded
from backfill_tui.store import Mirror

SIZE = (80, 24)
SOURCE = "github:acme/rocket"
#: A customer's recording in a support ticket's folder: with pytest's own folder, a path of
#: about 100 characters.
RECORDING = Path("ACME-4711", "acme-prod-2026-12-02.rec.gz")


async def _notice_whole(pilot: Pilot[Any], title: str) -> str:
    """Wait for the notice titled ``title``; its words, once every one of them is on the
    screen in its place (letters compared without spaces: a path wraps mid-word)."""
    app = pilot.app

    def toast() -> Toast | None:
        return next((t for t in app.screen.query(Toast) if t._notification.title == title), None)

    await wait_until(pilot, lambda: toast() is not None)
    await pilot.pause()
    found = toast()
    assert found is not None
    message = found._notification.message
    shown = region_text(app, found).replace("▌", "")
    assert "".join(message.split()) in "".join(shown.split()), (message, shown)
    return message


def _retried(
    tmp_path: Path,
    run_id: str,
    title: str,
    seen: Recorder | None = None,
    log: list[str] | None = None,
) -> str:
    """The app on ``tmp_path``'s mirror at 80x24, `r` on ``run_id`` under Runs: the words of
    the notice titled ``title``, checked whole on the screen; ``log``: given the dashboard's
    log lines once the retry has ended."""
    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen, notifications=True) as pilot:
            await runs_on(pilot, run_id)
            await pilot.press("r")
            message = await _notice_whole(pilot, title)
            if seen is not None:  # a retry went: its end waited for
                await wait_until(pilot, lambda: seen.of(RunEnded))
            if log is not None:
                await pilot.press("f3")
                await settle(pilot)
                log.extend(str(line) for line in app.screen.query_one("#log")._source)
            return message

    return asyncio.run(scenario())


def test_nothing_to_retry_on_a_replay_stopped_where_its_recording_ends_shows_whole(
    tmp_path: Path,
) -> None:
    rec = _record_cancelled(tmp_path)
    mirror = Mirror.open(tmp_path / "mirror.db")
    with Replay.open(rec) as replay:
        engine = Engine(mirror, replay.environment())
        run_id = replay.plan(engine).id
        assert asyncio.run(engine.run(run_id)) == "cancelled"
    mirror.close()
    message = _retried(tmp_path, run_id, "Nothing to retry")
    assert message.startswith(f"run {run_id} replayed all its recording holds; "), message
    assert message.endswith("or record a new run with Record to on the connect screen"), message


def test_nothing_to_retry_on_a_replay_that_failed_as_its_recording_did_shows_whole(
    tmp_path: Path,
) -> None:
    run_id = _replay_elsewhere(_record_partial(tmp_path), tmp_path / "mirror.db")
    assert _retried(tmp_path, run_id, "Nothing to retry") == (
        f"run {run_id} replayed all its recording holds and would meet the same failures "
        "again; mend the cause and record a new run with Record to on the connect screen"
    )


def test_cannot_resume_a_replay_whose_recording_moved_shows_whole(tmp_path: Path) -> None:
    """A replay whose process died (so `r` may go on) from a recording since moved away."""
    (tmp_path / RECORDING.parent).mkdir()
    request = RunRequest("ws", (SourceSpec.parse(SOURCE),), 7)
    rec = _record(tmp_path, str(RECORDING), request, "completed")
    mirror = Mirror.open(tmp_path / "mirror.db")
    with Replay.open(rec) as replay:
        run_id = replay.plan(Engine(mirror, replay.environment())).id
    dead = subprocess.Popen(["true"])
    dead.wait()
    mirror.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
    mirror.close()
    rec.rename(tmp_path / "elsewhere.rec.gz")
    message = _retried(tmp_path, run_id, "Cannot resume")
    assert message.startswith(f"run {run_id} was replayed from {rec}"), message
    assert message.endswith(
        "put the recording back there and resume, or replay it from where it is now as a new "
        "run: press o under Runs (F5) and give its path"
    ), message


def test_not_recorded_on_retrying_a_run_recorded_to_a_long_path_shows_whole(
    tmp_path: Path,
) -> None:
    """A run recorded (as Record to records it) and cancelled after its first page."""
    (tmp_path / RECORDING.parent).mkdir()
    rec = tmp_path / RECORDING
    environment = sim_environment("scale=2")
    mirror = Mirror.open(tmp_path / "mirror.db")
    engine = Engine(mirror, environment)
    recorder = RunRecorder(rec)
    request = RunRequest("ws", (SourceSpec.parse(SOURCE),), 30, frozenset({"push"}))
    run = engine.plan(RunRecorder.request_for(request), recorded_to=rec)
    engine.subscribe(recorder.observe)
    with recorder.recording(environment, run):
        run_cancelled_after_a_page(engine, run.id)
    mirror.close()
    log: list[str] = []
    message = _retried(tmp_path, run.id, "Not recorded", Recorder(), log)
    assert message.startswith(f"run {run.id} was recorded to {rec.resolve()} until"), message
    assert message.endswith("to record the whole run, start a new one with Record to"), message
    # and in the run's log, which stays (the notice alone went by unseen: a tester's finding)
    assert any(message.split(";")[0] in " ".join(line.split()) for line in log), log
