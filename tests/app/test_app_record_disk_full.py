"""The app's "Record to" on a disk that fills mid-run (a fresh tester's finding, headless: every
stream failed as "internal error (OSError ...)" and the recording's hidden file was left
behind). The run ends interrupted, what was stored kept; a "Recording not kept" notice says
why and how to go on; no file is left posing as a recording; and the app goes on: ``r``
retries the run to its end. The disk is the operating system's (``support.filling_disk``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import SIZE, Recorder, make_app, wait_until
from support import filling_disk
from textual.notifications import Notify
from textual.widgets import Input

from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded, RunLaunched


def test_a_disk_that_fills_while_the_app_records_ends_the_run_interrupted_with_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path)
    seen = Recorder()
    rec = tmp_path / "sync.rec.gz"
    filling_disk(monkeypatch, rec, room=8192)  # the first few answers, of a run's many

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source("github:acme/rocket")
            screen.query_one("#record-to", Input).value = str(rec)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            (ended,) = seen.of(RunEnded)
            assert ended.status == "interrupted"
            run_id = ended.run_id
            notes = [m.notification for m in seen.of(Notify)]
            assert [(n.title, n.severity, n.message) for n in notes if n.title] == [
                (
                    "Recording not kept",
                    "error",
                    f"the recording {rec} was not kept: writing it failed (disk full: No space "
                    "left on device); what was stored is kept; free space, then press r on run "
                    f"{run_id} under Runs (F5)",
                )
            ]
            assert not [n for n in notes if "internal error" in n.message], notes
            assert [n.message for n in notes if not n.title] == [f"run {run_id} interrupted"]
            assert sorted(p.name for p in tmp_path.iterdir() if rec.name in p.name) == []

            # The app goes on: the run retried (not recorded) to its end.
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("r")
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) == 2)
            assert seen.of(RunEnded)[1].status == "completed"
            assert len(seen.of(RunLaunched)) == 2
            record = app.mirror.get_run(run_id)
            assert record is not None and record.status == "completed"

    asyncio.run(scenario())
    assert not rec.exists()
