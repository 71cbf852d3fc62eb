"""Counts read as English everywhere (counts.plural): "1 stream", never "1 streams"; the chart's
busiest day names its date; an empty list does not offer to open one."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from pathlib import Path

import pytest
from app_support import SIZE, make_app, populate
from support import run_cli
from textual.widgets import Label

from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.terms import plural
from backfill_tui.widgets.day_chart import SourceChart, chart_label

NOUNS = r"(streams|observations|API calls|items|runs|pages|answers|waits|batches|duplicates)"
ONE_PLURAL = re.compile(rf"(?<![\d,.])1 {NOUNS}\b")


def test_plural_is_singular_for_one_only() -> None:
    assert [plural(n, "stream") for n in (0, 1, 2)] == ["0 streams", "1 stream", "2 streams"]
    assert (
        plural(1, "batch", "batches") == "1 batch" and plural(3, "batch", "batches") == "3 batches"
    )


def test_a_one_stream_run_says_one_stream_in_its_lines_summary_and_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    result = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--entities",
        "release",
        "--workspace",
        "w",
        "--simulate",
        "--days",
        "7",
        "--max-items",
        "1",
        "--db",
        str(db),
    )
    assert result.code == 0, result.err
    assert "1 stream since" in result.err
    run_id = result.out.split()[1]
    report = run_cli(capsys, "report", run_id, "--db", str(db))
    assert report.code == 0, report.err
    for text in (result.out, result.err, report.out):
        assert not ONE_PLURAL.search(text), ONE_PLURAL.search(text)


def test_the_charts_busiest_day_is_a_count_on_a_date() -> None:
    label = chart_label("github:acme/rocket", [0.0, 3.0, 12.0, 1.0], date(2026, 10, 31))
    assert label == "github:acme/rocket · 16 · busiest: 12 on Nov 2"
    assert chart_label("s", [0.0, 1.0], date(2026, 1, 1)) == "s · 1 · busiest: 1 on Jan 2"
    assert chart_label("s", [0.0, 0.0], date(2026, 1, 1)) == "s · 0"  # no busiest day


def test_the_dashboards_chart_names_its_busiest_date(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket")

    async def scenario() -> list[str]:
        async with app.run_test(size=SIZE) as pilot:
            app.open_run(run_id)
            await pilot.pause()
            await pilot.pause()
            return [
                str(chart.query_one(".chart-label", Label).render())
                for chart in app.screen.query(SourceChart)
            ]

    labels = asyncio.run(scenario())
    assert labels, "no chart drawn"
    assert re.search(r"busiest: \d+ on [A-Z][a-z]{2} \d{1,2}$", labels[0]), labels


def test_an_empty_observations_list_does_not_offer_to_open_one(tmp_path: Path) -> None:
    from backfill_tui.screens.app import BackfillApp

    async def count_line(app: BackfillApp) -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")
            await pilot.pause()
            assert isinstance(app.screen, ObservationsScreen)
            return str(app.screen.query_one("#obs-count", Label).render())

    empty = asyncio.run(count_line(make_app(tmp_path, db="empty.db")))
    assert "enter opens" not in empty and "0 observations" in empty, empty
    full_app = make_app(tmp_path, db="full.db")
    populate(full_app, "github:acme/rocket")
    full = asyncio.run(count_line(full_app))
    assert "enter opens one" in full, full
