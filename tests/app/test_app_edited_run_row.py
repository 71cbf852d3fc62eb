"""A run whose stream row was edited by hand (``fetched = 'lots'``) is said in a notice when
Enter opens it from Runs, and the app goes on: it ended at once with exit 2 (a tester's finding),
though the mirror's other runs and screens still read well. The CLI still refuses such a mirror
with exit 2 (tests/e2e)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, make_app, open_runs, populate, settle, wait_until

from backfill_tui.screens.dashboard import DashboardScreen


def test_enter_on_a_run_with_a_hand_edited_stream_row_says_why_and_the_app_goes_on(
    tmp_path: Path,
) -> None:
    app = make_app(tmp_path)
    good = populate(app, "github:acme/rocket", days=7)
    edited = populate(app, "github:acme/rocket", days=7)
    with app.mirror.transaction() as conn:
        row = conn.execute("SELECT min(id) FROM streams WHERE run_id = ?", (edited,)).fetchone()
        conn.execute("UPDATE streams SET fetched = 'lots' WHERE id = ?", row)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen, table = await open_runs(pilot)
            keys = [str(r.key.value) for r in table.ordered_rows]
            table.move_cursor(row=keys.index(edited))
            await pilot.press("enter")
            await settle(pilot)
            await wait_until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
            assert app.is_running and app.screen is screen  # still on Runs
            errors = [n for n in app._notifications if n.severity == "error"]
            assert [str(n.title) for n in errors] == [f"Cannot show run {edited}"]
            assert f"UPDATE streams SET fetched = 0 WHERE id = {row[0]}" in errors[0].message
            # the other run opens as ever
            table.move_cursor(row=keys.index(good))
            await pilot.press("enter")
            await settle(pilot)
            assert app.session is not None and app.session.run.id == good
            assert isinstance(app.screen, DashboardScreen)

    asyncio.run(scenario())
    assert app.return_code in (None, 0)


def test_a_run_row_edited_while_the_app_runs_is_said_and_the_app_goes_on(tmp_path: Path) -> None:
    """A run's own row edited by another program while the app was up (depth_days = 45):
    Enter on it ended the app with exit 2 (a fresh tester's finding); it is said in a
    notice, as a stream row's edit is."""
    import sqlite3

    app = make_app(tmp_path)
    run_id = populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen, _table = await open_runs(pilot)
            with sqlite3.connect(tmp_path / "mirror.db") as conn:
                conn.execute("UPDATE runs SET depth_days = 45")
            await pilot.press("enter")
            await wait_until(pilot, lambda: any(n.severity == "error" for n in app._notifications))
            assert app.is_running and app.screen is screen
            (error,) = [n for n in app._notifications if n.severity == "error"]
            assert str(error.title) == f"Cannot show run {run_id}"
            assert "UPDATE runs SET depth_days = 7" in error.message

    asyncio.run(scenario())
    assert app.return_code in (None, 0)
