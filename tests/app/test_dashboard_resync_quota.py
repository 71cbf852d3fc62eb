"""A re-sync on the dashboard keeps the source's quota (a tester's finding): GitHub answers the
second run of the same source 304 Not Modified, which stores no page, and the quota came only
with stored pages, so the source's line lost the "quota 4993/5000 left" its first run showed.
GitHub sends the rate-limit headers on a 304 too (the simulator does as GitHub does)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from app_support import Recorder, make_app, populate, settle, wait_until

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.widgets.run_rows import SourceHeader

SOURCE = "github:acme/rocket"


@pytest.mark.parametrize("tokens", [1, 2], ids=["one token", "two tokens"])
def test_a_resync_answered_304_still_shows_the_quota(tmp_path: Path, tokens: int) -> None:
    app = make_app(tmp_path, f"tokens={tokens}" if tokens > 1 else "")
    populate(app, SOURCE, workspace="ws", days=30)  # the first run, which the second re-syncs
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse(SOURCE),), depth=30)
            assert app.plan_and_start(request) is not None
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            app.flush_progress()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            session = app.session
            assert session is not None
            streams = session.progress.streams.values()
            assert all(s.note and "304 Not Modified" in s.note for s in streams)  # a re-sync
            assert all(s.counters.pages == 0 for s in streams)  # no page stored
            header, *lines = str(screen.query_one(SourceHeader).render()).splitlines()
            simulator = app.environment.simulator
            assert simulator is not None
            left = tokens * 5000 - simulator.quota_spent("github")  # as the simulator kept it
            assert header.endswith(f" · quota {left}/{tokens * 5000} left"), header
            assert len(lines) == (tokens if tokens > 1 else 0)
            for line in lines:  # each token's own quota, not "quota not reported yet"
                assert re.search(r"quota \d+/5000 left$", line), line

    asyncio.run(scenario())


def test_a_reopened_run_shows_the_quota_its_sources_last_reported(tmp_path: Path) -> None:
    """A past run opened from Runs (F5, enter) shows each source's quota as its run last saw
    it (a fresh tester's finding: the source lines of a reopened or resumed run had none; it
    came only from the events of a run watched live)."""
    app = make_app(tmp_path)
    populate(app, SOURCE, "vercel:acme/rocket-web", days=7)
    simulator = app.environment.simulator
    assert simulator is not None
    left = {p: 5000 - simulator.quota_spent(p) for p in ("github", "vercel")}

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f5", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await settle(pilot)
            headers = [str(h.render()).splitlines()[0] for h in app.screen.query(SourceHeader)]
            assert headers == [
                f"{SOURCE} · quota {left['github']}/5000 left",
                f"vercel:acme/rocket-web · quota {left['vercel']}/5000 left",
            ], headers

    asyncio.run(scenario())
