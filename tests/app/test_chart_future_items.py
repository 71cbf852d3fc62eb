"""Items dated after the run (a PR created and updated 2999-01-01) on the dashboard's day
chart (respx at the HTTP level, the real connector, the app at 80x24): they were stored and
counted ("4 new") but left out of the days without a word ("github · 3", a fresh tester's
finding). The line beneath the axis says how many lie after the window."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import respx
from app_support import make_app, settle, wait_until
from support import GITHUB_REPO, run_cli
from textual.widgets import Label

from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.widgets.day_chart import SourceChart

API = "https://api.github.com/repos/acme/rocket"


def _pull(number: int, stamp: str) -> dict[str, object]:
    return {
        "id": 7000 + number, "number": number, "state": "open", "title": f"PR {number}",
        "body": None, "html_url": f"https://github.com/acme/rocket/pull/{number}",
        "user": {"id": 7, "login": "ada"}, "updated_at": stamp, "created_at": stamp,
        "head": {"ref": "feature", "sha": "a" * 40}, "base": {"ref": "main"},
    }  # fmt: skip


@respx.mock
def test_items_dated_after_the_run_are_said_beneath_the_chart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_futureItemsToken")
    now = datetime.now(UTC)
    stamps = ["2999-01-01T00:00:00Z"] + [
        (now - timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ") for d in (1, 2, 3)
    ]
    respx.get(API).respond(200, json=GITHUB_REPO)
    respx.get(f"{API}/pulls").respond(200, json=[_pull(n, s) for n, s in enumerate(stamps, 1)])
    result = run_cli(
        capsys, "run", "github:acme/rocket", "--workspace", "demo", "--days", "30",
        "--entities", "pull_request", "--json", "--db", str(tmp_path / "mirror.db"),
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.summary["sources"][0]["streams"][0]["new"] == 4
    app = make_app(tmp_path)
    run_id = str(result.summary["run_id"])

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            app.open_run(run_id)
            screen = app.screen
            assert isinstance(screen, DashboardScreen)
            await wait_until(pilot, lambda: bool(screen.query(".chart-older")))
            note = screen.query_one(".chart-older", Label)
            await wait_until(
                pilot, lambda: bool(sum(sum(c._series) for c in screen.query(SourceChart)))
            )
            await settle(pilot)
            days = sum(int(sum(c._series)) for c in screen.query(SourceChart))
            assert days == 3
            assert re.fullmatch(r"\+1 dated after \w{3} \d{2}", str(note.content)), note.content

    asyncio.run(scenario())


def test_the_note_says_both_sides_short_enough_for_the_80_column_panel() -> None:
    from datetime import date

    from backfill_tui.widgets.day_chart import outside_note

    counts = {"github": {"2026-11-02": 3, "2999-01-01": 1}, "linear": {"2999-01-01": 2}}
    first, last = date(2026, 11, 1), date(2026, 12, 3)
    assert outside_note(counts, first, last, 62) == "+62 before Nov 01 · +3 after Dec 03"
    assert outside_note(counts, first, last, 0) == "+3 dated after Dec 03"
    assert outside_note({"github": {"2026-11-02": 3}}, first, last, 0) == ""
