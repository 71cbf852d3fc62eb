"""The engine's front door: the run rules both faces use, each written once.

- the runs overview is one query whatever the number of runs (it was one per run, twice);
- "interrupted" is shown for a run marked running whose process is gone, in both faces;
- resume's preconditions refuse a completed run and a live one, and pass an interrupted one;
- a simulated run resumes on BACKFILL_SIM when it is set, else on its stored settings (the
  CLI's rule; the app ignored BACKFILL_SIM before).
Real runs on the simulator, a real mirror; nothing of ours is mocked.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from support import run_cli, simulated_engine

from backfill_tui.engine.runs import (
    RunCompleted,
    RunStillRunning,
    check_resume,
    resume_environment,
    run_lines,
)
from backfill_tui.errors import UsageError
from backfill_tui.store import Mirror
from backfill_tui.terms import RESUMABLE, RunStatus, StreamCounters

SIM = "seed=3,scale=0.2"
#: A pid no process has (above Linux's pid_max ceiling).
GONE_PID = 4_194_304 + 17


def _three_runs(db: Path) -> list[str]:
    sim = simulated_engine(db, SIM)
    try:
        return [
            sim.run("github:acme/rocket", days=7, max_items=3),
            sim.run("vercel:acme/rocket-web", days=7, max_items=3),
            sim.run("linear:ENG", days=7, max_items=3),
        ]
    finally:
        sim.mirror.close()


def test_the_runs_overview_is_one_query_whatever_the_number_of_runs(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    ids = _three_runs(db)
    mirror = Mirror.open(db, readonly=True)
    statements: list[str] = []
    mirror.conn.set_trace_callback(statements.append)
    try:
        lines = run_lines(mirror, 100)
    finally:
        mirror.conn.set_trace_callback(None)
        streams = {run_id: mirror.streams(run_id) for run_id in ids}
        mirror.close()
    assert [s for s in statements if s.lstrip().upper().startswith("SELECT")] == statements
    assert len(statements) == 1, statements
    assert [line.run.id for line in lines] == ids[::-1]  # newest first
    for line in lines:  # the totals are the streams' own, summed
        own = streams[line.run.id]
        assert line.streams == len(own) > 0
        assert line.streams_done == sum(1 for s in own if s.status == "completed")
        assert (line.new, line.duplicates, line.failed, line.streams_failed) == (
            sum(s.new for s in own),
            sum(s.duplicates for s in own),
            sum(s.failed for s in own),
            sum(1 for s in own if s.status == "failed"),
        )
        assert line.status == RunStatus.COMPLETED and not line.resumable


def test_a_run_whose_process_is_gone_is_interrupted_and_resumable_in_both_faces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "m.db"
    ids = _three_runs(db)
    with sqlite3.connect(db) as conn:  # as a killed process leaves it
        conn.execute("UPDATE runs SET status = 'running', pid = ? WHERE id = ?", (GONE_PID, ids[0]))
    conn.close()
    listed = run_cli(capsys, "runs", "--json", "--db", str(db))
    assert listed.code == 0
    assert {r["run_id"]: r["status"] for r in json.loads(listed.out)}[ids[0]] == "interrupted"
    mirror = Mirror.open(db)
    try:
        line = next(line for line in run_lines(mirror) if line.run.id == ids[0])
        assert line.status == RunStatus.INTERRUPTED and line.resumable
        assert RunStatus.INTERRUPTED in RESUMABLE
        run = mirror.get_run(ids[0])
        assert run is not None
        check_resume(mirror, run)  # an interrupted run may be resumed
        done = mirror.get_run(ids[1])
        assert done is not None
        with pytest.raises(RunCompleted, match="already completed"):
            check_resume(mirror, done)
        mirror.set_run_status(ids[1], RunStatus.RUNNING)  # this process: alive
        live = mirror.get_run(ids[1])
        assert live is not None
        with pytest.raises(RunStillRunning, match="still running"):
            check_resume(mirror, live)
    finally:
        mirror.close()


def test_a_simulated_run_resumes_on_backfill_sim_when_set_else_its_stored_settings(
    tmp_path: Path,
) -> None:
    db = tmp_path / "m.db"
    sim = simulated_engine(db, SIM)
    try:
        request_run = sim.run("github:acme/rocket", days=7, max_items=3)
        run = sim.mirror.get_run(request_run)
        assert run is not None
        run.simulator = "seed=11,latency=0.2"  # what the run stored
        stored, _ = resume_environment(run, db, environ={})
        environ = {"BACKFILL_SIM": "seed=11,faults=0.1"}
        overridden, _ = resume_environment(run, db, environ=environ)
        assert stored.simulator is not None and stored.simulator.config.seed == 11
        assert stored.simulator.config.latency == 0.2
        assert overridden.simulator is not None and overridden.simulator.config.faults == 0.1
        assert overridden.simulator.config.latency == 0.0  # BACKFILL_SIM's, whole
        # Another history is refused: a resume with scale=1 took a scale=20 run's checkpoints
        # into other items and ended "completed" with counts of neither (a tester's finding).
        with pytest.raises(UsageError, match=r"another history \(seed=11\) than BACKFILL_SIM"):
            resume_environment(run, db, environ={"BACKFILL_SIM": "seed=12"})
    finally:
        sim.mirror.close()


def test_records_and_progress_events_share_one_counters_type(tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    sim = simulated_engine(db, SIM)
    seen = []
    sim.engine.subscribe(seen.append)
    try:
        run_id = sim.run("github:acme/rocket", days=7, max_items=3)
        streams = sim.mirror.streams(run_id)
    finally:
        sim.mirror.close()
    finished = {e.stream: e.counters for e in seen if type(e).__name__ == "StreamFinished"}
    for stream in streams:
        assert isinstance(stream.counters, StreamCounters)
        assert finished[stream.key] == stream.counters  # the event's counts are the record's


def test_runs_counts_failed_streams_beside_failed_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run whose repository does not exist fails its four streams with no item failed:
    ``runs`` says so ("failed 4 streams"), and ``runs --json`` carries the count; a completed
    run says nothing of failures."""
    db = tmp_path / "m.db"
    sim = simulated_engine(db, SIM)
    try:
        ok = sim.run("vercel:acme/rocket-web", days=7, max_items=3)
        missing = sim.run("github:acme/nope", days=7, max_items=3)  # the simulator's 404
    finally:
        sim.mirror.close()
    listed = run_cli(capsys, "runs", "--db", str(db))
    assert listed.code == 0
    lines = {line.split()[0]: line for line in listed.out.splitlines()}
    assert "failed 4 streams" in lines[missing], listed.out
    assert "failed" not in lines[ok], listed.out
    out = run_cli(capsys, "runs", "--json", "--db", str(db)).out
    as_json = {r["run_id"]: r for r in json.loads(out)}
    assert (as_json[missing]["streams_failed"], as_json[missing]["failed"]) == (4, 0)
    assert as_json[ok]["streams_failed"] == 0


