"""Snapshots of every screen at 80x24, 120x36 and 200x50 (``--snapshot-update`` after a
deliberate change).

Everything shown is pinned: the simulator's history (a fixed anchor), the clock (virtual, or
frozen for the dashboard's elapsed time, ETA and countdown), the time zone, the run ids'
random suffix and the mirror's path (relative to the test's directory).
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    FIXED_NOW,
    SIZE,
    drawn,
    insert_evil_observation,
    make_app,
    populate,
    settle,
    sim_environment,
    wait_until,
)
from textual.pilot import Pilot
from textual.widgets import Input

from backfill_tui.cli.app import DEMO_SOURCES
from backfill_tui.clock import VirtualClock
from backfill_tui.engine import progress as ev
from backfill_tui.engine.run import Engine
from backfill_tui.screens.app import BackfillApp, DemoSetup
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.quit import QuitScreen
from backfill_tui.store import Mirror, RunRecord
from backfill_tui.widgets.run_rows import StreamRow

SnapCompare = Callable[..., bool]
SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((120, 36), id="120x36"),
    pytest.param((200, 50), id="200x50"),
]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(autouse=True)
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run ids end in a counter, not random hex; the mirror is ``mirror.db`` (a relative path)."""
    counter = itertools.count(1)
    monkeypatch.setattr(secrets, "token_hex", lambda n=2: f"{next(counter):0{2 * n}x}")
    monkeypatch.chdir(tmp_path)


def _app(tmp_path: Path, **kwargs: Any) -> BackfillApp:
    app = make_app(tmp_path, **kwargs)
    app.mirror.close()
    app.mirror = Mirror.open("mirror.db")  # shown as the runs screen's "in mirror.db"
    return app


