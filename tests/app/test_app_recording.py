"""Recording, replaying and comparing runs in the app: record a run from the connect screen, open
a recording from the runs screen as a new run, compare two runs (mark A, compare B)."""

from __future__ import annotations

import asyncio
import stat
from datetime import datetime
from pathlib import Path

import pytest
from app_support import (
    SIZE,
    Recorder,
    cancel_the_run,
    make_app,
    paced_environment,
    populate,
    recording_prompt,
    sim_environment,
    wait_until,
)
from support import reseal
from textual.notifications import Notify
from textual.widgets import DataTable, Input, Label

from backfill_tui.engine.diff import diff_fetched
from backfill_tui.engine.recording import Recorder as RunRecorder
from backfill_tui.engine.recording import Replay
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.recording import read_recording
from backfill_tui.screens.connect import ConnectScreen
from backfill_tui.screens.dashboard import DashboardScreen
from backfill_tui.screens.diff import DiffScreen
from backfill_tui.screens.messages import RunEnded, RunLaunched
from backfill_tui.screens.path_prompt import PathPromptScreen
from backfill_tui.screens.runs import RunsScreen
from backfill_tui.store import Mirror

SOURCE = "github:acme/rocket"


def _replay_into(path: Path, db: Path) -> tuple[Mirror, str]:
    """Replay a recording headless into a fresh mirror; returns the mirror and the run id."""
    replay = Replay.open(path)
    mirror = Mirror.open(db)
    engine = Engine(mirror, replay.environment())
    run = replay.plan(engine)
    assert asyncio.run(engine.run(run.id)) == "completed"
    return mirror, run.id


def test_record_a_run_from_the_connect_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()
    rec = tmp_path / "acme.rec.gz"

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source(SOURCE)
            await pilot.pause()  # the source's card is laid out above Record to before the click
            await pilot.click("#record-to")
            screen.query_one("#record-to", Input).value = str(rec)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "completed"

    asyncio.run(scenario())
    run_id = seen.of(RunLaunched)[0].run_id
    assert stat.S_IMODE(rec.stat().st_mode) == 0o600
    recording = read_recording(rec)  # verified: complete, checksummed
    assert recording.header.run_id == run_id and recording.exchanges
    replayed, replay_id = _replay_into(rec, tmp_path / "replayed.db")
    assert set(replayed.source_ids("ws", replay_id)) == set(app.mirror.source_ids("ws", run_id))
    run = app.mirror.get_run(run_id)
    assert run is not None
    assert diff_fetched(app.mirror, run, replayed, replayed.get_run(replay_id)).identical  # type: ignore[arg-type]


def test_a_bad_record_path_refuses_to_start(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source(SOURCE)
            (tmp_path / "a-file").write_text("not a folder")
            screen.query_one("#record-to", Input).value = str(tmp_path / "a-file" / "x.gz")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: seen.of(Notify))
            note = seen.of(Notify)[0].notification
            assert note.title == "Cannot start" and "is a file, not a folder" in note.message
            assert not seen.of(RunLaunched) and not app.mirror.list_runs()
            # A home folder of no user was pathlib's RuntimeError: the app crashed (exit 70).
            screen.query_one("#record-to", Input).value = "~nosuchuser-bfl/x.gz"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: len(seen.of(Notify)) >= 2)
            note = seen.of(Notify)[1].notification
            assert note.title == "Cannot start" and "there is no user" in note.message, note
            assert not seen.of(RunLaunched) and app.is_running
            if Path("/proc/self").is_dir():  # a folder that takes no file: "Cannot start", no run
                screen.query_one("#record-to", Input).value = "/proc/x.rec.gz"
                await pilot.press("ctrl+s")
                await wait_until(pilot, lambda: len(seen.of(Notify)) >= 3)
                note = seen.of(Notify)[2].notification
                assert note.title == "Cannot start" and "/proc/x.rec.gz" in note.message, note
                assert not seen.of(RunLaunched) and not app.mirror.list_runs()

    asyncio.run(scenario())


