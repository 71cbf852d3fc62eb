"""ctrl+s on the export screen decides from the destination as it is now, not from a dry run
that found nothing new: a tester ran a dry run ("would write 0"), deleted a row from the table
with psql, pressed ctrl+s and was told "nothing new to send" while the row was missing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, Recorder, answer, make_app, populate, wait_until
from conftest_pg import PgServer
from textual.notifications import Notify
from textual.widgets import Input, Label

from backfill_tui.export import PostgresTarget, apply_export, plan_export
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.export_parts import ExportFailed, ExportFinished, ExportPlanned

TABLE = "lightfast_workspace_neural_observations"


def _count(server: PgServer, dbname: str) -> int:
    with server.admin_connect(dbname) as conn:
        row = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        assert row is not None and isinstance(row[0], int)
        return row[0]


def test_ctrl_s_rechecks_after_a_nothing_new_dry_run(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    total = len(app.mirror.source_ids("ws"))
    dsn = pg_server.dsn(pg_db)
    # Everything is in the table already (an export done before, outside the app).
    apply_export(plan_export(app.mirror.path, PostgresTarget(dsn, create_schema=True), "ws"))
    assert _count(pg_server, pg_db) == total
    seen = Recorder()

    def told() -> bool:
        return any("nothing new" in m.notification.message for m in seen.of(Notify))

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f6")
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            await pilot.click("#dsn")
            screen.query_one("#dsn", Input).value = dsn
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed)
            assert seen.of(ExportPlanned)[0].plan.would_write == 0

            with pg_server.admin_connect(pg_db) as conn:  # a row goes, as with psql
                conn.execute(
                    f"DELETE FROM {TABLE} WHERE ctid IN (SELECT ctid FROM {TABLE} LIMIT 1)"
                )
            assert _count(pg_server, pg_db) == total - 1

            await pilot.press("ctrl+s")
            await wait_until(
                pilot,
                lambda: isinstance(app.screen, ConfirmScreen) or seen.of(ExportFailed) or told(),
            )
            assert not told(), "ctrl+s trusted the stale dry run"
            assert "Write 1 observation " in str(
                app.screen.query_one("#confirm-text", Label).content
            )
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(ExportFinished) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed)
            assert seen.of(ExportFinished)[-1].result.written == 1
            assert _count(pg_server, pg_db) == total

    asyncio.run(scenario())
