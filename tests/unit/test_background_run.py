"""engine/background.py: a run on its own thread and loop, with its own mirror connection,
cancelled from another thread (no Textual)."""

from __future__ import annotations

import threading
from pathlib import Path

from app_support import paced_environment, sim_environment

from backfill_tui.engine.background import BackgroundRun, RunOutcome
from backfill_tui.engine.live import EventBuffer
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror


def _plan(mirror: Mirror, environment: object, *sources: str, days: int = 7) -> str:
    engine = Engine(mirror, environment)  # type: ignore[arg-type]
    request = RunRequest("ws", tuple(SourceSpec.parse(s) for s in sources), depth=days)
    return engine.plan(request).id


def test_a_background_run_completes_and_reports_its_end_once(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "m.db")
    environment = sim_environment()
    run_id = _plan(mirror, environment, "linear:ENG")
    buffer = EventBuffer()
    ends: list[tuple[RunOutcome, str]] = []
    background = BackgroundRun(
        mirror,
        environment,
        run_id,
        subscribers=[buffer],
        on_end=lambda outcome: ends.append((outcome, threading.current_thread().name)),
    )
    background.start()
    assert background.join(timeout=60)
    background.thread.join(timeout=10)
    assert ends == [(RunOutcome(run_id, "completed"), f"run {run_id}")]
    assert buffer.producers == {f"run {run_id}"}
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    assert mirror.count_run_observations(run_id) > 0


def test_cancel_before_the_run_begins_still_records_its_end(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "m.db")
    environment = paced_environment(latency=0.2)
    run_id = _plan(mirror, environment, "linear:ENG", "github:acme/rocket")
    background = BackgroundRun(mirror, environment, run_id)
    background.cancel()
    background.start()
    assert background.join(timeout=60)
    assert background.outcome is not None and background.outcome.status == "cancelled"
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "cancelled" and run.finished_at
    assert {s.status for s in mirror.streams(run_id)} == {"cancelled"}
    locks = mirror.conn.execute("SELECT count(*) FROM run_locks WHERE run_id = ?", (run_id,))
    assert locks.fetchone()[0] == 0  # its source locks were released


def test_cancel_from_another_thread_mid_run(tmp_path: Path) -> None:
    mirror = Mirror.open(tmp_path / "m.db")
    environment = paced_environment("scale=2", latency=1.0)
    run_id = _plan(mirror, environment, "linear:ENG", "github:acme/rocket", days=90)
    buffer = EventBuffer()
    background = BackgroundRun(mirror, environment, run_id, subscribers=[buffer])
    background.start()
    for _ in range(600):  # until a page is stored (at most 60 s)
        if mirror.count_run_observations(run_id) > 0:
            break
        threading.Event().wait(0.1)
    background.cancel()
    assert background.join(timeout=60)
    assert background.outcome is not None and background.outcome.status == "cancelled"
    stored = mirror.count_run_observations(run_id)
    assert stored > 0  # what was stored is kept
    assert not [s for s in mirror.streams(run_id) if s.status in ("pending", "running")]
