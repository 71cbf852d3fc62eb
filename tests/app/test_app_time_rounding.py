"""A run the app ran shows, once it ends, the time ``runs`` lists for it: the mirror's
(``RunProgress.settle``), in the whole seconds runs are stored in. The dashboard counted on its
own clock, in fractions of a second, so the two rounded apart: ``completed 00:09 (try 00:07)``
on the dashboard and ``00:08`` in ``runs`` (a fresh tester's finding). The retry runs on the
real clock (each request 0.1 s), so its time has a fraction of a second the stored one lacks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, paced_environment, populate, settle, wait_until
from textual.widgets import Label

from backfill_tui.engine.runs import run_lines
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.terms import duration


def test_a_retried_run_shows_the_time_runs_lists(tmp_path: Path) -> None:
    app = make_app(tmp_path, environment=paced_environment(latency=0.1))
    run_id = populate(app, "github:acme/rocket", "vercel:acme/nope", workspace="demo")
    ended: list[RunEnded] = []

    def hook(message: object) -> None:
        if isinstance(message, RunEnded):
            ended.append(message)

    async def scenario() -> tuple[float, str]:
        async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
            session = app.open_run(run_id)
            assert session is not None
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: screen.query("#overall"))
            await pilot.press("r")
            await wait_until(pilot, lambda: ended)
            await settle(pilot)
            shown = session.progress.elapsed(app.clock.now())
            return shown, str(screen.query_one("#overall", Label).render())

    shown, overall = asyncio.run(scenario())
    listed = next(line.ran_s for line in run_lines(app.mirror) if line.run.id == run_id)
    assert shown == listed  # the same seconds, so the same rounding
    assert f" {duration(listed)} (try " in overall, (overall, listed)
