"""The app runs a run off its UI thread (issue 11 item 2): the engine's pages are committed on
the run's own thread, cancel and quit mid-run end it cleanly as before, and a screen's late
store answer never overwrites a newer one."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from app_support import (
    SIZE,
    Recorder,
    answer,
    cancel_the_run,
    make_app,
    paced_environment,
    populate,
    settle,
    wait_for_exit,
    wait_until,
)
from textual.widgets import DataTable, Input

from backfill_tui.cli.app import app_ended
from backfill_tui.engine.background import BackgroundRun
from backfill_tui.engine.process import ProcessRun
from backfill_tui.engine.run import RunRequest, SourceSpec
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.messages import ObservationsFound, RunEnded
from backfill_tui.screens.observations import ObservationsScreen
from backfill_tui.screens.quit import QuitScreen


def _request(*sources: str, days: int = 7) -> RunRequest:
    return RunRequest("ws", tuple(SourceSpec.parse(s) for s in sources), depth=days)


def test_a_run_commits_its_pages_on_its_own_thread_not_the_apps(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            ui_thread = threading.current_thread().name
            run_id = app.plan_and_start(_request("linear:ENG", "github:acme/rocket"))
            assert run_id is not None and app.session is not None
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            session = app.session
            # Each PageStored is sent right after its page's commit, on the committing thread.
            assert session.buffer.received > 0
            assert session.buffer.producers == {f"run {run_id}"}
            assert ui_thread not in session.buffer.producers
            assert session.background is not None and not session.background.thread.is_alive()
            assert seen.of(RunEnded) == [RunEnded(run_id, "completed")]
            assert session.progress.totals().fetched == app.mirror.count_run_observations(run_id)

    asyncio.run(scenario())


#: The run on a thread of the app, or in a child process as ``demo`` runs it (engine/process.py).
WHERE = pytest.mark.parametrize("run_process", [False, True], ids=["thread", "process"])


def _runs_where_asked(background: object, run_process: bool) -> bool:
    return isinstance(background, ProcessRun if run_process else BackgroundRun)


@WHERE
def test_cancel_mid_run_ends_it_cancelled_and_keeps_what_was_stored(
    tmp_path: Path, run_process: bool
) -> None:
    app = make_app(
        tmp_path,
        environment=paced_environment("scale=2", latency=1.0),
        run_process=run_process,
    )
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(_request("linear:ENG", "github:acme/rocket", days=90))
            assert run_id is not None and app.session is not None
            session = app.session
            assert _runs_where_asked(session.background, run_process)
            await wait_until(  # a page stored
                pilot, lambda: app.mirror.count_run_observations(run_id) > 0, timeout=60
            )
            assert isinstance(app.screen, DashboardScreen)
            await cancel_the_run(pilot)  # c, asked first, then y
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            await settle(pilot)
            assert seen.of(RunEnded) == [RunEnded(run_id, "cancelled")]
            run = app.mirror.get_run(run_id)
            assert run is not None and run.status == "cancelled" and run.finished_at
            streams = app.mirror.streams(run_id)
            assert not [s.key for s in streams if s.status in ("pending", "running")]
            locks = app.mirror.conn.execute(
                "SELECT count(*) FROM run_locks WHERE run_id = ?", (run_id,)
            )
            assert locks.fetchone()[0] == 0  # its source locks were released
            assert not app.running and session.progress.status == "cancelled"
            if run_process:  # what the child stored is the mirror's, kept
                assert app.mirror.count_run_observations(run_id) > 0

    asyncio.run(scenario())


@WHERE
def test_quit_mid_run_cancels_it_then_exits(
    tmp_path: Path,
    run_process: bool,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Quitting mid-run (asked first) cancels the run, exits 1 as the README says of a
    cancelled run (it exited 0: a fresh tester's finding) and, the app closed, says as the
    command line does how to go on; on a terminal, folded between words (the terminal's own
    wrap broke "--" / "db": a fresh tester's finding)."""
    app = make_app(
        tmp_path,
        environment=paced_environment("scale=2", latency=1.0),
        run_process=run_process,
    )

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            run_id = app.plan_and_start(_request("linear:ENG", "github:acme/rocket", days=90))
            assert run_id is not None and app.session is not None
            session = app.session
            assert _runs_where_asked(session.background, run_process)
            await wait_until(  # a page stored
                pilot, lambda: app.mirror.count_run_observations(run_id) > 0, timeout=60
            )
            await pilot.press("ctrl+q")
            await wait_until(pilot, lambda: isinstance(app.screen, QuitScreen))
            await answer(pilot, "y")
            await wait_for_exit(app)
            background = session.background
            assert background is not None and background.done
            background.thread.join(timeout=30)  # a child's reader reaps it after the end
            assert not background.thread.is_alive()
            if isinstance(background, ProcessRun):
                assert background.host is not None and background.host.process.poll() == 0
            return run_id

    run_id = asyncio.run(scenario())
    assert app.return_code == 1
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "cancelled"
    capsys.readouterr()
    assert app_ended(app) == 1
    line = capsys.readouterr().err
    assert line.startswith(
        f"run {run_id} cancelled; what was stored is kept. To continue it: "
        f"backfill-tui resume {run_id} --db {app.mirror.path}"
    )
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # stderr read as a terminal, 60 columns wide
    monkeypatch.setenv("COLUMNS", "60")
    app_ended(app)
    folded = capsys.readouterr().err.splitlines()
    assert len(folded) > 1 and " ".join(part.strip() for part in folded) == line.strip()
    # each line fits, but for the command, which is never cut (it would not paste)
    command = f"backfill-tui resume {run_id} --db {app.mirror.path}"
    assert command in folded, folded
    assert all(len(part) <= 60 or part == command for part in folded), folded
    assert not [s for s in app.mirror.streams(run_id) if s.status in ("pending", "running")]


