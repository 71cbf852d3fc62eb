"""The dashboard's words fit 80 columns and add up (a tester's findings at 80x24): the run's
line keeps the id whole and drops words before it cuts ("… 11:56 UT…"), a re-sync's unchanged
stream says "unchanged" instead of "completed: u…", and the day chart says how many of the
run's observations fall before its days."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from app_support import Recorder, make_app, populate, settle, wait_until
from textual.widgets import Label

from backfill_tui.cli.app import demo_sources
from backfill_tui.engine.live import StreamState
from backfill_tui.engine.report import histogram
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.dashboard_parts import run_title
from backfill_tui.screens.messages import RunEnded
from backfill_tui.store import RunRecord
from backfill_tui.store.run_items import observations_per_day
from backfill_tui.terms import StreamStatus
from backfill_tui.widgets.day_chart import SourceChart
from backfill_tui.widgets.run_rows import SourceHeader, StreamRow, fit_parts

RUN = RunRecord(
    id="20261130-115627-928d",
    workspace="demo",
    sources=["github:acme/rocket"],
    depth_days=30,
    since="2026-10-31T11:56:27+00:00",
    entities=None,
    max_items=1000,
    simulate=True,
)


def test_the_run_line_is_whole_where_it_fits_and_shorter_where_not() -> None:
    whole = run_title(RUN, 200)
    assert whole == (
        "run 20261130-115627-928d · workspace demo · 30 days since 2026-10-31 11:56 UTC · simulated"
    )
    at_80 = run_title(RUN, 78)
    assert at_80 == "run 20261130-115627-928d · demo · 30 days since Oct 31 11:56 UTC · simulated"
    assert len(at_80) <= 78
    assert run_title(RUN, 50) == "run 20261130-115627-928d · demo · 30 days"


def test_the_run_line_says_since_with_its_time_or_not_at_all() -> None:
    """A workspace a few letters longer than "demo" took the form with the date alone at 80
    columns ("30 days since Oct 31 · simulated"), so one run's header had the time and the
    next one's had not (a stranger's finding): "since" goes whole, with its time, or not at all,
    at every width."""
    import dataclasses

    for workspace in ("demo", "acme-prod", "acme-production-eu"):
        for recording in (None, "/tmp/made.rec.gz"):
            run = dataclasses.replace(RUN, workspace=workspace, recording=recording)
            for width in range(20, 120):
                line = run_title(run, width)
                if "since" in line:
                    assert re.search(r"since (2026-10-31|Oct 31) 11:56 UTC", line), (width, line)
    prod = dataclasses.replace(RUN, workspace="acme-prod")
    assert run_title(prod, 78) == "run 20261130-115627-928d · acme-prod · 30 days · simulated"


def test_a_replay_says_so_in_the_run_line() -> None:
    """A replay's line read as the run it replayed ("· simulated", or nothing): a fresh
    tester's finding. It says "replay", down to 60 columns."""
    import dataclasses

    replay = dataclasses.replace(RUN, recording="/tmp/made.rec.gz")
    assert run_title(replay, 200).endswith("11:56 UTC · replay")
    assert (
        run_title(replay, 78)
        == "run 20261130-115627-928d · demo · 30 days since Oct 31 11:56 UTC · replay"
    )
    assert run_title(replay, 60) == "run 20261130-115627-928d · demo · 30 days · replay"
    assert "replay" not in run_title(RUN, 200)


def test_an_unchanged_stream_says_unchanged_in_one_word() -> None:
    state = StreamState(
        "github:acme/rocket/issue",
        "issue",
        StreamStatus.COMPLETED,
        note="unchanged since run 20261130-115000-aaaa (GitHub answered 304 Not Modified; "
        "`run --full` fetches it all again)",
    )
    assert StreamRow(state).status_text == "unchanged"
    state.note = "moved from acme/old-rocket; " + (state.note or "")  # a lookup's note first
    assert StreamRow(state).status_text == "unchanged"  # as diff counts it (terms.unchanged_note)
    state.note = "empty repository"
    assert StreamRow(state).status_text == "completed: empty repository"


