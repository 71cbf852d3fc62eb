"""`r` on a replayed run that stopped where its recording ends (F5, select it, `r`) says the
engine's reason, as the CLI's `resume` does (in the app's words: its Record to field, not
`run ... --record FILE`), not "this run completed; nothing to retry" (the
dashboard shows it cancelled); and the replay's elapsed time is the same at its end and once
reopened (it showed 00:01, then 00:10 after the key: tester's findings)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app_support import SIZE, Recorder, make_app, runs_on, settle, sim_environment, wait_until
from support import run_cancelled_after_a_page
from textual.notifications import Notify

from backfill_tui.engine.recording import Recorder as RunRecorder
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.screens.messages import RunEnded
from backfill_tui.store import Mirror

SOURCE = "github:acme/rocket"


def _record_cancelled(tmp_path: Path) -> Path:
    """Record a run cancelled once its first page is stored; its page 1 is rate-limited first
    (Retry-After: 6 s on the virtual clock), so the run has a duration of its own."""
    rec = tmp_path / "cancelled.rec.gz"
    environment = sim_environment("rate_limit_every=2,retry_after=6,scale=3")  # six pages
    mirror = Mirror.open(tmp_path / "recorded.db")
    engine = Engine(mirror, environment)
    recorder = RunRecorder(rec)
    request = RunRequest("ws", (SourceSpec.parse(SOURCE),), 30, frozenset({"push"}))
    run = engine.plan(RunRecorder.request_for(request))
    engine.subscribe(recorder.observe)

    with recorder.recording(environment, run):
        run_cancelled_after_a_page(engine, run.id)
    assert recorder.end is not None and recorder.end.status == "cancelled"
    mirror.close()
    return rec


def test_retrying_a_replay_at_its_recordings_end_gives_the_engines_reason(tmp_path: Path) -> None:
    rec = _record_cancelled(tmp_path)
    app = make_app(tmp_path)
    seen = Recorder()
    elapsed: list[int] = []

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            run_id = app.open_recording(rec)
            assert run_id is not None
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "cancelled"
            await pilot.pause()
            session = app.session
            assert session is not None
            elapsed.append(int(session.progress.elapsed(app.clock.now())))
            await runs_on(pilot, run_id)
            await pilot.press("r")
            await wait_until(pilot, lambda: len(seen.of(Notify)) >= 2)
            session = app.session
            assert session is not None and session.run.id == run_id
            elapsed.append(int(session.progress.elapsed(app.clock.now())))

    asyncio.run(scenario())
    notices = [m.notification.message for m in seen.of(Notify)]
    assert not any("this run completed" in n for n in notices), notices
    assert any(
        "replayed all its recording holds" in n
        and "resume the recorded run in the mirror it was recorded in, or record a new run "
        "with Record to on the connect screen"
        in n
        for n in notices
    ), notices
    # In the app's words: its field, not the CLI's `run ... --record FILE` half translated
    assert not any("`run" in n or "Record to FILE" in n for n in notices), notices
    # The replay's own duration on its recording's clock: page 1 answered after its 6 s wait.
    assert elapsed[0] == elapsed[1] and elapsed[0] >= 6, elapsed


def test_a_replay_at_its_recordings_end_shows_no_retry_key(tmp_path: Path) -> None:
    """The dashboard of a replay that stopped where its recording ends showed `r Retry`, and
    `r` said only "Nothing to retry" (a fresh tester's finding): a key shown must act. It is
    hidden; pressed anyway, it still says why."""
    from screen_text import screen_lines

    rec = _record_cancelled(tmp_path)
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=(80, 24), message_hook=seen) as pilot:
            assert app.open_recording(rec) is not None
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "cancelled"
            await settle(pilot)
            footer = screen_lines(app)[-1]
            assert "Retry" not in footer and "f5" in footer, footer
            await pilot.press("r")
            await wait_until(pilot, lambda: any(n.title for n in app._notifications))
            titles = [n.title for n in app._notifications]
            assert "Nothing to retry" in titles, titles

    asyncio.run(scenario())
