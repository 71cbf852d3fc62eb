"""A run started before any estimate (ctrl+s at once, the demo's most natural move) showed
indeterminate bars and "ETA --:--" until it ended (a fresh tester's finding). Its streams now
size themselves from their first page: the dashboard's rows say "N% of ~M" and the header gives
an ETA while the run goes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from app_support import Recorder, cancel_the_run, make_app, paced_environment, wait_until
from screen_text import region_text

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded


def test_a_run_started_without_an_estimate_shows_each_streams_share_and_an_eta(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path, environment=paced_environment("scale=4", latency=0.2))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=90)
            assert app.totals_for(request) is None  # no estimate was made
            assert app.plan_and_start(request) is not None
            screen = app.screen
            assert isinstance(screen, DashboardScreen)

            def shown() -> str:
                return region_text(app, screen)

            await wait_until(pilot, lambda: re.search(r"\d+% of ~\d+", shown()))
            await wait_until(pilot, lambda: re.search(r"ETA \d\d:\d\d", shown()))
            assert not seen.of(RunEnded)  # while it runs
            await cancel_the_run(pilot)
            await wait_until(pilot, lambda: seen.of(RunEnded))

    asyncio.run(scenario())