def test_open_a_recording_from_the_runs_screen(tmp_path: Path) -> None:
    # A recording made elsewhere: a simulated run recorded into its own mirror.
    rec = tmp_path / "elsewhere.rec.gz"
    environment = sim_environment()
    original = Mirror.open(tmp_path / "original.db")
    engine = Engine(original, environment)
    first = engine.plan(RunRequest("ws", (SourceSpec.parse(SOURCE),), depth=30))
    with RunRecorder(rec).recording(environment, first):
        assert asyncio.run(engine.run(first.id)) == "completed"

    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            await pilot.press("f5")
            assert isinstance(app.screen, RunsScreen)
            await pilot.press("o")
            assert isinstance(app.screen, PathPromptScreen)
            app.screen.query_one("#path-input", Input).value = str(rec)
            await pilot.press("enter")
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "completed"
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("f5")
            runs = app.screen
            assert isinstance(runs, RunsScreen)
            assert list(runs.lines) == [seen.of(RunLaunched)[0].run_id]

    asyncio.run(scenario())
    run_id = seen.of(RunLaunched)[0].run_id
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "completed" and run.since == first.since
    assert set(app.mirror.source_ids("ws", run_id)) == set(original.source_ids("ws", first.id))
    assert diff_fetched(original, first, app.mirror, run).identical


def test_a_damaged_recording_is_refused_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rec.gz"
    bad.write_bytes(b"not a recording")
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            _, field = await recording_prompt(pilot)
            field.value = str(bad)
            await pilot.press("enter")
            await pilot.pause()
            # The prompt stays open with the reason, so the path can be mended in place.
            prompt = app.screen
            assert isinstance(prompt, PathPromptScreen)
            error = str(prompt.query_one("#path-error", Label).content)
            assert str(bad) in error and "\n" not in error
            assert not seen.of(RunLaunched) and not app.mirror.list_runs()
            prompt.query_one("#path-input", Input).value = "~nosuchuser-bfl/x.rec.gz"
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is prompt  # a home folder of no user: said in place, no crash
            error = str(prompt.query_one("#path-error", Label).content)
            assert "there is no user 'nosuchuser-bfl'" in error, error
            await pilot.press("escape")
            assert not isinstance(app.screen, PathPromptScreen)

    asyncio.run(scenario())


#: Edits sealed again (``support.reseal``: lines, then trailer) that the prompt refuses, and what
#: it says: a header's field, an exchange's field, a trailer's count.
SEALED_AGAIN = {
    "header started_at garbage": (
        lambda lines: lines[0]["run"].update(started_at="garbage"),
        None,
        'its header\'s run.started_at "garbage" is not a date and time',
    ),
    # stored, it overflowed SQLite's integers and the whole app ended with exit 70
    "header max_items 2**63": (
        lambda lines: lines[0]["run"].update(max_items=2**63),
        None,
        "its header's run.max_items 9223372036854775808 is more than 1,000,000,000",
    ),
    # ignored before: the replay ran the window of started_at and depth instead
    "header since in 2099": (
        lambda lines: lines[0]["run"].update(since="2099-01-01T00:00:00+00:00"),
        None,
        'its header\'s run.since "2099-01-01T00:00:00+00:00" disagrees with run.started_at',
    ),
    "header simulator faults=2": (
        lambda lines: lines[0].update(simulator="faults=2"),
        None,
        "its header's simulator holds settings the simulator cannot read (simulator option "
        "'faults' must be",
    ),
    "exchange status abc": (
        lambda lines: lines[2].update(status="abc"),
        None,
        'its exchange 2\'s status "abc" is not an HTTP status (100 to 999)',
    ),
    "trailer count raised": (
        lambda lines: None,
        lambda end: end.update(exchanges=end["exchanges"] + 1),
        "its trailer counts 6 exchanges but the file holds 5",
    ),
}


