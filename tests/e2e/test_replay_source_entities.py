"""A run whose sources have their own entity choices (the app's per-source checkboxes: push
unticked under github:acme/rocket) replayed with every entity of the source: its push stream
asked what the recording never held and failed, and the replay ended partial where the run had
completed; ``report`` said "Entities: all" (a tester's finding). The recording's header keeps
each source's own choice (``RunParameters.source_entities``), a replay plans those streams,
and the report names them. On the simulator; nothing of ours is mocked."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from app_support import sim_environment
from support import run_cli

from backfill_tui.engine.recording import Recorder, Replay
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.recording.fileformat import peek_header
from backfill_tui.store import Mirror

OWN = frozenset({"pull_request", "issue", "release"})  # push unticked


def test_a_replay_plans_the_streams_each_source_chose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec, db = tmp_path / "own.rec.gz", tmp_path / "m.db"
    github = dataclasses.replace(SourceSpec.parse("github:acme/rocket"), entities=OWN)
    request = RunRequest("ws", (github, SourceSpec.parse("vercel:acme/rocket-web")), 7, None, 200)
    environment = sim_environment("")
    mirror = Mirror.open(db)
    try:
        engine = Engine(mirror, environment)
        recorder = Recorder(rec)
        run = engine.plan(recorder.planned(request))
        engine.subscribe(recorder.observe)
        with recorder.recording(environment, run):
            assert asyncio.run(engine.run(run.id)) == "completed"
        recorded = {s.key for s in mirror.streams(run.id)}
        with Replay.open(rec) as replay:
            replayed = replay.plan(Engine(mirror, replay.environment()))
            engine = Engine(mirror, replay.environment())
            assert asyncio.run(engine.run(replayed.id)) == "completed"
        assert {s.key for s in mirror.streams(replayed.id)} == recorded
        assert "github:acme/rocket/push" not in recorded and len(recorded) == 4
    finally:
        mirror.close()
    header = peek_header(rec)
    assert header is not None and header.run.source_entities == {
        "github:acme/rocket": tuple(sorted(OWN))
    }
    report = run_cli(capsys, "report", replayed.id, "--db", str(db))
    assert report.code == 0, report.err
    line = next(x for x in report.out.splitlines() if x.startswith("| Entities"))
    assert "github:acme/rocket: issue, pull_request, release; the other sources: all" in line, line
