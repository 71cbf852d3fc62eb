"""The Export screen (F6) reads an observation whose stored text is not valid UTF-8 as the
headless export does: a bad byte in ``source`` (a hand edit, another tool) failed the screen's
dry run with "internal error (OperationalError)" while ``export`` itself replaced and counted it
(a fresh tester's finding). The dry run now plans every row, and says one was read leniently."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from app_support import (
    Recorder,
    answer,
    inngest_dry_run,
    make_app,
    open_export,
    populate,
    wait_until,
)
from conftest_pg import PgServer
from inngest_stub import FakeInngest
from textual.widgets import Checkbox, Input

from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export_parts import ExportFailed, ExportFinished, ExportPlanned


def _app_with_a_bad_source(tmp_path: Path) -> tuple[BackfillApp, int]:
    """An app on a mirror whose oldest observation's ``source`` is "vercel" with its last
    byte not UTF-8, and how many observations it holds."""
    app = make_app(tmp_path)
    populate(app, "vercel:acme/rocket-web", days=7)
    with sqlite3.connect(tmp_path / "mirror.db") as conn:
        conn.execute(
            "UPDATE observations SET source = CAST(x'76657263656cff' AS TEXT)"
            " WHERE id = (SELECT min(id) FROM observations)"
        )
    return app, app.mirror.count_observations("ws")


def test_a_source_that_is_not_utf8_is_planned_and_sent_not_an_internal_error(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    app, stored = _app_with_a_bad_source(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            await inngest_dry_run(pilot, inngest.url, seen, "evtkey-bad-text-1")
            assert not seen.of(ExportFailed), seen.of(ExportFailed)[0]
            plan = seen.of(ExportPlanned)[0].plan
            assert plan.total == stored, plan
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(ExportFinished) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)[0]
            assert inngest.received == stored

    asyncio.run(scenario())


def test_a_source_that_is_not_utf8_goes_to_postgres_as_the_headless_export_sends_it(
    tmp_path: Path, pg_server: PgServer, pg_db: str
) -> None:
    app, stored = _app_with_a_bad_source(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
            screen = await open_export(pilot)
            screen.query_one("#dsn", Input).value = pg_server.dsn(pg_db)
            screen.query_one("#create-schema", Checkbox).value = True
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: seen.of(ExportPlanned) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)[0]
            assert seen.of(ExportPlanned)[0].plan.total == stored
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: seen.of(ExportFinished) or seen.of(ExportFailed))
            assert not seen.of(ExportFailed), seen.of(ExportFailed)[0]
            assert seen.of(ExportFinished)[0].result.written == stored

    asyncio.run(scenario())
