"""A replay is listed by when it was replayed, newest first, saying what it replays: it runs
on its recording's clock, and its start (and id) were its recording's instant, so one made a
moment ago read, under F5, as made when it was recorded (a fresh tester's finding). Its row's
"started" is when it was replayed (``runs.replayed_at``), its id's prefix too, and its
sources say the recording and the instant it replays; `runs` says the same."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from app_support import make_app, wait_until
from support import run_cli

from backfill_tui.screens.runs import RunsScreen

SIM = "anchor=2026-01-01T00:00:00Z,scale=0.5"


def test_a_replay_is_listed_and_shown_by_when_it_was_replayed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db, rec = tmp_path / "mirror.db", tmp_path / "a.rec"
    common = ["--simulate", "--quiet", "--days", "7", "--max-items", "3", "--db", str(db)]
    recorded = run_cli(capsys, "run", "github:acme/rocket", "--workspace", "w", "--record",
                       str(rec), *common)  # fmt: skip
    assert recorded.code == 0, recorded.err
    time.sleep(1.1)  # a run's start is kept to the second: the next one starts a second later
    later = run_cli(capsys, "run", "vercel:acme/rocket-web", "--workspace", "w", *common)
    assert later.code == 0, later.err
    assert run_cli(capsys, "replay", str(rec), "--quiet", "--db", str(db)).code == 0

    rows = json.loads(run_cli(capsys, "runs", "--json", "--db", str(db)).out)
    replay, later_run, recorded_run = rows
    assert replay["replay_of"] == str(rec.resolve())
    assert replay["started_at"] == recorded_run["started_at"]  # the recording's instant
    assert replay["replayed_at"] >= later_run["started_at"]  # but replayed after the later run
    # its id's prefix is when it was made too (to the second), not its recording's
    assert replay["run_id"][:15] >= later_run["run_id"][:15] > recorded_run["run_id"][:15]
    assert recorded_run["replayed_at"] is None and later_run["replayed_at"] is None
    recorded_at = recorded_run["started_at"][:16].replace("T", " ")
    text = run_cli(capsys, "runs", "--db", str(db)).out.splitlines()
    assert text[0].startswith(replay["run_id"])
    assert text[0].endswith(f"(replay of a.rec, recorded {recorded_at})"), text[0]

    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(200, 50)) as pilot:
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            await wait_until(pilot, lambda: len(screen.lines) == 3)
            table = screen.query_one("#runs")
            first = [str(cell) for cell in table.get_row_at(0)]  # type: ignore[attr-defined]
            assert first[0] == replay["run_id"]
            assert replay["replayed_at"][:16].replace("T", " ") in first  # when it ran
            assert first[-1] == f"replay: github:acme/rocket (a.rec, recorded {recorded_at})"

    asyncio.run(scenario())