def test_a_late_search_answer_never_overwrites_a_newer_one(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    populate(app, "github:acme/rocket", "linear:ENG", days=30)
    seen = Recorder()

    def titles(table: DataTable[object]) -> list[str]:
        return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ObservationsScreen)
            table = screen.query_one("#observations", DataTable)
            everything = titles(table)
            assert everything
            # The answer to the first search (everything), as it would come late from its worker.
            first = [m for m in seen.of(ObservationsFound) if m.offset == 0][-1]
            await pilot.press("slash")
            screen.query_one("#search", Input).value = "zzzznothing"
            await pilot.press("enter")
            await settle(pilot)
            assert table.row_count == 0
            assert "nothing matches" in str(screen.query_one("#obs-count").content)  # type: ignore[attr-defined]
            screen.post_message(first)  # the stale answer arrives after the newer one
            await settle(pilot)
            assert table.row_count == 0 and titles(table) == []
            assert "nothing matches" in str(screen.query_one("#obs-count").content)  # type: ignore[attr-defined]
            # and a new search still answers
            await pilot.press("slash")
            screen.query_one("#search", Input).value = ""
            await pilot.press("enter")
            await settle(pilot)
            assert titles(table) == everything

    asyncio.run(scenario())


@WHERE
def test_the_apps_own_run_is_not_followed_as_another_processs(
    tmp_path: Path, run_process: bool
) -> None:
    """A run of this app's ends through its own session. It was also followed as a run another
    process drives, and when the follow step (once a second) saw the stored status move before
    the run's end was handled, it put a fresh session in place of the one holding the run: the
    end (RunEnded, its notice) was never announced (the cancel test above, 1 run in 6 under
    load)."""
    app = make_app(
        tmp_path, environment=paced_environment("scale=2", latency=1.0), run_process=run_process
    )
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.plan_and_start(_request("github:acme/rocket", days=90))
            assert run_id is not None and app.session is not None
            session = app.session
            assert app._followed is None  # nothing to follow: the session holds the run
            await wait_until(pilot, lambda: app.mirror.count_run_observations(run_id) > 0)
            await cancel_the_run(pilot)
            await wait_until(pilot, lambda: seen.of(RunEnded), timeout=60)
            assert app.session is session and seen.of(RunEnded) == [RunEnded(run_id, "cancelled")]

    asyncio.run(scenario())
