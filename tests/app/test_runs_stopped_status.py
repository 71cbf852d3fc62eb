"""A run killed with kill -9 shows "interrupted" under F5 and in `runs` (text and JSON) in each
state a kill leaves it in: stored ``running`` under a process that is gone, and stored
``running`` with the stop written later (``Mirror.end_span``: a ``finished_at``), naming no
process or, as a mirror written before that write cleared it holds, a process that lives (the
app's own). That last read "running" in both, for good (a fresh tester's finding). The rule is
one, ``engine.runs.shown_status``; the summary (``report``, ``--json``) asks it too."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from app_support import ANCHOR, make_app, wait_until
from support import killed_headless_run, run_cli

from backfill_tui.screens.runs import RunsScreen

#: What a kill leaves, as the columns (finished_at, pid, host) written over the killed run's.
STATES = {
    "killed mid-run": None,
    "its stop written later": ("2026-12-03T20:00:00+00:00", None, None),
    "its stop written later, a live process named": (
        "2026-12-03T20:00:00+00:00",
        os.getpid(),
        socket.gethostname(),
    ),
}


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("killed") / "mirror.db"
    sources = ["github:acme/rocket", "vercel:acme/rocket-web"]
    return db, killed_headless_run(db, sources, f"anchor={ANCHOR},latency=0.5,scale=3")


@pytest.mark.parametrize("state", list(STATES))
def test_a_killed_run_is_interrupted_in_runs_and_under_f5(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    killed: tuple[Path, str],
    state: str,
) -> None:
    db = tmp_path / "mirror.db"
    shutil.copy(killed[0], db)
    run_id = killed[1]
    written = STATES[state]
    with closing(sqlite3.connect(db)) as conn, conn:
        if written is not None:
            conn.execute(
                "UPDATE runs SET finished_at = ?, pid = ?, host = ? WHERE id = ?",
                (*written, run_id),
            )
        assert conn.execute("SELECT status FROM runs").fetchone() == ("running",)

    listed = run_cli(capsys, "runs", "--json", "--db", str(db))
    assert [(r["run_id"], r["status"]) for r in json.loads(listed.out)] == [(run_id, "interrupted")]
    text = run_cli(capsys, "runs", "--db", str(db)).out
    assert text.startswith(f"{run_id}  interrupted "), text
    report = run_cli(capsys, "report", run_id, "--db", str(db)).out
    assert "| Status | interrupted |" in report, report

    app = make_app(tmp_path)

    async def scenario() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("f5")
            await wait_until(pilot, lambda: isinstance(app.screen, RunsScreen))
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            await wait_until(pilot, lambda: run_id in screen.lines)
            assert screen.lines[run_id].status == "interrupted"

    asyncio.run(scenario())
