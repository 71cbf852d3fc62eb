"""The app's behaviour where issue 12 found it wanting: the open-recording prompt (item 7), the
runs screen past 100 runs, the day chart redrawn while it is rebuilt, and a run's end always
reaching the dashboard (item 11). Pilot drives the real app on the simulator."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import Any

from app_support import (
    SIZE,
    Recorder,
    answer,
    insert_evil_observation,
    make_app,
    populate,
    recording_prompt,
    settle,
    wait_until,
)
from inngest_stub import FakeInngest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Static

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.export_parts import ExportFailed, ExportFinished, ExportPlanned
from backfill_tui.screens.messages import RunEnded
from backfill_tui.screens.observations import PAGE as OBS_PAGE
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.path_prompt import complete_path
from backfill_tui.screens.runs import PAGE, RunsScreen
from backfill_tui.store import RunRecord
from backfill_tui.widgets.day_chart import DayChart, SourceChart


def test_path_completion_extends_as_far_as_matches_agree(tmp_path: Path) -> None:
    (tmp_path / "acme.rec.gz").write_bytes(b"x")
    (tmp_path / "acme-old.rec.gz").write_bytes(b"x")
    (tmp_path / "beta").mkdir()
    (tmp_path / ".hidden").write_bytes(b"x")
    base = f"{tmp_path}/"
    assert complete_path(base + "ac") == (base + "acme", ["acme-old.rec.gz", "acme.rec.gz"])
    assert complete_path(base + "acme.") == (base + "acme.rec.gz", ["acme.rec.gz"])
    assert complete_path(base + "b") == (base + "beta/", ["beta/"])  # a folder gets its /
    assert complete_path(base + "zz") == (base + "zz", [])
    assert ".hidden" not in complete_path(base)[1] and complete_path(base + ".h")[1] == [".hidden"]
    assert complete_path("/no/such/folder/x") == ("/no/such/folder/x", [])


def test_the_recording_prompt_completes_and_stays_open_on_a_bad_path(tmp_path: Path) -> None:
    (tmp_path / "only-one.rec.gz").write_bytes(b"not a recording")
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            prompt, field = await recording_prompt(pilot)
            field.value = f"{tmp_path}/only"
            await pilot.press("tab")
            assert field.value == f"{tmp_path}/only-one.rec.gz"
            await pilot.press("enter")  # not a recording: the reason shows, the prompt stays
            await pilot.pause()
            assert app.screen is prompt
            assert "only-one.rec.gz" in str(prompt.query_one("#path-error", Label).content)
            field.value = f"{tmp_path}/missing.rec.gz"
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is prompt and "missing.rec.gz" in str(
                prompt.query_one("#path-error", Label).content
            )
            field.value = ""
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is prompt
            await pilot.press("escape")
            assert isinstance(app.screen, RunsScreen)
            assert not app.mirror.list_runs()

    asyncio.run(scenario())


def _many_runs(app: object, count: int) -> list[str]:
    mirror = app.mirror  # type: ignore[attr-defined]
    ids = []
    for n in range(count):
        run = RunRecord(
            f"20260101-{n:06d}-r{n:03d}",
            "ws",
            ["linear:ENG"],
            7,
            "2025-12-25T00:00:00+00:00",
            None,
            1000,
            started_at=f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00",
            status="completed",
        )
        mirror.create_run(run, [("linear", "ENG", "issue")])
        ids.append(run.id)
    return ids


def test_the_runs_screen_pages_through_every_run(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    ids = _many_runs(app, PAGE + 30)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            assert len(runs.lines) == PAGE
            count = str(runs.query_one("#runs-count", Label).content)
            assert f"newest {PAGE} of {PAGE + 30} runs" in count
            runs.query_one("#runs").focus()
            await pilot.press("ctrl+end")  # to the last row: the next page loads
            await settle(pilot)
            await pilot.press("ctrl+end")
            await settle(pilot)
            assert set(runs.lines) == set(ids)  # the oldest are reachable
            assert f"{PAGE + 30} runs in" in str(runs.query_one("#runs-count", Label).content)

    asyncio.run(scenario())


class ChartApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DayChart(id="chart")


def test_the_day_chart_survives_redraws_while_it_is_rebuilt() -> None:
    first, last = date(2026, 5, 1), date(2026, 5, 3)
    app = ChartApp()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            chart = app.query_one(DayChart)
            # A run's flushes arrive faster than mounting: new sources, then the same again,
            # before the first batch of sparklines has composed.
            chart.show({"github": {"2026-05-01": 1}}, first, last)
            chart.show({"github": {"2026-05-01": 2}}, first, last)
            chart.show({"github": {"2026-05-01": 3}, "linear": {"2026-05-02": 4}}, first, last)
            chart.show({"github": {"2026-05-01": 5}, "linear": {"2026-05-02": 6}}, first, last)
            await pilot.pause()
            await pilot.pause()
            shown = {
                c.source: str(c.query_one(".chart-label", Label).content)
                for c in app.query(SourceChart)
                if c.source in ("github", "linear")
            }
            # the last counts drawn (the label reads "github · 5 · busiest: 5 on May 1")
            assert shown["github"].startswith("github · 5 ·"), shown
            assert shown["linear"].startswith("linear · 6 ·"), shown

    asyncio.run(scenario())


def test_a_count_landing_as_the_chart_is_taken_down_draws_nothing_and_raises_nothing() -> None:
    """Closing the app right after a run started raised NoMatches('.axis-first') about one time
    in three (a helper's finding): the dashboard's day count landed after the chart's axis was
    removed, the chart itself still mounted."""
    first, last = date(2026, 5, 1), date(2026, 5, 3)
    app = ChartApp()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            chart = app.query_one(DayChart)
            chart.show({"github": {"2026-05-01": 1}}, first, last)
            await pilot.pause()
            await chart.query_one(".chart-axis").remove()  # as the app's close removes it
            assert chart.is_mounted
            chart.show({"github": {"2026-05-01": 2}}, first, last)

    asyncio.run(scenario())


def test_a_run_whose_worker_never_ran_still_ends_on_the_dashboard(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("linear:ENG"),), depth=7)
            run_id = app.plan_and_start(request)
            assert run_id is not None and app.session is not None
            app.session.background.cancel()  # type: ignore[union-attr]  # before it ever ran
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=20)
            await pilot.pause()
            assert app.session is not None and not app.session.progress.running
            assert isinstance(app.screen, DashboardScreen)
            overall = str(app.screen.query_one("#overall", Label).content)
            assert not overall.startswith("running")
            assert len(seen.of(RunEnded)) == 1

    asyncio.run(scenario())


async def _inngest_export(pilot: Pilot[Any], inngest: FakeInngest) -> ExportScreen:
    """F6, Inngest chosen, its event key and the fake Inngest's address filled in."""
    await pilot.press("f6")
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    await pilot.click("#kind-inngest")
    screen.query_one("#event-key", Input).value = "evtkey-behaviour-1"
    screen.query_one("#base-url", Input).value = inngest.url
    return screen


def test_export_panel_tells_the_truth_after_an_export_and_a_failed_dry_run(
    tmp_path: Path,
    inngest: FakeInngest,
) -> None:
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    def summary() -> str:
        return str(app.screen.query_one("#plan-summary", Label).content)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await _inngest_export(pilot, inngest)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned))
            assert "Nothing was written" in summary()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(ExportFinished))
            await pilot.pause()
            assert "Nothing was written" not in summary() and "Exported to" in summary()
            assert "Done:" in str(screen.query_one("#export-result", Label).content)

            screen.query_one("#export-workspace", Input).value = "no-such-ws"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportFailed))
            await pilot.pause()
            app.clear_notifications()  # the toast is gone; the reason must stay
            await pilot.pause()
            assert summary().startswith("The dry run failed: no observations for workspace")
            assert "--" not in summary() and "workspace field" in summary()
            # another destination: the failure was the other one's and does not stay
            await pilot.click("#kind-postgres")
            await pilot.pause()
            assert summary().startswith("Press ctrl+r for a dry run")

    asyncio.run(scenario())


