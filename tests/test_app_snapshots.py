"""Snapshots of the app's key screens (``--snapshot-update`` after a deliberate change).

Everything shown is pinned: the simulator's history (a fixed anchor), the clock (virtual, or
frozen for the dashboard's elapsed time, ETA and countdown) and the time zone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import (
    FIXED_NOW,
    SIZE,
    insert_evil_observation,
    make_app,
    populate,
    sim_environment,
    wait_until,
)
from textual.pilot import Pilot

from backfill_tui import progress as ev
from backfill_tui.app import DemoSetup
from backfill_tui.clock import VirtualClock
from backfill_tui.store import RunRecord

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_connect_screen(tmp_path: Path, snap_compare: SnapCompare) -> None:
    app = make_app(tmp_path, demo=DemoSetup("demo", ("github:acme/rocket",)))

    async def estimated(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        await wait_until(
            pilot, lambda: "items in" in str(screen.query_one("#estimate-summary").content)
        )

    assert snap_compare(app, terminal_size=SIZE, run_before=estimated)


def test_dashboard_mid_run_with_a_frozen_clock(tmp_path: Path, snap_compare: SnapCompare) -> None:
    now = FIXED_NOW.timestamp()
    environment = sim_environment()
    app = make_app(tmp_path, environment=environment, clock=VirtualClock(start=now))
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
        session = app.open_run(run.id, totals=totals)
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

    assert snap_compare(app, terminal_size=SIZE, run_before=mid_run)


def test_observations_table(tmp_path: Path, snap_compare: SnapCompare) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    assert snap_compare(app, terminal_size=SIZE, press=["f4"])


def test_observation_detail_pane(tmp_path: Path, snap_compare: SnapCompare) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    assert snap_compare(app, terminal_size=SIZE, press=["f4", "down", "down", "enter"])


def test_provider_markup_and_escape_codes_render_literally(
    tmp_path: Path, snap_compare: SnapCompare
) -> None:
    app = make_app(tmp_path)
    insert_evil_observation(app)
    assert snap_compare(app, terminal_size=SIZE, press=["f4", "enter"])
