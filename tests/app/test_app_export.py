"""The app's export screen (F6), driven like a person: a dry run and an apply against a real
PostgreSQL server, an apply to a loopback Inngest stand-in, the masked secrets, a snapshot."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from app_support import SIZE, Recorder, answer, drawn, make_app, open_export, populate, wait_until
from conftest_pg import PASSWORD, PgServer
from inngest_stub import Answer, FakeInngest
from screen_text import region_text
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Label

from backfill_tui.export import export_status
from backfill_tui.export.event_endpoint import ledger_target
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.export import ExportScreen
from backfill_tui.screens.export_parts import (
    ExportFailed,
    ExportFinished,
    ExportPlanned,
    ExportStepped,
)

TABLE = "lightfast_workspace_neural_observations"
EVENT_KEY = "evtkey-App-9f31-secret"

SnapCompare = Callable[..., bool]
M = TypeVar("M", bound=Message)


def _app(tmp_path: Path) -> tuple[BackfillApp, int]:
    """An app whose mirror holds a simulated backfill of workspace ws; and how many rows."""
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket")
    return app, len(app.mirror.source_ids("ws"))


def once(seen: Recorder, kind: type[M]) -> list[M]:
    """The screen's messages, each once (the hook sees a screen's message more than once)."""
    return list({id(m): m for m in seen.of(kind)}.values())


def _text(label: Label) -> str:
    return str(label.content)


def _pg_count(server: PgServer, dbname: str) -> int:
    with server.admin_connect(dbname) as conn:
        row = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()
        assert row is not None and isinstance(row[0], int)
        return row[0]


async def _type(pilot: Pilot[Any], selector: str, text: str, *, keys: bool = True) -> None:
    """Click a field and type ``text`` key by key (``keys=False``: paste it at once)."""
    await pilot.click(selector)
    field = pilot.app.screen.query_one(selector, Input)
    field.value = "" if keys else text
    if keys:
        await pilot.press(*text)


def _shown(app: BackfillApp, seen: Recorder) -> str:
    """Everything the user could see: the rendered screen and every notification."""
    notes = " ".join(f"{m.notification.title} {m.notification.message}" for m in seen.of(Notify))
    return app.export_screenshot() + notes


def test_dry_run_then_export_to_postgres(tmp_path: Path, pg_server: PgServer, pg_db: str) -> None:
    app, total = _app(tmp_path)
    seen = Recorder()
    dsn = pg_server.dsn(pg_db)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f6")
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            assert screen.query_one("#export-workspace", Input).value == "ws"  # the last run's
            await _type(pilot, "#dsn", dsn)
            await pilot.click("#create-schema")
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: once(seen, ExportPlanned) or once(seen, ExportFailed))
            assert not once(seen, ExportFailed), once(seen, ExportFailed)
            plan = once(seen, ExportPlanned)[0].plan
            assert (plan.total, plan.would_write, plan.skipped) == (total, total, 0)
            summary = _text(screen.query_one("#plan-summary", Label))
            assert "would create table" in summary
            assert re.search(rf"would write +{total} +in 1 batch\n", summary)
            assert screen.query_one("#plan-sample", DataTable).row_count == 5
            with pg_server.admin_connect(pg_db) as conn:  # the dry run created nothing
                row = conn.execute("SELECT to_regclass(%s)", (TABLE,)).fetchone()
                assert row is not None and row[0] is None

            await pilot.press("ctrl+s")  # the same form: the plan is reused, then confirmed
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            question = _text(app.screen.query_one("#confirm-text", Label))
            assert f"Write {total} observations" in question
            assert f"The table {TABLE} is created first." in question  # it said nothing of it
            await answer(pilot, "y")
            await wait_until(pilot, lambda: once(seen, ExportFinished) or once(seen, ExportFailed))
            assert not once(seen, ExportFailed), once(seen, ExportFailed)
            result = once(seen, ExportFinished)[0].result
            assert (result.written, result.skipped, result.cancelled) == (total, 0, False)
            assert seen.of(ExportStepped)
            assert _pg_count(pg_server, pg_db) == total
            ledger = export_status(app.mirror.path, "ws")
            assert ledger == {("postgres", plan.target_id): total}
            status = _text(screen.query_one("#export-status", Label))
            assert f"PostgreSQL {plan.target_id}: {total}" in status
            assert PASSWORD not in _shown(app, seen)

            # The table made, "create the table" is unticked (ticked, the next dry run was
            # refused "already exists": a fresh tester's finding); a second dry run finds
            # everything in the table already.
            assert not screen.query_one("#create-schema", Checkbox).value
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: len(once(seen, ExportPlanned)) >= 2)
            again = once(seen, ExportPlanned)[1].plan
            assert (again.would_write, again.skipped) == (0, total)
            assert "already in the table" in _text(screen.query_one("#plan-summary", Label))

    asyncio.run(scenario())


def test_export_to_inngest_without_a_dry_run_first(tmp_path: Path, inngest: FakeInngest) -> None:
    app, total = _app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await open_export(pilot)
            await pilot.click("#kind-inngest")
            assert screen.kind == "inngest" and not screen.query_one("#pg-fields").display
            await _type(pilot, "#event-key", EVENT_KEY)
            await _type(pilot, "#base-url", inngest.url, keys=False)
            await _type(pilot, "#clerk-org", "org_app", keys=False)
            await pilot.press("ctrl+s")  # plans first, then asks
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            assert f"Send {total} observations" in _text(
                app.screen.query_one("#confirm-text", Label)
            )
            assert not inngest.requests  # nothing sent before the answer
            await answer(pilot, "y")
            await wait_until(pilot, lambda: once(seen, ExportFinished) or once(seen, ExportFailed))
            assert not once(seen, ExportFailed), once(seen, ExportFailed)
            result = once(seen, ExportFinished)[0].result
            assert result.written == total
            assert len(inngest.events) == total
            assert {e["data"]["clerkOrgId"] for e in inngest.events.values()} == {"org_app"}
            host = ledger_target(inngest.url.removeprefix("http://"), EVENT_KEY)  # host and key
            assert export_status(app.mirror.path, "ws") == {("inngest", host): total}
            assert f"Inngest at {host}: {total}" in _text(screen.query_one("#export-status", Label))
            assert EVENT_KEY not in _shown(app, seen)

    asyncio.run(scenario())


def test_secrets_never_show_even_when_the_export_fails(
    tmp_path: Path, pg_server: PgServer, pg_db: str, inngest: FakeInngest
) -> None:
    app, _ = _app(tmp_path)
    seen = Recorder()
    wrong = "Wr0ng-app-pass-2718"

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f6")
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            await _type(pilot, "#dsn", pg_server.dsn(pg_db, password=wrong))
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: once(seen, ExportFailed))
            assert "refused the password" in once(seen, ExportFailed)[0].error
            assert seen.of(Notify)  # the error was shown
            assert "•" * 8 in app.export_screenshot()  # the field is masked
            shown = _shown(app, seen)
            assert wrong not in shown and "Wr0ng" not in shown

            await pilot.click("#kind-inngest")
            await _type(pilot, "#event-key", EVENT_KEY)
            await _type(pilot, "#base-url", inngest.url, keys=False)
            inngest.always = Answer(401)  # the key is refused
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await answer(pilot, "y")
            await wait_until(pilot, lambda: len(once(seen, ExportFailed)) >= 2)
            assert EVENT_KEY not in _shown(app, seen)
            error = once(seen, ExportFailed)[1].error
            assert "refused the event key (401)" in error and EVENT_KEY not in error

    asyncio.run(scenario())


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_export_screen_with_a_dry_run(tmp_path: Path, snap_compare: SnapCompare, utc: None) -> None:
    app, _ = _app(tmp_path)
    seen = Recorder()

    async def dry_run(pilot: Pilot[Any]) -> None:
        await pilot.press("f6")
        screen = app.screen
        await pilot.click("#kind-inngest")
        screen.query_one("#event-key", Input).value = "snapshot-key-1234"
        screen.query_one("#base-url", Input).value = "http://127.0.0.1:8288"
        await pilot.press("ctrl+r")
        await wait_until(
            pilot, lambda: "would send" in str(screen.query_one("#plan-summary", Label).content)
        )
        # The sample's rows are drawn after they are added (the table sizes them when idle): a
        # snapshot taken between the two, under load, showed an empty table. Wait for the rows
        # on the screen, not in the table.
        sample = screen.query_one("#plan-sample", DataTable)
        await wait_until(pilot, lambda: region_text(app, sample).count("20") >= 5)
        await pilot.click("#plan-summary")  # focus off the inputs: no cursor in the picture
        screen.query_one("#export-kind").focus()  # (the click on Inngest focused its key)
        await pilot.pause()

    assert seen is not None
    assert snap_compare(app, terminal_size=SIZE, run_before=dry_run)


def test_the_event_key_comes_from_the_environment_when_the_form_has_none(
    tmp_path: Path, inngest: FakeInngest
) -> None:
    """With INNGEST_EVENT_KEY set, the form's dry run asked to "type the Inngest event key",
    while `export inngest` and the trigger dialog take the variable (a fresh tester's finding):
    the form takes it too, says so where the key would be typed, and never shows it."""
    import dataclasses

    app, total = _app(tmp_path)
    app.environment = dataclasses.replace(app.environment, env={"INNGEST_EVENT_KEY": EVENT_KEY})
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = await open_export(pilot)
            await pilot.click("#kind-inngest")
            key = screen.query_one("#event-key", Input)
            assert key.value == "" and "INNGEST_EVENT_KEY" in key.placeholder
            await _type(pilot, "#base-url", inngest.url, keys=False)
            await pilot.press("ctrl+r")
            await wait_until(pilot, lambda: once(seen, ExportPlanned) or once(seen, ExportFailed))
            assert not once(seen, ExportFailed), once(seen, ExportFailed)
            assert once(seen, ExportPlanned)[0].plan.would_write == total
            assert EVENT_KEY not in _shown(app, seen)

    asyncio.run(scenario())


def test_the_export_workspace_follows_the_run_opened_until_one_is_typed(tmp_path: Path) -> None:
    """Filled once with the newest run's workspace, the form kept it after a run of another
    workspace was opened, while the dashboard and the observations showed that one: the export
    would have sent the wrong workspace (a fresh tester's finding). It follows the app's until
    the user types one, which then stays."""
    app = make_app(tmp_path)
    ws_run = populate(app, "github:acme/rocket", days=7)
    other_run = populate(app, "github:acme/rocket", workspace="other", days=7)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            app.open_run(other_run)
            await drawn(pilot)
            await pilot.press("f6")
            screen = app.screen
            assert isinstance(screen, ExportScreen)
            field = screen.query_one("#export-workspace", Input)
            await wait_until(pilot, lambda: field.value == "other")
            app.open_run(ws_run)
            await drawn(pilot)  # the dashboard the run opened on, as a person sees it
            await pilot.press("f3", "f6")
            await wait_until(pilot, lambda: field.value == "ws")
            field.value = "typed"  # the user's choice
            app.open_run(other_run)
            await drawn(pilot)
            await pilot.press("f3", "f6")
            await pilot.pause()
            assert field.value == "typed"

    asyncio.run(scenario())