def test_a_failures_toast_goes_when_the_next_dry_run_starts(
    tmp_path: Path,
    inngest: FakeInngest,
) -> None:
    """A failed dry run's toast stays 10 s (the panel keeps the reason); mended and run again,
    the old failure stayed over the panel's new answer (a tester's finding)."""
    app = make_app(tmp_path)
    populate(app, "linear:ENG", days=7)
    seen = Recorder()

    def failures() -> list[str]:
        return [str(n.title) for n in app._notifications if n.severity == "error"]

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await _inngest_export(pilot, inngest)
            screen.query_one("#export-workspace", Input).value = "no-such-ws"
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportFailed))
            await pilot.pause()
            assert failures() == ["Dry run failed"]
            screen.query_one("#export-workspace", Input).value = "ws"  # mended
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned))
            await pilot.pause()
            assert failures() == []
            assert "Nothing was written" in str(screen.query_one("#plan-summary", Label).content)

    asyncio.run(scenario())


def test_the_detail_shows_a_body_as_the_provider_wrote_it(tmp_path: Path) -> None:
    # What Markdown rendering changed or dropped: HTML, an autolink, a "+" line, indentation,
    # emphasis and fences; and console markup, which must not apply either.
    lines = [
        "in [bold]payload[/bold] <script>alert('x')</script> 日本語",
        "<details><summary>Release notes</summary>",
        "Co-authored-by: John <john@users.noreply.github.com>",
        "+ Deployment Succeeded",
        '    File "rocket/fuel/lock.py", line 3, in acquire',
        "**not bold** and `not code`",
        "```",
    ]
    app = make_app(tmp_path)
    insert_evil_observation(app, body="\n".join(lines))

    async def scenario() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            screen.query_one("#observations", DataTable).focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.pause()
            body = screen.query_one("#detail-body", Static)
            shown = [strip.text.rstrip() for strip in body.render_lines(Region(0, 0, *body.size))]
            assert shown[: len(lines)] == lines

    asyncio.run(scenario())


