"""After a retry the dashboard says which time it shows: the run's in all, and this try's
beside it (a fresh tester's finding: a failed run retried showed the first try's elapsed time
unchanged, read as not counting the new try; a retry that fails again at once adds nothing)."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from app_support import make_app, populate, settle, wait_until
from textual.widgets import Label

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded

SIZES = [(80, 24), (120, 36)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_retried_run_shows_its_time_in_all_and_this_tries(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket", "vercel:acme/nope", workspace="demo")
    # The first try took 75 s, as the mirror holds it (the simulator's clock is virtual: this
    # retry, answered 404 at once, takes none of it); the dashboard shows the mirror's time.
    with closing(sqlite3.connect(tmp_path / "mirror.db")) as conn, conn:
        started = conn.execute("SELECT started_at FROM runs").fetchone()[0]
        finished = datetime.fromisoformat(started) + timedelta(seconds=75)
        conn.execute("UPDATE runs SET finished_at = ?", (finished.isoformat(),))
    ended: list[RunEnded] = []

    async def scenario() -> tuple[str, str]:
        async with app.run_test(size=size, message_hook=_keep(ended)) as pilot:
            session = app.open_run(run_id)
            assert session is not None
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: screen.query("#overall"))
            overall = screen.query_one("#overall", Label)
            await settle(pilot)
            before = str(overall.render())
            await pilot.press("r")
            await wait_until(pilot, lambda: ended)
            await settle(pilot)
            return before, str(overall.render())

    before, after = asyncio.run(scenario())
    assert "01:15" in before and "try" not in before, before
    assert "01:15 (try 00:00)" in after or "elapsed 01:15 (this try 00:00)" in after, after
    assert len(after) <= size[0] - 2, after
    assert "vercel:acme/nope/deployment failed" in after, after


def _keep(ended: list[RunEnded]):  # type: ignore[no-untyped-def]
    def hook(message: object) -> None:
        if isinstance(message, RunEnded):
            ended.append(message)

    return hook
