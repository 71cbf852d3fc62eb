"""A past run opened from F5 shows in the dashboard's log what the mirror knows of it: each
stream's end (counts, or the reason it failed), the items that failed with their reasons, and
how the run ended, as its live log said (a fresh tester's finding: the log panel was empty)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import make_app, populate, settle, wait_until
from textual.widgets import DataTable

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.widgets.reflow_log import ReflowLog


def _log_text(screen: DashboardScreen) -> str:
    return "\n".join(str(line) for line in screen.query_one(ReflowLog)._source)


def test_a_past_run_opened_from_f5_has_its_log(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket", "github:acme/missing", days=7)
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "partial"  # one source failed

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            table = runs.query_one("#runs", DataTable)
            await wait_until(pilot, lambda: table.row_count == 1)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: "partial" in _log_text(screen), timeout=20)
            text = _log_text(screen)
            assert "github:acme/rocket/pull_request completed" in text, text
            assert "fetched" in text and "new" in text, text
            missing = [line for line in text.splitlines() if "github:acme/missing" in line]
            assert missing and all("failed" in line for line in missing), text
            stream = next(s for s in app.mirror.streams(run_id) if s.target == "acme/missing")
            assert stream.error and stream.error[:30] in text, text
            assert text.splitlines()[-1].endswith(f"run {run_id} partial"), text

    asyncio.run(scenario())
