"""`diff` of a completed run and one that stopped early (cancelled, interrupted, still running)
says which stopped, and that what is only in the other may simply not have been fetched by it:
"280 only in A" with no word on B's Ctrl-C read as 280 items lost, and `--json` had no status
(a tester's finding). The status is the one every face shows (a run marked running whose process
is gone is "interrupted"); the app's compare view shows the same note."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest
from app_support import SIZE, make_app, sim_environment
from support import run_cancelled_after_a_page, run_cli
from textual.widgets import DataTable, Label

from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.diff import DiffScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.store import Mirror

SOURCE = "sentry:acme/rocket"


def _runs(db: Path, stopped: str) -> tuple[str, str]:
    """A completed run, then a full run of the same source stopped after its first page: left
    cancelled, or as a killed process leaves it (interrupted), or as one still going."""
    mirror = Mirror.open(db)
    try:
        engine = Engine(mirror, sim_environment())
        request = RunRequest("w", (SourceSpec.parse(SOURCE),), 30)
        complete = engine.plan(request)
        assert asyncio.run(engine.run(complete.id)) == "completed"
        engine = Engine(mirror, sim_environment())
        early = engine.plan(RunRequest("w", (SourceSpec.parse(SOURCE),), 30, full=True))

        run_cancelled_after_a_page(engine, early.id)
        if stopped != "cancelled":  # marked running: by this process, or one that is gone
            pid = os.getpid()
            if stopped == "interrupted":
                dead = subprocess.Popen(["true"])
                dead.wait()
                pid = dead.pid
            mirror.conn.execute(
                "UPDATE runs SET status = 'running', finished_at = NULL, pid = ? WHERE id = ?",
                (pid, early.id),
            )
        return complete.id, early.id
    finally:
        mirror.close()


@pytest.mark.parametrize("stopped", ["cancelled", "interrupted", "running"])
def test_diff_says_which_run_stopped_early(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, stopped: str
) -> None:
    db = tmp_path / "m.db"
    complete, early = _runs(db, stopped)
    why = (
        f"B (run {early}) is still running: what is only in A may not have been fetched by it yet"
        if stopped == "running"
        else f"B (run {early}) did not complete ({stopped}): what is only in A may simply not "
        "have been fetched by it"
    )
    text = run_cli(capsys, "diff", complete, early, "--db", str(db))
    assert text.code == 0, text.err
    assert f"note: {why}\n" in text.err, text.err
    assert " only in A, 0 only in B, 0 changed" in text.out and "0 only in A" not in text.out
    as_json = run_cli(capsys, "diff", complete, early, "--db", str(db), "--json")
    assert as_json.code == 0, as_json.err
    data = json.loads(as_json.out)
    assert (data["a"]["status"], data["b"]["status"]) == ("completed", stopped)
    assert data["notes"] == [why]
    assert data["counts"]["only_in_a"] > 0
    # The other way round, the stopped run is A; two completed runs get no such note.
    turned = run_cli(capsys, "diff", early, complete, "--db", str(db))
    assert f"note: A (run {early}) " in turned.err and "what is only in B" in turned.err
    same = run_cli(capsys, "diff", complete, complete, "--db", str(db), "--json")
    assert json.loads(same.out)["notes"] == [
        f"A and B are the same run ({complete}): it is compared with itself"
    ]


def test_the_apps_compare_view_says_which_run_stopped_early(tmp_path: Path) -> None:
    complete, early = _runs(tmp_path / "mirror.db", "interrupted")
    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            table = screen.query_one("#runs", DataTable)
            table.move_cursor(row=table.get_row_index(complete))
            await pilot.press("m")
            table.move_cursor(row=table.get_row_index(early))
            await pilot.press("d")
            diff_screen = app.screen
            assert isinstance(diff_screen, DiffScreen)
            return str(diff_screen.query_one("#diff-summary", Label).content)

    summary = asyncio.run(scenario())
    assert (
        f"B (run {early}) did not complete (interrupted): what is only in A may simply not "
        "have been fetched by it"
    ) in summary.replace("\n", " "), summary