@pytest.mark.parametrize("case", list(SEALED_AGAIN))
def test_a_recording_edited_and_sealed_again_is_refused_at_the_prompt(
    case: str, tmp_path: Path
) -> None:
    """A header edited by hand and sealed again (``run.started_at: "garbage"``): F5, ``o``, its
    path, enter ended the whole app with exit 70 ("internal error", a ValueError) and lost the
    session (a fresh tester's finding). It is refused in the prompt, naming the field; so is an
    exchange's field (which said only "unreadable entry (ValueError)") and a trailer's count
    (which said "checksum mismatch", though the checksum matched)."""
    edit, trailer, says = SEALED_AGAIN[case]
    rec = tmp_path / "sa.gz"
    environment = sim_environment()
    original = Mirror.open(tmp_path / "original.db")
    engine = Engine(original, environment)
    first = engine.plan(RunRequest("ws", (SourceSpec.parse(SOURCE),), depth=30, max_items=20))
    with RunRecorder(rec).recording(environment, first):
        assert asyncio.run(engine.run(first.id)) == "completed"
    reseal(rec, edit, trailer)
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            prompt, field = await recording_prompt(pilot)
            field.value = str(rec)
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is prompt and app.is_running
            error = str(prompt.query_one("#path-error", Label).content)
            assert says in error, error
            assert "ask for the original recording" in error
            assert "checksum mismatch" not in error
            assert not seen.of(RunLaunched) and not app.mirror.list_runs()
            await pilot.press("escape")
            assert isinstance(app.screen, RunsScreen)

    asyncio.run(scenario())
    assert app.return_code in (None, 0)


def test_compare_two_runs_from_the_runs_screen(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    short = populate(app, SOURCE, days=7)
    long = populate(app, SOURCE, days=30)
    simulator = app.environment.simulator
    assert simulator is not None
    runs = {r.id: r for r in app.mirror.list_runs()}
    truth_short = simulator.ground_truth(
        "github", "acme/rocket", datetime.fromisoformat(runs[short].since)
    )
    truth_long = simulator.ground_truth(
        "github", "acme/rocket", datetime.fromisoformat(runs[long].since)
    )
    assert truth_short < truth_long

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            screen = app.screen
            assert isinstance(screen, RunsScreen)
            table = screen.query_one("#runs", DataTable)
            await pilot.press("d")  # nothing marked yet: a notice, no diff
            assert isinstance(app.screen, RunsScreen)
            table.move_cursor(row=table.get_row_index(long))
            await pilot.press("m")
            assert screen.marked == long
            assert str(table.get_row(long)[0]).endswith(" A")
            table.move_cursor(row=table.get_row_index(short))
            await pilot.press("d")
            diff_screen = app.screen
            assert isinstance(diff_screen, DiffScreen)
            counts = diff_screen.diff.counts()
            assert counts == {
                "only_in_a": len(truth_long - truth_short),
                "only_in_b": 0,
                "changed": 0,
                "unchanged": len(truth_short),
            }
            assert {i.source_id for i in diff_screen.diff.only_a} == truth_long - truth_short
            summary = str(diff_screen.query_one("#diff-summary", Label).content)
            assert f"{counts['only_in_a']} only in A · 0 only in B · 0 changed" in summary
            rows = diff_screen.query_one("#diff-table", DataTable)
            assert rows.row_count == counts["only_in_a"]
            await pilot.press("escape")
            assert app.screen is screen

    asyncio.run(scenario())


def test_retrying_a_cancelled_recorded_run_says_the_rest_is_not_recorded(tmp_path: Path) -> None:
    """Record to, ctrl+s, `c`, `r`: the retry says in one notice that what it fetches is not in
    the recording, and replaying the recording ends cancelled where the run was, not with "the
    recording has no answer for GET ..." (a tester's finding)."""
    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.5))
    seen = Recorder()
    rec = tmp_path / "cancelled.rec.gz"

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace", Input).value = "ws"
            screen.add_source(SOURCE)
            await pilot.pause()
            screen.query_one("#record-to", Input).value = str(rec)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: app.session and app.session.progress.totals().new)
            await cancel_the_run(pilot)  # c, asked first, then y
            await wait_until(pilot, lambda: seen.of(RunEnded))
            assert seen.of(RunEnded)[0].status == "cancelled"
            await pilot.press("r")
            await wait_until(pilot, lambda: len(seen.of(RunEnded)) >= 2)
            assert seen.of(RunEnded)[-1].status == "completed"

    asyncio.run(scenario())
    run_id = seen.of(RunLaunched)[0].run_id
    notices = [m.notification.message for m in seen.of(Notify)]
    assert any(
        f"run {run_id} was recorded to {rec} until it stopped; what this resume fetches is not "
        "recorded" in notice
        for notice in notices
    ), notices
    replay = Replay.open(rec)
    assert replay.header.end is not None and replay.header.end.status == "cancelled"
    mirror = Mirror.open(tmp_path / "replayed.db")
    engine = Engine(mirror, replay.environment())
    run = replay.plan(engine)
    assert asyncio.run(engine.run(run.id)) == "cancelled"  # as the recorded run ended
    errors = {s.error for s in mirror.streams(run.id) if s.status == "cancelled"}
    assert errors == {"the recording ends where its run was cancelled"}
    replay.close()
    mirror.close()


