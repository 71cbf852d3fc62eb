"""A recorded run stopped by quitting the app (ctrl+q then y, or SIGTERM): what the app prints on
stderr once closed says where the recording is, as ``run --record`` does in the same case. It
said how to resume the run and never named the recording it had written (a fresh tester's
finding)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from app_support import SIZE, answer, make_app, paced_environment, wait_for_exit, wait_until

from backfill_tui.cli.app import app_ended
from backfill_tui.engine.run import RunRequest, SourceSpec


@pytest.mark.parametrize("how", ["ctrl+q", "SIGTERM"])
def test_quitting_a_recorded_run_says_where_its_recording_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.5))
    rec = tmp_path / "app run.rec.gz"

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            run_id = app.plan_and_start(request, record_to=str(rec))
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().fetched > 0)  # type: ignore[union-attr]
            if how == "SIGTERM":
                app.stop_on_signal()  # what the app's SIGTERM handler calls
            else:
                await pilot.press("ctrl+q")
                await answer(pilot, "y")
            await wait_for_exit(app)
            return run_id

    run_id = asyncio.run(scenario())
    assert rec.is_file()
    capsys.readouterr()
    assert app_ended(app) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert f"resume {run_id} --db {app.mirror.path}" in lines[0], lines
    assert lines[1].startswith("recorded "), lines
    assert (
        f" exchanges to {rec.absolute()}; replay it offline into another mirror with "
        f"`backfill-tui replay '{rec.absolute()}' --db OTHER.db`"
    ) in lines[1], lines
    app.mirror.close()
