"""The app's behaviour where issue 12 found it wanting: the open-recording prompt (item 7), the
runs screen past 100 runs, the day chart redrawn while it is rebuilt, and a run's end always
reaching the dashboard (item 11). Pilot drives the real app on the simulator."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from app_support import SIZE, Recorder, make_app, wait_until
from textual.app import App, ComposeResult
from textual.widgets import Input, Label

from backfill_tui.engine import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import RunEnded
from backfill_tui.screens.path_prompt import PathPromptScreen, complete_path
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
            await pilot.press("f5", "o")
            prompt = app.screen
            assert isinstance(prompt, PathPromptScreen)
            field = prompt.query_one("#path-input", Input)
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
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            assert len(runs.lines) == PAGE
            count = str(runs.query_one("#runs-count", Label).content)
            assert f"newest {PAGE} of {PAGE + 30} runs" in count
            runs.query_one("#runs").focus()
            await pilot.press("ctrl+end")  # to the last row: the next page loads
            await pilot.pause()
            await pilot.press("ctrl+end")
            await pilot.pause()
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
            assert "5 observations" in shown["github"] and "6 observations" in shown["linear"]

    asyncio.run(scenario())


def test_a_run_whose_worker_never_ran_still_ends_on_the_dashboard(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("linear:ENG"),), depth=7)
            run_id = app.plan_and_start(request)
            assert run_id is not None and app.session is not None
            app.session.worker.cancel()  # type: ignore[union-attr]  # before it ever ran
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=20)
            await pilot.pause()
            assert app.session is not None and not app.session.progress.running
            assert isinstance(app.screen, DashboardScreen)
            overall = str(app.screen.query_one("#overall", Label).content)
            assert not overall.startswith("running")
            assert len(seen.of(RunEnded)) == 1

    asyncio.run(scenario())
