"""The connect screen's estimate at 80x24 names every source's streams (a fresh tester's
finding: its four lines held the table's header, one source, one stream and the total), and
coming back to it after a run says the estimate shown is of the mirror before it (the pre-run
figure stayed as if current); ctrl+e makes it again from the mirror as it is now: the GitHub
streams the run covered are a re-sync, counting only what is new."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import Recorder, connect_screen, make_app, settle, wait_until
from screen_text import region_text
from textual.widgets import Label

from backfill_tui.screens.host import DemoSetup
from backfill_tui.screens.messages import EstimateReady, RunEnded

DEMO = DemoSetup("demo", ("github:acme/rocket", "linear:ENG", "sentry:acme/rocket"), depth=7)


def test_the_estimate_names_every_source_and_stream_at_80x24(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DEMO)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            screen = await connect_screen(pilot)
            text = region_text(app, screen.query_one("#estimate-panel"))
            for source in DEMO.sources:
                assert source in text, text
            for entity in ("pull_request", "release", "push", "comment", "project", "error"):
                assert entity in text, text
            assert "items in" in text, text

    asyncio.run(scenario())


def test_back_on_connect_after_a_run_the_estimate_is_a_resync(tmp_path: Path) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", ("github:acme/rocket",)))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            before = seen.of(EstimateReady)[0].estimate
            assert before.items > 0
            assert not any(st.resync_since for s in before.sources for st in s.streams)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "completed"
            await wait_until(pilot, lambda: not app.running)
            await pilot.press("f2")
            await settle(pilot)
            # not made again by itself on a visit (the demo did, on each one after a run): the
            # panel says the mirror changed, and ctrl+e makes it again
            assert len({id(m.estimate) for m in seen.of(EstimateReady)}) == 1
            said = str(app.screen.query_one("#estimate-summary", Label).render())
            assert said == "A run has changed the mirror since: press ctrl+e to estimate again."
            await pilot.press("ctrl+e")
            # (the hook sees a message at every widget it bubbles through: count estimates)
            await wait_until(
                pilot, lambda: len({id(m.estimate) for m in seen.of(EstimateReady)}) > 1, 30
            )
            after = seen.of(EstimateReady)[-1].estimate
            streams = [st for s in after.sources for st in s.streams]
            assert streams and all(st.resync_since for st in streams)
            assert after.items < before.items  # nothing newer than the run on a fixed clock
            await settle(pilot)
            text = region_text(app, app.screen.query_one("#estimate-panel"))
            assert "re-sync" in text, text

    asyncio.run(scenario())


def test_the_estimate_writes_its_counts_as_the_dashboard_does(tmp_path: Path) -> None:
    """Counts of a thousand and more are grouped ("~1,661 items"), as the dashboard's line,
    the chart and F4 write them: the estimate said "~1661" (a fresh tester's finding of two
    forms of one number)."""
    demo = DemoSetup("demo", ("github:acme/rocket", "sentry:acme/rocket"), depth=30)
    app = make_app(tmp_path, demo=demo)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            screen = await connect_screen(pilot)
            await settle(pilot)
            text = region_text(app, screen.query_one("#estimate-panel"))
            assert app.estimate is not None
            items = app.estimate[1].items
            assert items >= 1000, text
            assert f"{items:,} items in" in text, text

    asyncio.run(scenario())


def test_a_form_changed_after_a_run_says_so_instead_of_the_run(tmp_path: Path) -> None:
    """After a run the panel says "a run has changed the mirror"; a change of the form after
    that is the newer cause, and the panel says what it says for a changed form (as before any
    run). It kept saying the run through a depth chosen and a source added (a stranger's
    finding)."""
    app = make_app(tmp_path, demo=DemoSetup("demo", ("github:acme/rocket",)))
    seen = Recorder()
    form_changed = (
        "The workspace, sources or depth changed, or the recording: press ctrl+e to estimate again."
    )

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            await wait_until(pilot, lambda: not app.running)
            await pilot.press("f2")
            screen = await connect_screen(pilot)
            summary = screen.query_one("#estimate-summary", Label)
            assert str(summary.render()) == (
                "A run has changed the mirror since: press ctrl+e to estimate again."
            )
            await pilot.click("#depth", offset=(4, 0))  # on "7 days"
            await settle(pilot)
            assert str(summary.render()) == form_changed
            # and so after another source added: still the form's line, never the run's again
            screen.add_source("acme/other")
            await settle(pilot)
            assert str(summary.render()) == form_changed

    asyncio.run(scenario())
