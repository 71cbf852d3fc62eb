"""The terminal app, driven through Pilot like a person: connect, start, watch, cancel, resume,
browse observations, runs, quit. Each test asserts on state and on the messages the app posts."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import datetime
from pathlib import Path

from app_support import (
    SIZE,
    Recorder,
    answer,
    cancel_the_run,
    drawn,
    held_environment,
    make_app,
    paced_environment,
    settle,
    wait_until,
)
from textual.widgets import DataTable, Label

from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.app import BackfillApp
from backfill_tui.screens.confirm import ConfirmScreen
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import (
    ConnectionChecked,
    EstimateReady,
    ProgressFlushed,
    RunEnded,
    RunLaunched,
    SourceAdded,
    StartRequested,
)
from backfill_tui.screens.quit import QuitScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.widgets.run_rows import StreamRow, counts_text
from backfill_tui.widgets.source_card import SourceCard


def _text(label: Label) -> str:
    return str(label.content)


def _assert_dashboard_matches_mirror(app: BackfillApp, run_id: str) -> None:
    """Every stream row shows the counters the mirror recorded for that stream."""
    dashboard = app.screen
    assert isinstance(dashboard, DashboardScreen)
    records = {s.key: s for s in app.mirror.streams(run_id)}
    rows = {row.key: row for row in dashboard.query(StreamRow)}
    assert set(rows) == set(records)
    for key, record in records.items():
        expected = counts_text(
            (
                record.fetched,
                record.new,
                record.duplicates,
                record.failed,
                record.pages,
                record.api_calls,
            )
        )
        assert rows[key].counts_line == expected
        assert rows[key].status_text.startswith(record.status)


def test_connect_choose_depth_add_source_start_and_complete(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            assert isinstance(app.screen, ConnectScreen)
            await pilot.click("#workspace")
            await pilot.press(*"acme-ws")
            await pilot.click("#depth", offset=(4, 0))  # on "7 days"
            assert app.screen.depth == 7
            await pilot.click("#target")
            await pilot.press(*"not a repo")
            hint = app.screen.query_one("#target-hint", Label)
            assert "not a valid GitHub source" in _text(hint)  # validated as typed
            await pilot.press("enter")
            assert not app.screen.query(SourceCard)  # refused
            await pilot.press(*["backspace"] * 10, *"acme/rocket", "enter")
            await wait_until(pilot, lambda: seen.of(SourceAdded))
            assert seen.of(SourceAdded)[0].source == "github:acme/rocket"
            assert _text(hint) == ""
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            await pilot.pause()
            request = seen.of(StartRequested)[0].request
            assert request.depth == 7 and request.workspace == "acme-ws"
            run_id = seen.of(RunLaunched)[0].run_id
            assert seen.of(RunEnded)[0].status == "completed"
            run = app.mirror.get_run(run_id)
            assert run is not None and run.depth_days == 7 and run.status == "completed"
            truth = app.environment.simulator.ground_truth(  # type: ignore[union-attr]
                "github", "acme/rocket", datetime.fromisoformat(run.since)
            )
            assert set(app.mirror.source_ids("acme-ws", run_id)) == truth
            _assert_dashboard_matches_mirror(app, run_id)
            totals = app.session.progress.totals()  # type: ignore[union-attr]
            assert totals.new == len(truth) and totals.failed == 0
            assert f"{len(truth)} new" in _text(app.screen.query_one("#overall", Label))
            # Updates are batched: fewer flushes than pages stored.
            assert 0 < len(seen.of(ProgressFlushed)) <= totals.pages + 2

    asyncio.run(scenario())


def test_estimate_and_connection_test_from_the_connect_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace").value = "ws"  # type: ignore[attr-defined]
            assert screen.add_source("github:acme/rocket")
            assert screen.add_source("acme/nope")
            await pilot.pause()
            await pilot.press("ctrl+t")
            await wait_until(pilot, lambda: len(seen.of(ConnectionChecked)) >= 2)
            reports = {m.report.source: m.report for m in seen.of(ConnectionChecked)}
            assert reports["github:acme/rocket"].ok
            assert reports["github:acme/rocket"].api_calls == 1
            assert not reports["github:acme/nope"].ok
            assert "not reachable" in reports["github:acme/nope"].target
            cards = list(screen.query(SourceCard))
            assert "target found: acme/rocket" in _text(cards[0].query_one(".check", Label))
            cards[1].post_message(SourceCard.Removed(cards[1]))
            await pilot.pause()
            await pilot.press("ctrl+e")
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            estimate = seen.of(EstimateReady)[0].estimate
            keys = [st.key for s in estimate.sources for st in s.streams]
            assert keys == [
                f"github:acme/rocket/{e}" for e in ("pull_request", "issue", "release", "push")
            ]
            table = screen.query_one("#estimate-table", DataTable)
            assert table.row_count == 5  # the source and its four streams
            # The estimate is the dashboard's progress total once the run starts.
            assert app.totals_for(screen.build_request()) == estimate.totals()

    asyncio.run(scenario())


def test_entities_unticked_are_not_run(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace").value = "ws"  # type: ignore[attr-defined]
            screen.add_source("github:acme/rocket")
            await pilot.pause()
            card = screen.query_one(SourceCard)
            for name in ("release", "push"):
                await pilot.click(f"SourceCard .entity-{name}")
            assert card.entities == {"pull_request", "issue"}
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            run_id = seen.of(RunLaunched)[0].run_id
            assert {s.entity for s in app.mirror.streams(run_id)} == {"pull_request", "issue"}

    asyncio.run(scenario())


def test_cancel_mid_run_keeps_what_is_stored_then_resume_completes(tmp_path: Path) -> None:
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.2))
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().new > 0)  # type: ignore[union-attr]
            # c asks first (a "c" typed ahead after ctrl+s cancelled at once: a fresh tester's
            # finding); n keeps the run going.
            await pilot.press("c")
            assert isinstance(app.screen, ConfirmScreen)
            assert f"Cancel run {run_id}?" in str(
                app.screen.query_one("#confirm-text", Label).content
            )
            await answer(pilot, "n")
            assert not isinstance(app.screen, ConfirmScreen) and app.running
            await cancel_the_run(pilot)
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "cancelled"
            run = app.mirror.get_run(run_id)
            assert run is not None and run.status == "cancelled"
            kept = app.mirror.source_ids("ws", run_id)
            assert kept  # what was stored is kept
            statuses = {s.status for s in app.mirror.streams(run_id)}
            assert "cancelled" in statuses
            _assert_dashboard_matches_mirror(app, run_id)

            await pilot.press("r")  # retry: resumes the unfinished streams
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) >= 2)
            assert [m.resumed for m in seen.of(RunLaunched)] == [False, True]
            assert seen.of(RunEnded)[-1].status == "completed"
            run = app.mirror.get_run(run_id)
            assert run is not None and run.status == "completed"
            truth = app.environment.simulator.ground_truth(  # type: ignore[union-attr]
                "github", "acme/rocket", datetime.fromisoformat(run.since)
            )
            assert set(app.mirror.source_ids("ws", run_id)) == truth
            assert set(kept) <= truth
            _assert_dashboard_matches_mirror(app, run_id)

    asyncio.run(scenario())


def test_runs_screen_marks_an_interrupted_run_and_resumes_it(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()
    request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=30)
    from backfill_tui.engine.run import Engine

    run = Engine(app.mirror, app.environment).plan(request)
    dead = subprocess.Popen(["true"])
    dead.wait()
    # A run whose process died: still marked running, its pid gone.
    app.mirror.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run.id))

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f5")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            assert screen.lines[run.id].status == "interrupted"
            table = screen.query_one("#runs", DataTable)
            assert str(table.get_row(run.id)[4]) == "interrupted"
            await pilot.press("r")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunLaunched)[0] == RunLaunched(run.id, True)
            assert seen.of(RunEnded)[0].status == "completed"
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("f5")
            await settle(pilot)
            assert app.screen.lines[run.id].status == "completed"  # type: ignore[attr-defined]

    asyncio.run(scenario())


def test_quit_while_running_asks_and_cancels_cleanly(tmp_path: Path) -> None:
    # Paced so that the run outlasts four key presses on a loaded machine (it no longer shares
    # the UI's loop, so it goes faster than it did).
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=1.5))
    seen = Recorder()

    async def scenario() -> str:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().fetched > 0)  # type: ignore[union-attr]
            await pilot.press("ctrl+q")
            assert isinstance(app.screen, QuitScreen)
            await answer(pilot, "n")
            assert not isinstance(app.screen, QuitScreen) and app.running
            await pilot.press("ctrl+q")
            await answer(pilot, "y")
            await wait_until(pilot, lambda: not app.is_running)
            return run_id

    run_id = asyncio.run(scenario())
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "cancelled"
    assert app.mirror.source_ids("ws", run_id)


def test_token_saved_from_the_masked_input_goes_to_the_keyring(tmp_path: Path) -> None:
    import keyring

    from backfill_tui.engine.credentials import SERVICE
    from backfill_tui.engine.environment import Environment

    app = make_app(tmp_path, environment=Environment.create(simulate=False, env={}))
    token = "ghp_" + "s3cr3t" * 6

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.add_source("github:acme/rocket")
            await pilot.pause()
            card = screen.query_one(SourceCard)
            status = card.query_one(".token-status", Label)
            assert "missing: set GITHUB_TOKEN" in _text(status)
            await pilot.click("SourceCard .token-input")
            await pilot.press(*token, "enter")
            await pilot.pause()
            assert keyring.get_password(SERVICE, "github") == token
            assert _text(status) == "found in the keyring"
            assert not card.query_one(".token-entry").display
            shown = " ".join(_text(label) for label in app.screen.query(Label))
            assert token not in shown and token not in str(
                app.screen.query_one(".token-input").value
            )

    asyncio.run(scenario())


def test_without_a_keyring_backend_it_says_so_and_offers_no_field(tmp_path: Path) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    from backfill_tui.engine.environment import Environment

    keyring.set_keyring(FailKeyring())
    app = make_app(tmp_path, environment=Environment.create(simulate=False, env={}))

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            # the keyring is asked on a thread after the first frame
            await wait_until(pilot, lambda: screen.query("#keyring-note"))
            await settle(pilot)  # laid out
            note = screen.query_one("#keyring-note", Label)
            assert "no OS keyring backend" in _text(note)
            # the form's last line: arriving after the first frame, it moved nothing shown
            form = screen.query_one("#form")
            assert form.children[-1] is note
            assert note.region.y >= screen.query_one("#record-to").region.bottom
            screen.add_source("github:acme/rocket")
            await pilot.pause()
            card = screen.query_one(SourceCard)
            assert "set GITHUB_TOKEN (no keyring here)" in _text(
                card.query_one(".token-status", Label)
            )
            assert not card.query_one(".token-entry").display

    asyncio.run(scenario())


def test_command_palette_and_help(tmp_path: Path) -> None:
    from textual.command import CommandList, CommandPalette

    from backfill_tui.screens.help import HelpScreen

    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace").value = "ws"  # type: ignore[attr-defined]
            screen.add_source("github:acme/rocket")
            await pilot.press("ctrl+p")
            await pilot.press(*"estimate")
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            commands = palette.query_one(CommandList)
            await wait_until(pilot, lambda: commands.option_count > 0)
            assert "Estimate" in str(commands.get_option_at_index(0).prompt)
            await pilot.press("enter")
            await wait_until(pilot, lambda: seen.of(EstimateReady))
            await pilot.press("f1")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert isinstance(app.screen, ConnectScreen)

    asyncio.run(scenario())


def test_the_quit_question_says_when_the_run_ended_while_it_was_up(tmp_path: Path) -> None:
    """ctrl+q during a run, then the run ends before the answer: the dialog no longer asks
    about a running backfill (the second tester found it still did)."""
    from textual.widgets import Label

    environment, released = held_environment()  # the run ends only once the question is up
    app = make_app(tmp_path, environment=environment)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            request = RunRequest("ws", (SourceSpec.parse("github:acme/rocket"),), depth=7)
            assert app.plan_and_start(request) is not None
            await drawn(pilot)  # the dashboard, as a person sees it before pressing ctrl+q
            await pilot.press("ctrl+q")
            screen = app.screen
            assert isinstance(screen, QuitScreen)
            released.set()
            await wait_until(pilot, lambda: bool(seen.of(RunEnded)), timeout=60)
            await settle(pilot)
            text = str(screen.query_one("#quit-text", Label).content)
            assert text == "The backfill has ended (completed); nothing is running now. Quit now?"
            await answer(pilot, "y")
            await wait_until(pilot, lambda: not app.is_running)

    asyncio.run(scenario())