@pytest.mark.parametrize("size", SIZES)
def test_connect_screen(tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = _app(tmp_path, demo=DemoSetup("demo", ("github:acme/rocket",)))

    async def estimated(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        await wait_until(
            pilot, lambda: "items in" in str(screen.query_one("#estimate-summary").content)
        )
        await _steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=estimated)


@pytest.mark.parametrize("size", SIZES[:2])
def test_connect_screen_with_the_demo_sources(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """The demo's four sources: "Max items" and "Record to" are below the form's view, and the
    line at its foot says so (they were out of sight, unsaid: a fresh tester's finding)."""
    app = _app(tmp_path, demo=DemoSetup("demo", DEMO_SOURCES))

    async def estimated(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        await wait_until(
            pilot, lambda: "items in" in str(screen.query_one("#estimate-summary").content)
        )
        await wait_until(pilot, lambda: screen.query_one("#more-below").display)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=estimated)


@pytest.mark.parametrize("size", [(100, 30), (110, 30)], ids=["100x30", "110x30"])
def test_connect_screen_between_the_layouts(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """From 100 to 119 columns the form is as below 100 (the estimate under it), whole."""
    test_connect_screen(tmp_path, snap_compare, size)


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_mid_run_with_a_frozen_clock(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    now = FIXED_NOW.timestamp()
    environment = sim_environment()
    app = _app(tmp_path, environment=environment, clock=VirtualClock(start=now))
    populate(app, "github:acme/rocket")  # the chart's observations
    run = RunRecord(
        id="20260601-120000-snap",
        workspace="ws",
        sources=["github:acme/rocket"],
        depth_days=30,
        since="2026-05-02T12:00:00+00:00",
        entities=None,
        max_items=1000,
        started_at="2026-06-01T12:00:00+00:00",
    )
    entities = ("pull_request", "issue", "release", "push")
    app.mirror.create_run(run, [("github", "acme/rocket", e) for e in entities])
    keys = [f"github:acme/rocket/{e}" for e in entities]
    totals = dict(zip(keys, (46, 71, 6, 174), strict=True))

    async def mid_run(pilot: Pilot[Any]) -> None:
        # This app's run (an engine of its own), fed its events below: not one another
        # process drives, whose log would say so (app._follow_log).
        engine = Engine(app.mirror, environment)
        session = app.open_run(run.id, totals=totals, engine=engine)
        assert session is not None
        session.progress.started_at = now - 75
        feed = session.buffer
        feed(ev.RunStarted(run.id, "ws", run.since, tuple(keys)))
        feed(
            ev.PageStored(run.id, keys[0], ev.StreamCounters(46, 40, 6, 0, 1, 1), 40, 6, 4990, 5000)
        )
        feed(ev.StreamFinished(run.id, keys[0], "completed", ev.StreamCounters(46, 40, 6, 0, 1, 1)))
        feed(
            ev.PageStored(run.id, keys[1], ev.StreamCounters(50, 50, 0, 1, 1, 1), 50, 0, 4989, 5000)
        )
        failed = ev.StreamCounters(0, 0, 0, 0, 0, 3)
        reason = "GitHub answered 422 for /commits: [bold]nope[/bold]\x1b[31m"
        feed(ev.StreamFinished(run.id, keys[3], "failed", failed, reason))
        feed(
            ev.RateLimitWait(
                run.id, "github:acme/rocket", keys[1], now + 5, 5.0, "rate limited (429)"
            )
        )
        app.flush_progress()
        await pilot.pause()
        app.flush_progress()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=mid_run)


@pytest.mark.parametrize("size", SIZES)
def test_observations_table(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    app = _app(tmp_path)
    populate(app, "github:acme/rocket")
    assert snap_compare(app, terminal_size=size, run_before=_keys_settled("f4"))


@pytest.mark.parametrize("size", SIZES)
def test_observation_detail_pane(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    app = _app(tmp_path)
    populate(app, "github:acme/rocket")
    settled = _keys_settled("f4", "down", "down", "enter")
    assert snap_compare(app, terminal_size=size, run_before=settled)


def test_provider_markup_and_escape_codes_render_literally(
    tmp_path: Path, snap_compare: SnapCompare
) -> None:
    app = make_app(tmp_path)
    insert_evil_observation(app)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys_settled("f4", "enter"))


def _keys_settled(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Press ``keys`` one by one, each after the screens' store reads (workers) have answered.

    A screen loads its rows in a worker: a key pressed before they land (a loaded machine) moves
    through an empty table, and the picture shows another row than the test chose.
    """

    async def press(pilot: Pilot[Any]) -> None:
        for key in keys:
            await settle(pilot)
            await pilot.press(key)
        await settle(pilot)

    return press


async def _steady(pilot: Pilot[Any]) -> None:
    """No blinking cursor and no toast whose timeout a slow machine may or may not reach."""
    await pilot.pause()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


def _finished(tmp_path: Path, *sources: str) -> tuple[BackfillApp, str]:
    app = _app(tmp_path)
    run_id = populate(app, *(sources or ("github:acme/rocket", "linear:ENG", "sentry:acme/rocket")))
    return app, run_id


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_before_any_run(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    assert snap_compare(_app(tmp_path), terminal_size=size, press=["f3"])


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_after_a_run(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    app, run_id = _finished(tmp_path)

    async def shown(pilot: Pilot[Any]) -> None:
        app.open_run(run_id)
        streams = len(app.mirror.streams(run_id))
        await wait_until(pilot, lambda: len(app.screen.query(StreamRow)) == streams)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=shown)


@pytest.mark.parametrize("size", SIZES)
def test_runs_screen(tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, _ = _finished(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    assert snap_compare(app, terminal_size=size, run_before=_keys_settled("f5"))


@pytest.mark.parametrize("size", SIZES)
def test_compare_two_runs(tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, _ = _finished(tmp_path, "github:acme/rocket")
    populate(app, "github:acme/rocket", days=7)
    # runs are listed newest first: mark the 7-day run as A, compare with the 30-day one

    async def compared(pilot: Pilot[Any]) -> None:
        await pilot.press("f5", "m", "down", "d")
        await _steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=compared)


@pytest.mark.parametrize("size", SIZES)
def test_open_recording_prompt(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    async def prompted(pilot: Pilot[Any]) -> None:
        await pilot.press("f5", "o")
        await _steady(pilot)

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=prompted)


@pytest.mark.parametrize("size", SIZES)
def test_export_screen(tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app, _ = _finished(tmp_path, "github:acme/rocket")

    async def shown(pilot: Pilot[Any]) -> None:
        await pilot.press("f6")
        await pilot.pause()
        app.screen.set_focus(None)  # no cursor blinking in the picture
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=shown)


@pytest.mark.parametrize("size", SIZES)
def test_help_modal(tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def helped(pilot: Pilot[Any]) -> None:
        await pilot.press("f3")
        await drawn(pilot)  # F1 typed before the dashboard was drawn is dropped (key_order)
        await pilot.press("f1")

    assert snap_compare(_app(tmp_path), terminal_size=size, run_before=helped)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("which", ["export", "quit"])
def test_confirm_modals(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int], which: str
) -> None:
    """The export's yes/no question over the export screen; quit's, with nothing going (its
    question follows what is: test_quit_during_export.py, test_app.py)."""
    app, _ = _finished(tmp_path, "github:acme/rocket")
    question = (
        "Send 341 observations of workspace ws to Inngest at http://127.0.0.1:8288? Each "
        "batch is recorded in the mirror as it lands; cancelling keeps what was already sent."
    )

    async def asked(pilot: Pilot[Any]) -> None:
        await pilot.press("f6")
        app.screen.set_focus(None)
        if which == "export":
            app.push_screen(ConfirmScreen(question, title="Export?", yes="Export"))
        else:
            app.push_screen(QuitScreen())
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=asked)