def test_resume_refuses_a_backfill_sim_of_another_history_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "m.db")
    monkeypatch.setenv("BACKFILL_SIM", "scale=2,clock=virtual")
    made = run_cli(capsys, "run", "github:acme/nope", "--simulate", "--workspace", "w",
                   "--quiet", "--json", "--db", db)  # fmt: skip
    assert made.code == 1  # a 404: unfinished
    run_id = made.summary["run_id"]
    monkeypatch.setenv("BACKFILL_SIM", "scale=1,clock=virtual")
    refused = run_cli(capsys, "resume", run_id, "--db", db, "--quiet")
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert "another history (scale=2.0) than BACKFILL_SIM gives (the defaults)" in refused.err
    monkeypatch.setenv("BACKFILL_SIM", "scale=2,faults=0.1")  # the same history, other faults
    again = run_cli(capsys, "resume", run_id, "--db", db, "--quiet")
    assert again.code == 1 and "another history" not in again.err, again.err


def test_a_replay_is_listed_where_it_was_made_not_at_its_recordings_start(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay starts at its recording's instant, and runs were listed by that start: a replay
    made a moment ago came ninth of 13 (a tester's finding). Newest made first, in ``runs`` and
    in the list the app reads (``Mirror.list_runs``)."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db, rec = tmp_path / "m.db", tmp_path / "a.rec"
    common = ["--simulate", "--quiet", "--days", "7", "--max-items", "3", "--db", str(db)]
    recorded = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--record",
                       str(rec), *common)  # fmt: skip
    assert recorded.code == 0, recorded.err
    time.sleep(1.1)  # a run's start is kept to the second: the next one starts a second later
    later = run_cli(capsys, "run", "vercel:acme/rocket-web", "--workspace", "w", *common)
    assert later.code == 0, later.err
    assert run_cli(capsys, "replay", str(rec), "--quiet", "--db", str(db)).code == 0
    listed = run_cli(capsys, "runs", "--json", "--db", str(db))
    ids = [run["run_id"] for run in json.loads(listed.out)]
    mirror = Mirror.open(db, readonly=True)
    try:
        replay, later_run, recorded_run = mirror.list_runs()
    finally:
        mirror.close()
    assert replay.recording is not None and replay.id == ids[0], ids
    assert replay.started_at < later_run.started_at  # its start is the recording's, not now
    assert replay.started_at == recorded_run.started_at
    assert [later_run.id, recorded_run.id] == ids[1:]
