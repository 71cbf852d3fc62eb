"""The dashboard's totals name the cancelled streams as they name the failed ones (a fresh
tester's finding: after ``c`` the line said "0 items failed" and nothing of the streams that
stopped unfinished)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import Recorder, cancel_the_run, make_app, paced_environment, wait_until
from textual.widgets import Label

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.terms import plural


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_the_totals_name_the_cancelled_streams(tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.1))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=size, message_hook=seen) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().new > 0)  # type: ignore[union-attr]
            await cancel_the_run(pilot)  # c, asked first, then y
            await wait_until(pilot, lambda: seen.of(RunEnded))
            await pilot.pause()
            cancelled = [s for s in app.mirror.streams(run_id) if s.status == "cancelled"]
            assert cancelled
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            expected = f"{plural(len(cancelled), 'stream')} cancelled"
            await wait_until(
                pilot, lambda: expected in str(screen.query_one("#overall", Label).content)
            )
            text = str(screen.query_one("#overall", Label).content)
            assert len(text) <= size[0] - 2, text

    asyncio.run(scenario())
