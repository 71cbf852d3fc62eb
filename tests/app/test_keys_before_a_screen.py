"""Keys typed before a screen was drawn do not act on it (a fresh tester's finding: ``ctrl+s``
on the connect screen, then ``cqrxyz`` typed on at once, cancelled the run: the ``c`` reached
the dashboard before it was on the screen and the ``y`` answered its "cancel the run?", which
the person never saw; an ``o`` opened the observations).

The keys go on the app's queue all at once, as a terminal delivers a burst (``burst``: Pilot's
``press`` waits for the app to go idle after each key, which hides it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, answer, drawn, make_app, paced_environment, wait_until
from test_keys_in_order import burst

from backfill_tui.screens.app import DemoSetup
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import EstimateReady, RunLaunched
from backfill_tui.terms import RunStatus


def test_keys_typed_on_after_ctrl_s_do_not_reach_the_dashboard(tmp_path: Path) -> None:
    app = make_app(
        tmp_path,
        demo=DemoSetup("ws", ("github:acme/rocket",)),
        environment=paced_environment("scale=2", latency=0.3),
    )
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            burst(app, ["ctrl+s", *"cqrxyz", "o"])
            await wait_until(pilot, lambda: seen.of(RunLaunched))
            await drawn(pilot)
            await pilot.pause()
            # every key of the burst was read by now (the app's queue keeps their order)
            assert isinstance(app.screen, DashboardScreen), app.screen
            session = app.session
            assert session is not None and app.running
            run = app.mirror.get_run(session.run.id)
            assert run is not None and run.status == RunStatus.RUNNING
            # typed once the dashboard is drawn, a key acts: c asks, n declines
            await pilot.press("c")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "n")
            await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
            assert app.running
            assert session.background is not None
            session.background.cancel()
            await wait_until(pilot, lambda: not app.running)

    asyncio.run(scenario())


def test_a_question_is_not_answered_by_a_key_typed_with_the_one_that_asked_it(
    tmp_path: Path,
) -> None:
    """``c`` and ``y`` at once on the dashboard: the ``y`` was typed before the question was
    drawn, so it stays up unanswered; the run goes on."""
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.3))
    seen = Recorder()

    async def scenario() -> None:
        from backfill_tui.engine.run import RunRequest, SourceSpec

        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=30)
            assert app.plan_and_start(request) is not None
            await drawn(pilot)
            burst(app, ["c", "y"])
            await wait_until(
                pilot, lambda: isinstance(app.screen, ConfirmScreen) or not app.running
            )
            await drawn(pilot)
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen) and app.running
            await answer(pilot, "y")  # seen, then answered: the run is cancelled
            await wait_until(pilot, lambda: not app.running)
            session = app.session
            assert session is not None
            run = app.mirror.get_run(session.run.id)
            assert run is not None and run.status == RunStatus.CANCELLED

    asyncio.run(scenario())
