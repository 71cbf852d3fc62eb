"""The export screen's dry run says what it waits for: with the target table locked by another
session (``psql``'s ``BEGIN; LOCK TABLE ...``), the panel sat on "Dry run: asking the
destination…" for as long as the lock was held (a fresh tester's finding). It now says which
session holds the lock, and the plan comes in once that session ends its transaction."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from app_support import Recorder, make_app, open_export, populate, wait_for_exit, wait_until
from conftest_pg import PgServer
from textual.widgets import Checkbox, Input, Label

from backfill_tui.export import pg_waits
from backfill_tui.screens.export_parts import ExportFailed, ExportPlanned

TABLE = "lightfast_workspace_neural_observations"


def test_a_dry_run_waiting_on_a_locked_table_says_who_holds_it(
    tmp_path: Path, pg_server: PgServer, pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_waits, "SILENCE_NOTICE_S", 0.3)  # 5 s in use
    monkeypatch.setattr(pg_waits, "POLL_S", 0.1)
    pg_server.create_production_table(pg_db)
    holder = pg_server.lock_production_table(pg_db)
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#dsn", Input).value = pg_server.dsn(pg_db)
            screen.query_one("#create-schema", Checkbox).value = False
            await pilot.press("ctrl+r")
            summary = screen.query_one("#plan-summary", Label)
            said = f"a lock held by another session (pid {holder.info.backend_pid}, psql"
            try:
                await wait_until(pilot, lambda: said in str(summary.render()), timeout=30)
                assert "Dry run: asking the destination…" in str(summary.render())
                assert not seen.of(ExportPlanned)
            finally:
                holder.rollback()
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)
            assert "lock held" not in str(summary.render())  # the plan replaced it

    try:
        asyncio.run(scenario())
    finally:
        holder.close()


def _export_sessions_waiting(pg_server: PgServer, pg_db: str) -> int:
    with pg_server.admin_connect(pg_db) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
            "'backfill-tui export' AND wait_event_type = 'Lock'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_escape_stops_a_dry_run_waiting_on_a_lock_and_a_new_one_does_not_double_it(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    """Escape did not stop a waiting dry run, and ctrl+r again started a second beside it
    (a fresh tester's finding): escape stops it, saying so; ctrl+r stops the one waiting."""
    pg_server.create_production_table(pg_db)
    holder = pg_server.lock_production_table(pg_db)
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#dsn", Input).value = pg_server.dsn(pg_db)
            screen.query_one("#create-schema", Checkbox).value = False
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: _export_sessions_waiting(pg_server, pg_db) == 1)
            await pilot.press("ctrl+r")  # again: the first is stopped, one waits
            await wait_until(pilot, lambda: _export_sessions_waiting(pg_server, pg_db) == 1)
            await pilot.pause(1.5)  # past the watch's look: the first one stopped for good
            assert _export_sessions_waiting(pg_server, pg_db) == 1
            await pilot.press("escape")
            await wait_until(pilot, lambda: _export_sessions_waiting(pg_server, pg_db) == 0)
            summary = screen.query_one("#plan-summary", Label)
            await wait_until(pilot, lambda: "stopped; nothing was written" in str(summary.render()))
            assert not seen.of(ExportPlanned)

    try:
        asyncio.run(scenario())
    finally:
        holder.rollback()
        holder.close()


def test_quitting_during_a_dry_run_waiting_on_a_lock_exits(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    """ctrl+q (or SIGTERM) during a dry run waiting on a lock left a blank screen and a live
    process until the lock went (a fresh tester's finding): the screen going stops it."""
    pg_server.create_production_table(pg_db)
    holder = pg_server.lock_production_table(pg_db)
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", days=7)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#dsn", Input).value = pg_server.dsn(pg_db)
            screen.query_one("#create-schema", Checkbox).value = False
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: _export_sessions_waiting(pg_server, pg_db) == 1)
            await pilot.press("ctrl+q")
            await wait_for_exit(app)

    try:
        asyncio.run(asyncio.wait_for(scenario(), timeout=60))
        deadline = time.monotonic() + 30  # the statement is cancelled: its thread ends
        while _export_sessions_waiting(pg_server, pg_db) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _export_sessions_waiting(pg_server, pg_db) == 0
        assert not [t for t in threading.enumerate() if "export-plan" in t.name and t.is_alive()]
    finally:
        holder.rollback()
        holder.close()
