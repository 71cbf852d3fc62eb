"""A run killed, then resumed, shows the total of the time it ran when reopened: its span
before the kill (to its last committed page) and its span after the resume, not the hour it
lay killed between them (it showed the whole wall-clock stretch, or only the time since the
resume: a fresh tester's finding), on the dashboard and in the runs list from 160 columns;
and the killed run's log says "interrupted" at the time it was found so, not at its start
(another)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import SIZE, make_app, open_runs, wait_until
from support import HOUR, killed_an_hour_ago, run_cli

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.live import clock_time


def _shown(tmp_path: Path, run_id: str, now: float) -> tuple[float, list[str]]:
    """The elapsed time and log of run ``run_id`` as the app opens it at ``now``."""
    app = make_app(tmp_path, clock=VirtualClock(start=now))
    found: list[tuple[float, list[str]]] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            session = app.open_run(run_id)
            assert session is not None
            await wait_until(pilot, lambda: app.session is not None)
            progress = session.progress
            found.append((progress.elapsed(app.clock.now()), list(progress.log)))

    asyncio.run(scenario())
    return found[0]


def _listed(tmp_path: Path, run_id: str) -> str:
    """The runs list's "ran" cell of run ``run_id`` at 200 columns (from 160 it has one)."""
    app = make_app(tmp_path)
    cells: list[str] = []

    async def scenario() -> None:
        async with app.run_test(size=(200, 50)) as pilot:
            _, table = await open_runs(pilot)
            cells.append(str(table.get_cell(run_id, "ran")))

    asyncio.run(scenario())
    return cells[0]


@pytest.mark.slow
def test_a_resumed_run_shows_the_time_it_ran(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_id, before = killed_an_hour_ago(tmp_path / "mirror.db", anchor)
    found_at = 1_000_000.5  # an instant far from the run's start: 1970-01-12 13:46:40 UTC
    elapsed, log = _shown(tmp_path, run_id, found_at)
    assert elapsed == pytest.approx(before)
    assert log[-1] == f"{clock_time(found_at)}  run {run_id} interrupted", log

    resumed = run_cli(capsys, "resume", run_id, "--json", "--db", str(tmp_path / "mirror.db"))
    assert resumed.code == 0, resumed.err
    elapsed, _ = _shown(tmp_path, run_id, found_at)
    assert before < elapsed < HOUR.total_seconds(), (before, elapsed)
    assert elapsed == pytest.approx(resumed.summary["ran_s"], abs=1)  # as the summary said
    minutes, seconds = divmod(round(resumed.summary["ran_s"]), 60)
    assert _listed(tmp_path, run_id) == f"{minutes:02}:{seconds:02}"
