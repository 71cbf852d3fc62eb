"""The app started again after its run was killed says, once and at 80x24, that the mirror's
newest run is interrupted and how to go on: it said nothing, the run only showed under F5 (a
tester's finding). The notice's way (F5, then r) resumes the run to its end; a mirror whose
newest run ended says nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from app_support import ANCHOR, Recorder, held_environment, make_app, wait_until
from support import killed_headless_run
from test_resume_notices_fit import _notice_whole
from textual import events
from textual.widgets._toast import Toast

from backfill_tui.cli.app import DEMO_SOURCES
from backfill_tui.screens.app import UNFINISHED
from backfill_tui.screens.messages import RunEnded
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.widgets.app_footer import AppFooter


def _killed_run(db: Path) -> str:
    """A headless run of two sources killed with SIGKILL once a stream has stored a page; its
    id."""
    sources = ["github:acme/rocket", "vercel:acme/rocket-web"]
    return killed_headless_run(db, sources, f"anchor={ANCHOR},latency=0.5,scale=3")


def test_an_interrupted_run_is_said_as_the_app_opens_and_f5_r_resumes_it(tmp_path: Path) -> None:
    db = tmp_path / "mirror.db"
    run_id = _killed_run(db)
    with sqlite3.connect(db) as conn:
        streams = conn.execute("SELECT count(*) FROM streams").fetchone()[0]
        done = conn.execute("SELECT count(*) FROM streams WHERE status = 'completed'").fetchone()
    environment, released = held_environment("scale=3")  # running until the checks are done
    app = make_app(tmp_path, environment=environment)
    seen = Recorder()
    said = (
        f"Run {run_id} was interrupted ({done[0]} of {streams} streams completed): F5 then r "
        "resumes it"
    )

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen, notifications=True) as pilot:
            assert await _notice_whole(pilot, "Unfinished run") == said  # whole on the screen
            notices = [(n.title, n.message) for n in app._notifications]  # type: ignore[attr-defined]
            assert notices == [("Unfinished run", said)]
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            await wait_until(pilot, lambda: screen.selected == run_id)
            assert screen.lines[run_id].status == "interrupted"
            # Under F5 it covers neither the footer nor the count and keys above it (it
            # covered their first line at 80x24: a fresh tester's finding).
            toast = next(t for t in screen.query(Toast) if t._notification.title == UNFINISHED)
            for below in (screen.query_one("#runs-count"), screen.query_one(AppFooter)):
                assert not toast.region.overlaps(below.region), (toast.region, below.region)
            await pilot.press("r")
            await pilot.pause()
            # Once the run is resumed, "F5 then r resumes it" is gone while it runs (it stayed
            # up over the dashboard: a fresh tester's finding), not only at its end's notice.
            assert app.session is not None and app.session.active
            assert not seen.of(RunEnded)
            assert UNFINISHED not in [n.title for n in app._notifications]  # type: ignore[attr-defined]
            released.set()
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=90)
            assert seen.of(RunEnded) == [RunEnded(run_id, "completed")]
            notices = [n.title for n in app._notifications]  # type: ignore[attr-defined]
            assert notices.count("Unfinished run") <= 1  # said once

    try:
        asyncio.run(scenario())
    finally:
        released.set()  # never a run held past a failed check

    again = make_app(tmp_path)  # its newest run ended: nothing to say

    async def reopened() -> None:
        async with again.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert not list(again._notifications)  # type: ignore[attr-defined]

    asyncio.run(reopened())


def test_editing_the_connect_form_takes_the_notice_down_and_f5_says_it_again(
    tmp_path: Path,
) -> None:
    """At 80x24 the notice stood over "Max items" and "Record to": what was typed there could
    not be seen (a fresh tester's finding). Typing into the form takes it down; the Runs screen,
    where r resumes the run, says it again, once."""
    from screen_text import region_text
    from textual.widgets import Input

    from backfill_tui.screens.app import DemoSetup
    from backfill_tui.screens.connect import ConnectScreen

    db = tmp_path / "mirror.db"
    run_id = _killed_run(db)
    app = make_app(tmp_path, demo=DemoSetup("demo", DEMO_SOURCES))  # as `demo` opens

    def unfinished() -> list[Toast]:
        return [t for t in app.screen.query(Toast) if t._notification.title == UNFINISHED]

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            said = await _notice_whole(pilot, UNFINISHED)
            assert said.startswith(f"Run {run_id} was interrupted")
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            field = screen.query_one("#record-to", Input)
            assert unfinished()[0].region.overlaps(field.region)  # the tester's view
            field.focus()
            await pilot.press(*"out.rec")
            await pilot.pause()
            assert field.value == "out.rec"
            assert not unfinished()
            assert UNFINISHED not in [n.title for n in app._notifications]  # type: ignore[attr-defined]
            assert "out.rec" in region_text(app, field)  # what was typed shows
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            assert await _notice_whole(pilot, UNFINISHED) == said  # findable where r resumes
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(app.screen, ConnectScreen))
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            await pilot.pause()
            titles = [n.title for n in app._notifications]  # type: ignore[attr-defined]
            assert titles.count(UNFINISHED) == 1  # said again once, not at every visit

    asyncio.run(scenario())


def test_a_click_in_the_connect_form_takes_the_notice_down(tmp_path: Path) -> None:
    """A click on a field of the form is editing it too (the depth, a source's entities)."""
    from backfill_tui.screens.app import DemoSetup

    _killed_run(tmp_path / "mirror.db")
    app = make_app(tmp_path, demo=DemoSetup("demo", DEMO_SOURCES))

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await _notice_whole(pilot, UNFINISHED)
            # As a terminal's driver posts it, to the app (Pilot's click skips the app).
            field = app.screen.query_one("#workspace")
            x, y = field.region.x + 2, field.region.y
            app.post_message(
                events.MouseDown(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y)
            )
            await pilot.pause()
            assert UNFINISHED not in [n.title for n in app._notifications]  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_a_notice_gone_by_its_time_is_not_said_again_under_f5(tmp_path: Path) -> None:
    """Typing after the notice went by its own time takes nothing down: F5 does not say it
    again (it is said again only where editing took it down)."""
    from backfill_tui.screens.app import DemoSetup

    _killed_run(tmp_path / "mirror.db")
    app = make_app(tmp_path, demo=DemoSetup("demo", DEMO_SOURCES))

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await _notice_whole(pilot, UNFINISHED)
            app.take_down_notices(UNFINISHED)  # as its 30 s end it
            app.screen.query_one("#workspace").focus()
            await pilot.press("x")
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            await pilot.pause()
            assert UNFINISHED not in [n.title for n in app._notifications]  # type: ignore[attr-defined]

    asyncio.run(scenario())
