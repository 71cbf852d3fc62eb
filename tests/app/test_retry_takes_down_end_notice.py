"""Retrying a run takes down the notice of how it ended: ``run ID cancelled`` stayed up over
the dashboard while the retried run went on (a fresh tester's finding at 80x24, where the
notice covers the stream rows)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, Recorder, make_app, paced_environment, wait_until

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.messages import RunEnded


def _end_notices(app: object, run_id: str) -> list[str]:
    return [
        str(n.message)
        for n in app._notifications  # type: ignore[attr-defined]
        if str(n.message).startswith(f"run {run_id} ")
    ]


def test_retry_takes_down_the_cancelled_notice_and_keeps_others(tmp_path: Path) -> None:
    app = make_app(tmp_path, environment=paced_environment(latency=0.3))
    seen = Recorder()
    request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=30)

    async def scenario() -> tuple[list[str], list[str], list[str]]:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session is not None and app.session.active)
            app.cancel_run()
            await wait_until(pilot, lambda: _end_notices(app, run_id))
            before = _end_notices(app, run_id)
            app.notify("an unrelated notice stays")
            await pilot.pause()
            assert app.retry_run()
            await pilot.pause()
            after = _end_notices(app, run_id)
            others = [str(n.message) for n in app._notifications]
            app.cancel_run()
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) >= 2)
            return before, after, others

    before, after, others = asyncio.run(scenario())
    assert len(before) == 1 and "cancelled" in before[0], before
    assert after == [], after
    assert "an unrelated notice stays" in others, others
