"""`r` on a replay that ended partial as its recorded run did (a source that is not there: its
streams failed on the recording's 404s) gives the engine's reason in a notice and leaves the
stored run as it was, as the CLI's `resume` refuses it. It ran a retry instead: on the replay
the app had just made, the retry reused its spent answers and each failed stream's reason
became "the recording ends where its run ended partial: ..."; on a replay made elsewhere
(another process, `backfill-tui replay`) it asked the same 404s again and counted the calls (a
tester's findings)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import SIZE, Recorder, make_app, runs_on, sim_environment, wait_until
from support import run_cancelled_after_a_page, run_cli, stored_ids
from textual.notifications import Notify

from backfill_tui.engine.recording import Recorder as RunRecorder
from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.engine.runs import check_resume, resume_environment
from backfill_tui.screens.messages import RunEnded, RunLaunched
from backfill_tui.store import Mirror

SOURCES = ("github:acme/rocket", "github:acme/nope")
MISSING = "GitHub has no /repos/acme/nope (404: Not Found)"


def _record(tmp_path: Path, name: str, request: RunRequest, status: str, config: str = "") -> Path:
    """Record ``request`` on the simulator (``config``) into ``tmp_path/name``; the recorded run
    ends ``status``."""
    rec = tmp_path / name
    environment = sim_environment(config)
    mirror = Mirror.open(tmp_path / "recorded.db")
    engine = Engine(mirror, environment)
    run = engine.plan(RunRecorder.request_for(request))
    recorder = RunRecorder(rec)
    engine.subscribe(recorder.observe)
    with recorder.recording(environment, run):
        assert asyncio.run(engine.run(run.id)) == status
    mirror.close()
    return rec


def _record_partial(tmp_path: Path) -> Path:
    """Record a run of a repository and one that is not there: it ends partial."""
    request = RunRequest("ws", tuple(SourceSpec.parse(s) for s in SOURCES), 30)
    return _record(tmp_path, "partial.rec.gz", request, "partial")


def _replay_elsewhere(rec: Path, db: Path) -> str:
    """Replay ``rec`` into ``db`` before the app opens it (as `backfill-tui replay` does)."""
    mirror = Mirror.open(db)
    try:
        with Replay.open(rec) as replay:
            engine = Engine(mirror, replay.environment())
            run = replay.plan(engine)
            assert asyncio.run(engine.run(run.id)) == "partial"
        return run.id
    finally:
        mirror.close()


Stored = tuple[str, str | None, int | None, list[tuple[str, str, str | None, int]]]


def _stored(db: Path, run_id: str) -> Stored:
    """What a retry would change: the run's status, end and pid, and its streams' statuses,
    reasons and calls."""
    mirror = Mirror.open(db, readonly=True)
    try:
        run = mirror.get_run(run_id)
        assert run is not None
        streams = [(s.key, s.status, s.error, s.api_calls) for s in mirror.streams(run_id)]
        return run.status, run.finished_at, run.pid, streams
    finally:
        mirror.close()


@pytest.mark.parametrize("where", ["in the app", "elsewhere"])
def test_retrying_a_replay_that_failed_as_its_recording_did_is_refused(
    tmp_path: Path, where: str
) -> None:
    rec = _record_partial(tmp_path)
    db = tmp_path / "mirror.db"
    replayed = _replay_elsewhere(rec, db) if where == "elsewhere" else None
    app = make_app(tmp_path)
    seen = Recorder()
    before: list[Stored] = []

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = replayed or app.open_recording(rec)
            assert run_id is not None
            if replayed is None:
                await wait_until(pilot, lambda: seen.of(RunEnded))
                assert seen.of(RunEnded)[0].status == "partial"
            await pilot.pause()
            before.append(_stored(db, run_id))
            launched = len(seen.of(RunLaunched))
            notices = len(seen.of(Notify))
            await runs_on(pilot, run_id)
            await pilot.press("r")
            await wait_until(pilot, lambda: len(seen.of(Notify)) > notices)
            await pilot.pause(0.2)
            assert len(seen.of(RunLaunched)) == launched  # no retry started
            return run_id

    run_id = asyncio.run(scenario())
    notices = [(m.notification.title, m.notification.message) for m in seen.of(Notify)]
    assert (
        "Nothing to retry",
        f"run {run_id} replayed all its recording holds and would meet the same failures again; "
        "mend the cause and record a new run with Record to on the connect screen",
    ) in notices  # the cause is the failed streams' on the dashboard (the CLI's line names it)
    after = _stored(db, run_id)
    assert after == before[0]  # the run, its streams' reasons and calls as the replay left them
    failed = [error for _, status, error, _ in after[3] if status == "failed"]
    assert len(failed) == 4 and all((e or "").startswith(MISSING) for e in failed), after


def test_resume_refuses_a_replay_that_failed_as_its_recording_did(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rec = _record_partial(tmp_path)
    db = tmp_path / "mirror.db"
    run_id = _replay_elsewhere(rec, db)
    before = _stored(db, run_id)
    result = run_cli(capsys, "resume", run_id, "--db", str(db))
    assert result.code == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert (
        f"run {run_id} replayed all its recording holds (github:acme/nope/pull_request"
        in (lines[0])
    )
    assert "resuming it fetches nothing new" in lines[0]
    assert "record a new run with `run ... --record FILE`" in lines[0]
    assert _stored(db, run_id) == before


def test_retrying_a_replay_the_app_cancelled_answers_from_its_recording_anew(
    tmp_path: Path,
) -> None:
    """The app's `r` hands the engine the replay's own environment (``current``): its answers
    were spent, so the resumed stream's first request (the repository lookup) failed with "all
    were used" and the retry stored that as the stream's reason. A replayed run is answered
    from its file anew."""
    request = RunRequest("ws", (SourceSpec.parse(SOURCES[0]),), 30, frozenset({"push"}))
    rec = _record(tmp_path, "six.rec.gz", request, "completed", "scale=3")  # six pages of pushes

    db = tmp_path / "mirror.db"
    mirror = Mirror.open(db)
    try:
        with Replay.open(rec) as replay:
            spent = replay.environment()
            engine = Engine(mirror, spent)
            replayed = replay.plan(engine)

            run_cancelled_after_a_page(engine, replayed.id)
            record = mirror.get_run(replayed.id)
            assert record is not None and record.status == "cancelled"
            check_resume(mirror, record)  # a replay the user stopped may go on
            environment, fresh = resume_environment(record, db, current=spent)  # as the app
            try:
                status = asyncio.run(Engine(mirror, environment).run(replayed.id))
            finally:
                if fresh is not None:
                    fresh.close()
        assert [s.error for s in mirror.streams(replayed.id)] == [None]
        assert status == "completed"
    finally:
        mirror.close()
    assert sorted(stored_ids(db, "ws")) == sorted(stored_ids(tmp_path / "recorded.db", "ws"))