def test_a_recording_named_like_a_token_is_masked_and_refused_at_the_prompt(
    tmp_path: Path,
) -> None:
    """A recording whose file name holds a token (``ghp_`` + 36 characters): the prompt showed
    it as typed and the replay stored its path in the mirror (a stranger's finding, beside
    "Record to"). Typed key by key it shows as dots from the token's prefix on, and enter
    refuses it in one line without it: nothing replayed or stored."""
    token = "ghp_" + "Kq7" * 12
    rec = tmp_path / f"{token}.rec.gz"
    environment = sim_environment()
    original = Mirror.open(tmp_path / "original.db")
    engine = Engine(original, environment)
    first = engine.plan(RunRequest("ws", (SourceSpec.parse(SOURCE),), depth=30, max_items=5))
    with RunRecorder(tmp_path / "made.rec.gz").recording(environment, first):
        assert asyncio.run(engine.run(first.id)) == "completed"
    (tmp_path / "made.rec.gz").rename(rec)
    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> None:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            prompt, field = await recording_prompt(pilot)
            await pilot.press(*str(rec))
            await pilot.pause()
            assert field.password  # dots from "ghp_" on
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is prompt
            error = str(prompt.query_one("#path-error", Label).content)
            assert "looks like a token (not shown)" in error and "Kq7" not in error, error
            assert not seen.of(RunLaunched) and not app.mirror.list_runs()

    asyncio.run(scenario())


def test_a_match_named_like_a_token_is_listed_as_dots_when_tab_completes(tmp_path: Path) -> None:
    """Tab listed the matches beneath the box in clear, a ``ghp_…`` recording among them (a
    fresh tester's finding); the box itself already masked it. Such a match is listed as
    dots, the others as they are."""
    token = "ghp_" + "Kq7" * 12
    folder = tmp_path / "recs"
    folder.mkdir()
    (folder / f"{token}.rec.gz").write_bytes(b"")
    (folder / "ghx.rec.gz").write_bytes(b"")
    app = make_app(tmp_path)

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            prompt, _field = await recording_prompt(pilot)
            await pilot.press(*f"{folder}/g", "tab")
            await pilot.pause()
            return str(prompt.query_one("#path-matches", Label).content)

    listed = asyncio.run(scenario())
    assert "ghx.rec.gz" in listed and "•" * 20 in listed, listed
    assert "Kq7" not in listed, listed
