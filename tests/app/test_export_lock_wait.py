"""The export screen's dry run says what it waits for: with the target table locked by another
session (``psql``'s ``BEGIN; LOCK TABLE ...``), the panel sat on "Dry run: asking the
destination…" for as long as the lock was held (a fresh tester's finding). It now says which
session holds the lock, and the plan comes in once that session ends its transaction."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest
from app_support import Recorder, make_app, open_export, populate, wait_until
from conftest_pg import PgServer
from textual.widgets import Checkbox, Input, Label

from backfill_tui.export import pg_waits
from backfill_tui.export.postgres import DDL
from backfill_tui.screens.export_parts import ExportFailed, ExportPlanned

TABLE = "lightfast_workspace_neural_observations"


def test_a_dry_run_waiting_on_a_locked_table_says_who_holds_it(
    tmp_path: Path, pg_server: PgServer, pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pg_waits, "SILENCE_NOTICE_S", 0.3)  # 5 s in use
    monkeypatch.setattr(pg_waits, "POLL_S", 0.1)
    with pg_server.admin_connect(pg_db) as conn:
        for statement in DDL:
            conn.execute(statement)  # type: ignore[arg-type]
        conn.execute(f"ALTER TABLE {TABLE} OWNER TO exporter")  # type: ignore[arg-type]
    holder: psycopg.Connection[Any] = psycopg.connect(pg_server.dsn(pg_db))
    holder.execute("SET application_name = 'psql'")
    holder.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")  # type: ignore[arg-type]
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
