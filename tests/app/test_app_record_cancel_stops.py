"""A run recorded in the app and cancelled with `c` replays to exactly where it stopped, stream
by stream, even when its recording holds a page the run never stored (a tester's finding: the
replay stored 80 more `push:` observations than the original, and completed a Linear stream the
original cancelled at 100).

The page the run fetched but never stored is the page read ahead (``engine.run._ReadAhead``):
answered, and so recorded, while the pages before it waited for their commit (a stream queues
one page behind the one committing); the cancel came in that wait. Here that wait is made
certain, not left to timing: the test holds the mirror's write lock (another SQLite connection,
as another process would) while page 2 waits to commit and page 3 is answered, presses `c`,
then lets go: what was queued lands, what was read ahead is recorded and never stored.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from app_support import SIZE, Recorder, cancel_the_run, make_app, paced_environment, wait_until
from support import run_cli

from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.messages import RunEnded
from backfill_tui.simulator import Simulator
from backfill_tui.store import Mirror

SOURCE = "github:acme/rocket"


def _pages_answered(simulator: Simulator) -> int:
    """Pages of commits the simulator has answered (page 1 by name, then by the repository id
    its Link header gives)."""
    return sum(1 for request in simulator.requests if request.path.endswith("/commits"))


def test_a_cancelled_recorded_run_replays_to_where_each_stream_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environment = paced_environment("scale=2", latency=1.0)
    simulator = environment.simulator
    assert simulator is not None
    app = make_app(tmp_path, environment=environment)
    seen = Recorder()
    rec = tmp_path / "cancelled.rec.gz"
    request = RunRequest(
        workspace="ws",
        sources=(SourceSpec.parse(SOURCE),),
        depth=30,
        entities=frozenset({"push"}),  # 360 commits: four pages of 100
    )
    lock = sqlite3.connect(app.mirror.path, timeout=30, isolation_level=None)

    started: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(request, record_to=str(rec))
            assert run_id is not None
            started.append(run_id)
            # Page 1 stored, page 2 is being read ahead (1 s away): take the write lock now, so
            # page 2 waits to commit while page 3 is read ahead and answered.
            await wait_until(
                pilot, lambda: any(s.counters.pages >= 1 for s in app.mirror.streams(run_id))
            )
            lock.execute("BEGIN IMMEDIATE")
            try:
                # Page 3 answered and queued behind page 2, page 4 read ahead and answered (so
                # recorded) before the cancel: the most a stopped stream leaves unstored, two
                # pages (fresh-clone CI under load met it; timing alone made it rare).
                await wait_until(pilot, lambda: _pages_answered(simulator) >= 4)
                await pilot.pause(0.2)  # the recording takes the answer on the run's thread
                await cancel_the_run(pilot)  # c, asked first, then y
                await pilot.pause(1.0)  # the cancel reaches the run's thread, which is idle
            finally:
                lock.execute("ROLLBACK")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "cancelled"

    try:
        asyncio.run(scenario())
    finally:
        lock.close()
    original = {
        s.key: (s.status, s.counters.pages, s.counters.new) for s in app.mirror.streams(started[0])
    }
    # Pages 2 and 3 were queued behind the lock (a stream queues its next page behind the one
    # committing): page 2 lands as the lock goes, page 3 with it if the writer had taken it,
    # and page 4, read ahead, is recorded and never stored: the run stopped midway.
    ((status, pages, new),) = original.values()
    assert (status, new) == ("cancelled", 100 * pages) and 2 <= pages < 4, original

    with Replay.open(rec) as replay:
        mirror = Mirror.open(tmp_path / "replayed.db")
        engine = Engine(mirror, replay.environment())
        replayed = replay.plan(engine)
        assert asyncio.run(engine.run(replayed.id)) == "cancelled"
        again = {
            s.key: (s.status, s.counters.pages, s.counters.new) for s in mirror.streams(replayed.id)
        }
        assert again == original  # not a page more: one answered after the cancel is recorded,
        # never stored
        assert replay.transport is not None and replay.transport.remaining >= 1
        errors = {s.error for s in mirror.streams(replayed.id)}
        assert errors == {"the recording ends where its run was cancelled"}
        mirror.close()

    # The CLI's replay does not call the page left over a replay gone astray: the run never
    # stored it (a second tester's finding: "did not follow the recorded run exactly").
    replayed_cli = run_cli(capsys, "replay", str(rec), "--db", str(tmp_path / "cli.db"))
    assert replayed_cli.code == 1, replayed_cli.err
    assert "the recording ends where its run was cancelled" in replayed_cli.err
    assert "never asked for" not in replayed_cli.err