def test_search_for_an_emoji_or_a_bracket_never_shows_everything(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    insert_evil_observation(app)  # one title carrying "[" and "]"
    total = app.mirror.count_observations("ws")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            assert screen.matching == total
            for query, expected in (("🛸", 0), ("(", None), ("[/]", 1)):
                await pilot.press("slash")  # to the search field
                field = screen.query_one("#search", Input)
                field.value = query
                await pilot.press("enter")
                await settle(pilot)
                await settle(pilot)
                assert screen.matching < total, query
                if expected is not None:
                    assert screen.matching == expected, query
                if screen.matching == 0:
                    count = str(screen.query_one("#obs-count", Label).content)
                    assert f"nothing matches “{query}”" in count

    asyncio.run(scenario())


def test_a_multi_line_body_shows_on_several_lines_in_the_detail(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "sentry:acme/rocket", days=7)
    with_lines = app.mirror.conn.execute(
        "SELECT id, content FROM observations WHERE content LIKE '%' || char(10) || '%' "
        "AND content NOT LIKE '%```%' LIMIT 1"
    ).fetchone()
    assert with_lines is not None, "the Sentry simulator writes multi-line bodies"

    async def scenario() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            screen.open_detail(int(with_lines[0]))
            await pilot.pause()
            await pilot.pause()
            body = screen.query_one("#detail-body", Static)
            # Two short lines one after the other (a Sentry body ends "Level: error",
            # "Platform: python", ...): each is a line of its own on the screen.
            lines = [line.strip() for line in with_lines[1].split("\n") if line.strip()]
            first, second = lines[-2], lines[-1]
            shown = [strip.text.strip() for strip in body.render_lines(Region(0, 0, *body.size))]
            assert first in shown and second in shown, shown
            assert shown.index(second) == shown.index(first) + 1

    asyncio.run(scenario())


def test_observations_load_a_page_at_a_time_and_every_row_is_reachable(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web")
    total = app.mirror.count_observations("ws")
    assert total > 2 * OBS_PAGE

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            assert table.row_count == OBS_PAGE and screen.matching == total
            table.focus()
            while table.row_count < total:
                before = table.row_count
                await pilot.press("ctrl+end")
                await settle(pilot)
                assert table.row_count > before
            keys = [table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(total)]
            newest_first = app.mirror.find_observations("ws", limit=total)
            assert keys == [str(o.id) for o in newest_first]

    asyncio.run(scenario())


def test_facets_by_index_equal_a_full_distinct(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", days=7)
    conn = app.mirror.conn
    sources = [r[0] for r in conn.execute("SELECT DISTINCT source FROM observations ORDER BY 1")]
    types = [
        r[0] for r in conn.execute("SELECT DISTINCT observation_type FROM observations ORDER BY 1")
    ]
    assert app.mirror.observation_facets("ws") == (sources, types)
    assert any("_" in t for t in types if t.startswith("deployment"))  # Vercel's rule applied
    assert app.mirror.observation_facets("nobody") == ([], [])


def test_a_capped_count_stops_past_the_cap(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    total = app.mirror.count_observations("ws")
    assert app.mirror.count_observations_matching("ws", cap=total + 5) == total
    assert app.mirror.count_observations_matching("ws", cap=10) == 11


def test_an_interrupted_run_opened_from_f5_animates_no_bar(tmp_path: Path) -> None:
    from backfill_tui.widgets.run_rows import StreamRow

    app = make_app(tmp_path)
    run = RunRecord(
        "20260101-000000-dead",
        "ws",
        ["github:acme/rocket"],
        7,
        "2025-12-25T00:00:00+00:00",
        None,
        1000,
        started_at="2026-01-01T00:00:00+00:00",
        status="running",
    )
    app.mirror.create_run(run, [("github", "acme/rocket", e) for e in ("issue", "push")])
    # Its process is gone (a pid no process has): the run was interrupted.
    app.mirror.conn.execute("UPDATE runs SET pid = 2147483646 WHERE id = ?", (run.id,))
    app.mirror.conn.commit()
    first = app.mirror.streams(run.id)[0]
    app.mirror.set_stream_status(first.id, "running")

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            assert runs.lines[run.id].status == "interrupted"
            runs.query_one("#runs").focus()
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            rows = list(app.screen.query(StreamRow))
            assert len(rows) == 2 and not any(row.pulsing for row in rows)
            statuses = [row.status_text for row in rows]
            assert "interrupted" in statuses and "running" not in statuses

    asyncio.run(scenario())


def test_a_toast_quoting_markup_shows_it_literally_and_never_crashes(tmp_path: Path) -> None:
    """Typed text reaches toasts ("Not a source", "Cannot start"): markup-looking text such as
    ``[/x]`` is shown as typed, never parsed (it raised MarkupError and killed the app)."""
    from backfill_tui.screens.connect import ConnectScreen

    app = make_app(tmp_path)

    async def scenario() -> list[str]:
        async with app.run_test(size=SIZE, notifications=True) as pilot:  # toasts rendered
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            for typed in ("github:acme/[/x]", "github:acme/[red]x[/red]"):
                target = screen.query_one("#target", Input)
                target.focus()
                target.value = typed
                await pilot.press("enter")
                await pilot.pause()
            await pilot.pause(0.2)
            assert app.is_running
            assert len(screen.query("Toast")) == 2  # both were drawn
            return [n.message for n in app._notifications]

    messages = asyncio.run(scenario())
    assert any("[/x]" in m for m in messages)
    assert any("[red]x[/red]" in m for m in messages)
