"""What the dashboard shows of a run it did not watch comes from the mirror: a finished run's
elapsed time is its stored duration, and a resumed run keeps its stored estimate."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from app_support import SIZE, Recorder, cancel_the_run, make_app, populate, wait_until
from textual.widgets import Label

from backfill_tui.engine.estimate import estimate
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard_parts import duration
from backfill_tui.screens.messages import RunEnded, RunLaunched
from backfill_tui.widgets.run_rows import progress_text

CONFIG = "latency=0.1,scale=2"


def _cancelled_run_with_an_estimate(tmp_path: Path) -> tuple[str, dict[str, int]]:
    """A run started from the app with an estimate, cancelled part way (its app then closed)."""
    app = make_app(tmp_path, CONFIG)
    request = RunRequest(
        "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
    )
    expected = asyncio.run(estimate(app.environment, request))
    app.estimate = (request, expected)
    seen = Recorder()

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().new > 0)  # type: ignore[union-attr]
            await cancel_the_run(pilot)  # c, asked first, then y
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "cancelled"
            return run_id

    run_id = asyncio.run(scenario())
    app.mirror.close()
    return run_id, expected.totals()


def test_a_resumed_run_keeps_its_stored_estimate(tmp_path: Path) -> None:
    run_id, totals = _cancelled_run_with_an_estimate(tmp_path)
    assert totals
    app = make_app(tmp_path, CONFIG)  # a new app on the same mirror: nothing in memory
    stored = {s.key: s.estimate for s in app.mirror.streams(run_id)}
    assert stored == {key: totals.get(key) for key in stored}
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f5")
            await pilot.press("r")
            await wait_until(pilot, lambda: seen.of(RunLaunched))
            assert seen.of(RunLaunched)[0] == RunLaunched(run_id, True)
            progress = app.session.progress  # type: ignore[union-attr]
            for key, total in totals.items():
                state = progress.streams[key]
                assert state.total == total
                assert progress_text(state) != "no estimate"
            await wait_until(pilot, lambda: seen.of(RunEnded))

    asyncio.run(scenario())


def test_a_finished_run_opened_later_shows_its_own_duration(tmp_path: Path) -> None:
    # Rate-limit waits move the run's (virtual) clock: the run took a known, non-zero time.
    made = make_app(tmp_path, "rate_limit_every=3,retry_after=5")
    run_id = populate(made, "github:acme/rocket")
    made.mirror.close()
    app = make_app(tmp_path)  # a new app, its clock frozen: it did not watch the run
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "completed" and run.finished_at is not None
    took = (
        datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)
    ).total_seconds()
    assert took >= 5

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await pilot.press("enter")
            await pilot.pause()
            await pilot.pause(0.2)
            return str(app.screen.query_one("#overall", Label).render())

    overall = asyncio.run(scenario())
    assert f"elapsed {duration(took)}" in overall, overall