def test_the_day_chart_and_its_older_line_add_up_to_what_the_run_stored(
    tmp_path: Path,
) -> None:
    """A 30-day run's Linear issues created before the window (updated in it) are not in any
    day: the line beneath the axis counts them, so days + that line = what the workspace holds,
    here what its one run stored (a tester found the chart 62 short of the header)."""
    app = make_app(tmp_path)
    run_id = populate(app, *demo_sources(), workspace="demo", days=30)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: bool(screen.query(".chart-older")))
            older = screen.query_one(".chart-older", Label)
            await wait_until(pilot, lambda: str(older.content).startswith("+"))
            await settle(pilot)
            days = sum(int(sum(c._series)) for c in screen.query(SourceChart))
            match = re.fullmatch(r"\+(\d+) observed before \w{3} \d{2}", str(older.content))
            assert match, str(older.content)
            assert int(match.group(1)) > 0
            stored = app.mirror.count_run_observations(run_id)
            assert days + int(match.group(1)) == stored == app.mirror.count_observations("demo")
            # The report counts the same ones before the window, by the same rule (whole UTC
            # days): the dashboard counted by the cutoff's instant, so an item observed on the
            # first day before that instant made it say one more (a fresh tester's finding).
            run = app.mirror.get_run(run_id)
            assert run is not None
            report = histogram(run, observations_per_day(app.mirror, run_id, "demo"))
            before = [line for line in report if line.startswith("Before the window")]
            assert before and f": {match.group(1)} observations " in before[0], before

    asyncio.run(scenario())


def test_rows_keep_a_status_just_above_100_columns() -> None:
    """Between 100 and 105 columns the middle layout left the status no room (a tester found the
    status and failure reasons gone at 100x30): the bar gives way first."""
    from backfill_tui.widgets.run_rows import MIN_STATUS, row_columns

    for screen_width in range(100, 160):
        width = screen_width - 3  # the row inside the panel's padding and scrollbar
        c = row_columns(width, screen_width)
        used = c.name + c.bar + c.bar_gap + c.progress + 6 * c.count_width + c.status_gap
        assert width - used >= MIN_STATUS, (screen_width, c)


def test_linears_source_line_fits_80_columns_without_a_lone_word(tmp_path: Path) -> None:
    """At 80x24 Linear's line ("linear:ENG · quota 4993/5000 left · complexity 2,982,337/3,000,000
    points left") wrapped "left" onto a line of its own (a tester's finding): it takes the short
    form and fits one line; wide, it keeps the long one."""
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            # the demo's four sources: their rows scroll, and the scrollbar takes two cells
            specs = tuple(SourceSpec.parse(source) for source in demo_sources())
            request = RunRequest("demo", specs, depth=30)
            assert app.plan_and_start(request) is not None
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            app.flush_progress()
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            header = next(h for h in app.screen.query(SourceHeader) if h.source == "linear:ENG")
            await wait_until(pilot, lambda: "complexity" in str(header.render()))
            text = str(header.render())
            assert "\n" not in text, text
            assert re.fullmatch(
                r"linear:ENG · quota \d+/\d+ left · complexity [\d.]+M/3M left", text
            ), text
            await pilot.resize_terminal(200, 50)
            await settle(pilot)
            await pilot.pause()
            assert str(header.render()).endswith("/3,000,000 points left"), header.render()

    asyncio.run(scenario())


def test_fit_parts_wraps_between_parts_only() -> None:
    parts = ["linear:ENG", "quota 4993/5000 left", "complexity 2,982,337/3,000,000 points left"]
    short = {"complexity": "complexity 2.98M/3M left"}
    assert fit_parts(parts, 200, short) == " · ".join(parts)
    assert fit_parts(parts, 76, short) == (
        "linear:ENG · quota 4993/5000 left · complexity 2.98M/3M left"
    )
    assert fit_parts(parts, 40, short) == (
        "linear:ENG · quota 4993/5000 left\n· complexity 2.98M/3M left"
    )
