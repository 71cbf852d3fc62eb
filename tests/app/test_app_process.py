"""The app's runs in a child process (``engine.process``), as ``backfill-tui demo`` and ``app``
start them: the same observations as a headless run, progress and the clock coming back over the
pipe, cancel and quit ending the run cleanly, a killed child reported in one line (the run shown
interrupted and resumable), and no token on the child's command line. Cancel and quit mid-run
are tested for both designs in test_app_offthread.py."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import os
import signal
from pathlib import Path

from app_support import (
    SIZE,
    Recorder,
    make_app,
    paced_environment,
    settle,
    sim_environment,
    wait_until,
)

from backfill_tui.cli.app import demo_sources
from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.process import RUN_NICENESS, ProcessRun
from backfill_tui.engine.report import run_report
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.app import OLDEST_HELD
from backfill_tui.screens.messages import RunEnded
from backfill_tui.store import Mirror

SOURCES = demo_sources()  # every simulated provider, as `backfill-tui demo` fills them in


def _request(*sources: str, days: int = 30) -> RunRequest:
    return RunRequest("ws", tuple(SourceSpec.parse(s) for s in sources), depth=days)


def _headless_count(db: Path, request: RunRequest) -> int:
    mirror = Mirror.open(db)
    try:
        engine = Engine(mirror, sim_environment())
        run = engine.plan(request)
        asyncio.run(engine.run(run.id))
        return mirror.count_run_observations(run.id)
    finally:
        mirror.close()


def test_a_run_in_a_child_process_stores_what_a_headless_run_does(tmp_path: Path) -> None:
    request = _request(*SOURCES)
    expected = _headless_count(tmp_path / "headless.db", request)
    app = make_app(tmp_path, run_process=True)
    clock = app.environment.clock
    assert isinstance(clock, VirtualClock)
    started_at = clock.now()
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: app._run_host is not None)  # spawned after mount
            run_id = app.plan_and_start(request)
            assert run_id is not None and app.session is not None
            session = app.session
            assert isinstance(session.background, ProcessRun)
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=90)
            await settle(pilot)
            assert seen.of(RunEnded) == [RunEnded(run_id, "completed")]
            # Progress came over the pipe, delivered by this process's reader thread.
            assert session.buffer.received > 0
            assert session.buffer.producers == {f"run {run_id} (process)"}
            assert session.progress.totals().fetched == app.mirror.count_run_observations(run_id)
            assert app.mirror.count_run_observations(run_id) == expected > 0
            host = session.background.host
            assert host is not None and host.process.wait(timeout=30) == 0  # ended cleanly
            # The run's virtual clock moved in the child (rate-limit waits); the app's followed.
            assert clock.now() >= started_at
            await wait_until(pilot, lambda: app._run_host is not None)  # ready for the next

    asyncio.run(scenario())
    assert app._run_host is None  # the idle child was closed with the app


def test_a_killed_run_process_is_one_line_and_the_run_resumes(tmp_path: Path) -> None:
    app = make_app(
        tmp_path, environment=paced_environment("scale=2", latency=0.5), run_process=True
    )
    seen = Recorder()
    notes: list[str] = []
    original_notify = app.notify

    def notify(message: str, **kwargs: object) -> None:
        notes.append(message)
        original_notify(message, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(_request("github:acme/rocket", days=30))
            assert run_id is not None and app.session is not None
            session = app.session
            background = session.background
            assert isinstance(background, ProcessRun) and background.host is not None
            await wait_until(pilot, lambda: session.buffer.received >= 1, timeout=60)
            os.kill(background.host.process.pid, signal.SIGKILL)
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            (ended,) = seen.of(RunEnded)
            assert (ended.run_id, ended.status) == (run_id, "interrupted")
            assert "killed by signal 9" in (ended.error or "")  # the rows' reason too
            assert any("killed by signal 9" in n for n in notes), notes
            assert app.is_running  # no crash
            # Nothing of it runs: no stream shows running, no countdown goes on (a tester saw
            # "running" rows and a frozen "resuming at …" under the interrupted header).
            progress = session.progress
            assert progress.status == "interrupted"
            shown = {s.status for s in progress.streams.values()}
            assert "running" not in shown and "interrupted" in shown, shown
            stopped = [s for s in progress.streams.values() if s.status == "interrupted"]
            assert all("killed by signal 9" in (s.error or "") for s in stopped)
            assert all(src.wait_until is None for src in progress.sources.values())
            report = run_report(app.mirror, run_id)
            assert "| running |" not in report and "| interrupted |" in report
            # The run resumes from the app, in a new child, to its end.
            assert app.retry_run()
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) == 2, timeout=90)
            assert seen.of(RunEnded)[-1] == RunEnded(run_id, "completed")

    asyncio.run(scenario())


def test_the_token_crosses_the_pipe_not_the_command_line(tmp_path: Path) -> None:
    token = "ghp_processPipeOnly0123456789"
    # The simulator wants the token and the run sends it from GITHUB_TOKEN (without it the run
    # is refused before it starts): both the simulator's setting and the variable cross.
    environment = dataclasses.replace(
        paced_environment(f"token={token}", latency=0.3), env={"GITHUB_TOKEN": token}
    )
    app = make_app(tmp_path, environment=environment, run_process=True)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            run_id = app.plan_and_start(_request("github:acme/rocket"))
            assert run_id is not None and app.session is not None
            background = app.session.background
            assert isinstance(background, ProcessRun) and background.host is not None
            pid = background.host.process.pid
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            assert b"backfill_tui.engine.process" in cmdline
            assert token.encode() not in cmdline
            assert token.encode() not in Path(f"/proc/{pid}/environ").read_bytes()
            app.cancel_run()
            await wait_until(pilot, lambda: not app.running, timeout=60)

    asyncio.run(scenario())


def test_what_cannot_cross_to_a_child_runs_on_a_thread(tmp_path: Path) -> None:
    """A replay's transport, a test's transport or a recorder cannot be rebuilt in another
    process: ``portable()`` says so, and the app runs those on a thread."""
    simulated = sim_environment()
    portable = simulated.portable()
    assert portable is not None and portable.simulator is not None
    rebuilt = portable.build()
    assert rebuilt.simulator is not None and simulated.simulator is not None
    assert rebuilt.simulator.anchor == simulated.simulator.anchor  # the same world
    assert rebuilt.clock.now() == simulated.clock.now()
    with_transport = Environment(transport=simulated.simulator.transport, env={})
    assert with_transport.portable() is None
    assert Environment(env={}, wrap_transport=lambda t: t).portable() is None


def test_a_run_waiting_on_a_locked_mirror_says_so_on_the_dashboard(tmp_path: Path) -> None:
    """Another writer holds the mirror: the dashboard's log says the run waits for it (the
    child sends the line at once, though its own loop may be the one waiting), and the run
    completes once the lock is free."""
    import sqlite3

    from backfill_tui.screens.dashboard import DashboardScreen
    from backfill_tui.widgets.reflow_log import ReflowLog

    app = make_app(tmp_path, environment=paced_environment(), run_process=True)
    seen = Recorder()
    holder = sqlite3.connect(tmp_path / "mirror.db", isolation_level=None, timeout=30)

    def log_text() -> str:
        log = app.screen.query_one(ReflowLog)
        return "\n".join(line.plain for line in log._source)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await wait_until(pilot, lambda: app._run_host is not None)
            run_id = app.plan_and_start(_request("github:acme/rocket", days=90))
            assert run_id is not None and isinstance(app.screen, DashboardScreen)
            await wait_until(pilot, lambda: app.mirror.count_run_observations(run_id) > 0)
            holder.execute("BEGIN IMMEDIATE")
            try:
                await wait_until(pilot, lambda: "waiting for the mirror" in log_text(), timeout=25)
            finally:
                holder.execute("ROLLBACK")
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=90)
            assert seen.of(RunEnded) == [RunEnded(run_id, "completed")]
            assert "the run goes on when it is free, or stops if it is still locked" in log_text()

    try:
        asyncio.run(scenario())
    finally:
        holder.close()


def test_the_run_yields_a_core_to_the_app(tmp_path: Path) -> None:
    """The run's child is scheduled RUN_NICENESS lower than the app (os.nice), so the app's
    frames and keys win a core the two contend for (bench/ui_latency.py)."""
    environment = paced_environment("", latency=0.3)
    app = make_app(tmp_path, environment=environment, run_process=True)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            run_id = app.plan_and_start(_request("github:acme/rocket"))
            assert run_id is not None and app.session is not None
            session = app.session
            background = session.background
            assert isinstance(background, ProcessRun) and background.host is not None
            await wait_until(pilot, lambda: session.buffer.received >= 1, timeout=60)
            pid = background.host.process.pid
            ours = os.getpriority(os.PRIO_PROCESS, 0)
            assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, ours + RUN_NICENESS)
            app.cancel_run()
            await wait_until(pilot, lambda: not app.running, timeout=60)

    asyncio.run(scenario())


def test_the_oldest_generation_is_not_collected_while_a_run_goes(tmp_path: Path) -> None:
    """A collection of the oldest generation took 16-23 ms of the UI's loop at once, mid-run
    (bench/ui_latency.py): none happens until the run ends, then its threshold is back."""
    before = gc.get_threshold()
    environment = paced_environment("", latency=0.3)
    app = make_app(tmp_path, environment=environment, run_process=True)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            assert app.plan_and_start(_request("github:acme/rocket")) is not None
            assert app.session is not None
            assert gc.get_threshold() == (*before[:2], OLDEST_HELD)
            app.cancel_run()
            await wait_until(pilot, lambda: not app.running, timeout=60)
            await wait_until(pilot, lambda: gc.get_threshold() == before, timeout=10)

    try:
        asyncio.run(scenario())
    finally:
        gc.set_threshold(*before)


def test_an_app_closed_mid_run_puts_the_oldest_generations_threshold_back(tmp_path: Path) -> None:
    before = gc.get_threshold()
    app = make_app(tmp_path, environment=paced_environment("", latency=0.3), run_process=True)

    async def scenario() -> None:
        async with app.run_test(size=SIZE):
            assert app.plan_and_start(_request("github:acme/rocket")) is not None
            assert gc.get_threshold() == (*before[:2], OLDEST_HELD)

    try:
        asyncio.run(scenario())  # closes with the run going
        assert gc.get_threshold() == before
    finally:
        gc.set_threshold(*before)


def test_retrying_a_source_that_does_not_exist_in_the_run_process(tmp_path: Path) -> None:
    """A retry of github:acme/nothere (a 404: a cause to mend) runs its lookup alone in the
    run's process; its failure line crossed the pipe as a str subclass that could not be
    unpickled, and the app said "the run's process stopped unexpectedly" (a second fresh
    tester's finding). The retry ends as the first run did, its end in the log."""
    app = make_app(tmp_path, environment=sim_environment(), run_process=True)
    seen = Recorder()

    def stopped() -> list[str]:
        return [str(n.message) for n in app._notifications if n.title == "Run stopped"]  # type: ignore[attr-defined]

    def ends() -> list[RunEnded]:  # each once (the hook may see a message more than once)
        return list({id(m): m for m in seen.of(RunEnded)}.values())

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(_request("github:acme/nothere"))
            assert run_id is not None and isinstance(app.session.background, ProcessRun)  # type: ignore[union-attr]
            await wait_until(pilot, lambda: len(ends()) == 1, timeout=60)
            assert app.retry_run()
            await wait_until(pilot, lambda: len(ends()) == 2 or bool(stopped()), timeout=60)
            await settle(pilot)
            assert stopped() == [], stopped()
            assert [m.status for m in ends()] == ["failed", "failed"], ends()
            return run_id

    run_id = asyncio.run(scenario())
    streams = app.mirror.streams(run_id)
    assert streams and all(s.status == "failed" and s.mend for s in streams)
    app.mirror.close()
