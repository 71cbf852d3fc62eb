"""The command line's manners: a closed stdout, hints that name the mirror, bad workspace ids."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support import FAIL_ALL, run_cli, simulated_run


def _closed_pipe_run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI with stdout a pipe whose reader is already gone (``| head`` after it quit)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "backfill_tui", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "args",
    [
        ("runs", "--db", "m.db"),
        ("--help",),
        ("run", "--simulate", "github:acme/api", "--workspace", "ws", "--db", "m.db", "--quiet"),
    ],
)
def test_a_reader_that_went_away_ends_the_command_quietly(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "backfill_tui",
            "run",
            "--simulate",
            "github:acme/api",
            "--workspace",
            "ws",
            "--db",
            "m.db",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    result = _closed_pipe_run(*args, cwd=tmp_path)
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "BrokenPipe" not in result.stderr
    assert result.returncode in (0, 1, 141), result.stderr
    if args[0] != "run":  # a run's own status stands; a listing's reader left: 141 (or 0)
        assert result.returncode in (0, 141)


def test_a_progress_reader_that_went_away_lets_the_run_finish(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``run … 2>&1 >/dev/null | head -2``: the reader of the progress (stderr) goes away. The
    run goes on to its end and its status stands (a fresh tester's finding: it was cancelled,
    exit 1, and nothing said why). Here stderr is a pipe whose reader is already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "backfill_tui", "run", "--simulate", "github:acme/rocket",
             "--workspace", "ws", "--db", "m.db"],
            stdout=subprocess.PIPE,
            stderr=write_end,
            text=True,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 0
    assert "· completed" in done.stdout.splitlines()[0], done.stdout  # the summary still comes
    listed = run_cli(capsys, "runs", "--db", str(tmp_path / "m.db"))
    assert " completed " in listed.out, listed.out


def _suggested(err: str) -> list[str]:
    """Every command line a message suggests (between backticks)."""
    return re.findall(r"`(backfill-tui [^`]*)`", err)


def test_every_hint_naming_a_command_carries_the_mirror_it_was_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "my mirror.db"  # a path that needs quoting, too
    made = simulated_run(capsys, str(db), "--json")
    assert made.code in (0, 1), made.err
    run_id = str(made.summary["run_id"])
    quoted = f"--db '{db}'"
    commands: list[tuple[str, ...]] = [
        ("resume", "nope"),
        ("report", "nope"),
        ("diff", "nope", run_id),
        ("export", "postgres", "--dsn", "postgresql://u@h/d", "--workspace", "w", "--run", "nope"),
    ]
    if made.code == 0:
        commands.append(("resume", run_id))  # already completed: start a new one with ...
    for args in commands:
        result = run_cli(capsys, *args, "--db", str(db))
        assert result.code == 2, (args, result.err)
        hints = _suggested(result.err)
        assert hints, (args, result.err)
        for hint in hints:
            assert quoted in hint, (args, result.err)


def test_a_replay_that_fails_as_its_run_did_suggests_no_resume(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It suggested `resume REPLAY --db b.db`, which fails the same way every time: the
    replay has only the recording's answers (a tester's finding)."""
    monkeypatch.setenv("BACKFILL_SIM", FAIL_ALL)
    rec = tmp_path / "r.rec.gz"
    made = simulated_run(capsys, str(tmp_path / "a.db"), "--record", str(rec))
    assert made.code == 1, made.err
    monkeypatch.delenv("BACKFILL_SIM")
    replayed = run_cli(capsys, "replay", str(rec), "--quiet", "--db", str(tmp_path / "b.db"))
    assert replayed.code == 1, replayed.err
    last = replayed.err.strip().splitlines()[-1]
    assert "resume" not in last
    assert "replaying it again ends the same way" in last


@pytest.mark.parametrize(
    "workspace", ["ws\x1b[31mred", "ws\nother", "ws\u200bzero", "ws\u202eevil", "ws\x00"]
)
def test_a_workspace_id_with_a_control_or_format_character_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, workspace: str
) -> None:
    db = tmp_path / "m.db"
    for args in (
        ("run", "github:acme/rocket", "--simulate", "--quiet"),
        ("export", "postgres", "--dsn", "postgresql://u@h/d"),
    ):
        result = run_cli(capsys, *args, "--workspace", workspace, "--db", str(db))
        assert result.code == 2, (args, result.err)
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and "control character (U+" in lines[0], result.err
        assert "\x1b" not in result.err
    assert not db.exists()  # refused before any file was made


def test_a_connection_string_given_as_the_workspace_is_refused_and_not_echoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A DSN typed as the workspace (its password in it) is refused, never repeated."""
    db, dsn = tmp_path / "m.db", "postgresql://pg:secretpw@127.0.0.1:55433/prod"
    for args in (
        ("run", "github:acme/rocket", "--simulate", "--quiet"),
        ("export", "postgres", "--dsn", "postgresql://u@h/d"),
    ):
        result = run_cli(capsys, *args, "--workspace", dsn, "--db", str(db))
        assert result.code == 2, (args, result.err)
        assert "looks like a URL or a connection string" in result.err
        assert result.err.count("\n") == 1 and "secretpw" not in result.err + result.out
    assert not db.exists()


TOKEN = "ghp_" + "c" * 36  # a GitHub token's shape


@pytest.mark.parametrize(
    ("workspace", "source", "says"),
    [
        (TOKEN, "github:acme/rocket", "--workspace holds what looks like a token (not shown)"),
        ("w", f"github:acme/{TOKEN}", "a source holds what looks like a token (not shown)"),
        ("w", TOKEN, "a source holds what looks like a token (not shown)"),
        ("w", "linear:lin_api_" + "a1" * 16, "a source holds what looks like a token"),
        ("w", "sntryu_" + "a1" * 32, "a source holds what looks like a token"),
        (f"ws_{TOKEN}", "github:acme/rocket", "--workspace holds what looks like a token"),
    ],
    ids=["workspace", "repository", "bare", "linear", "sentry-user", "glued"],
)
def test_a_token_typed_as_the_workspace_or_a_source_is_refused_and_not_echoed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, workspace: str, source: str, says: str
) -> None:
    """A token pasted into the wrong field was stored as the workspace (or the repository's
    name) in the mirror, the log and the recording, and printed in a 404's line (a fresh
    tester's finding): it is refused in one line that never repeats it, before any file is
    made, and a mirror already there is left as it was."""
    db = tmp_path / "m.db"
    assert simulated_run(capsys, db).code == 0
    before = db.read_bytes()
    rec = tmp_path / "r.rec.gz"
    result = run_cli(capsys, "run", source, "--workspace", workspace, "--simulate", "--quiet",
                     "--record", str(rec), "--db", str(db))  # fmt: skip
    assert result.code == 2, result.err
    assert result.err.startswith("backfill-tui: error: ") and says in result.err, result.err
    secret = TOKEN if TOKEN in workspace + source else source.split(":")[-1]
    assert result.err.count("\n") == 1 and secret not in result.err + result.out
    assert db.read_bytes() == before and not rec.exists()


def test_a_token_of_no_known_shape_in_the_environment_is_refused_as_the_workspace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Vercel token has no documented prefix: given as --workspace while it sat in
    VERCEL_TOKEN, it passed, was stored in the mirror and printed by `runs` (a tester's
    finding). Every provider's token in the environment is known before the run is planned.
    A Linear key's refusal names LINEAR_API_KEY, not GITHUB_TOKEN."""
    vercel = "abcdEFGH1234ijklMNOP5678qrst"
    monkeypatch.setenv("VERCEL_TOKEN", vercel)
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", "vercel:acme/rocket-web", "--workspace", vercel,
                     "--simulate", "--quiet", "--db", str(db))  # fmt: skip
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "looks like a token (not shown)" in result.err and vercel not in result.err
    assert not db.exists()
    linear = run_cli(capsys, "run", "linear:ENG", "--workspace", "lin_api_" + "Q" * 30,
                     "--simulate", "--quiet", "--db", str(db))  # fmt: skip
    assert linear.code == 2 and "such as LINEAR_API_KEY" in linear.err, linear.err


@pytest.mark.parametrize(
    ("typed", "says"),
    [("ws\x1b[31mred", "control character (U+001B)"), (TOKEN, "looks like a token (not shown)")],
    ids=["escape", "token"],
)
def test_the_apps_workspace_field_refuses_a_control_character(
    tmp_path: Path, typed: str, says: str
) -> None:
    import asyncio

    from app_support import SIZE, Recorder, make_app

    from backfill_tui.screens.connect import ConnectScreen
    from backfill_tui.screens.messages import RunLaunched

    app = make_app(tmp_path)
    seen = Recorder()

    async def scenario() -> list[str]:
        async with app.run_test(size=SIZE, message_hook=seen) as pilot:
            screen = app.screen
            assert isinstance(screen, ConnectScreen)
            screen.query_one("#workspace").value = typed  # type: ignore[attr-defined]
            assert screen.add_source("github:acme/rocket")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not seen.of(RunLaunched)
            return [str(n.message) for n in app._notifications]

    notes = asyncio.run(scenario())
    assert any(says in n for n in notes), notes
    assert all(TOKEN not in n for n in notes), notes
    assert app.mirror.list_runs() == []


def test_an_empty_file_given_as_the_mirror_becomes_a_private_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "made-by-mktemp.db"
    db.touch()
    db.chmod(0o644)
    result = simulated_run(capsys, str(db), "--days", "7")
    assert result.code == 0, result.err
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for side in (Path(f"{db}-wal"), Path(f"{db}-shm")):
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0
    listed = run_cli(capsys, "runs", "--db", str(db), "--json")
    assert len(listed.summary) == 1  # type: ignore[arg-type]


def test_the_apps_quit_question_names_the_run_and_its_mirror(tmp_path: Path) -> None:
    import asyncio

    from app_support import SIZE, answer, make_app, paced_environment, wait_until
    from textual.widgets import Label

    from backfill_tui.engine.run import RunRequest, SourceSpec
    from backfill_tui.screens.quit import QuitScreen

    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.5))

    async def scenario() -> tuple[str, str]:
        async with app.run_test(size=SIZE) as pilot:
            request = RunRequest(
                "ws", (SourceSpec.parse("github:acme/rocket"),), depth=90, max_items=100_000
            )
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await wait_until(pilot, lambda: app.session.progress.totals().fetched > 0)  # type: ignore[union-attr]
            await pilot.press("ctrl+q")
            assert isinstance(app.screen, QuitScreen)
            text = str(app.screen.query_one("#quit-text", Label).render())
            await answer(pilot, "y")
            await wait_until(pilot, lambda: not app.is_running)
            return run_id, text

    run_id, text = asyncio.run(scenario())
    assert f"`backfill-tui resume {run_id} --db {tmp_path / 'mirror.db'}`" in text, text


def test_a_completed_run_whose_reader_went_away_is_141_not_a_failed_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run ... | head -1`: the run completed, only its summary could not all be written. Rich
    answers a broken pipe with exit 1, which the CLI documents as "a stream failed"; the status
    must be the shell's SIGPIPE one (141), with nothing on stderr."""
    args = ("run", "--simulate", "github:acme/rocket", "--days", "7", "--workspace", "ws")
    result = _closed_pipe_run(*args, "--db", "m.db", "--quiet", cwd=tmp_path)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
    listed = run_cli(capsys, "runs", "--db", str(tmp_path / "m.db"), "--json")
    assert '"completed"' in listed.out


def test_runs_columns_line_up_with_a_wide_character_in_a_workspace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "🚀" is two cells wide: str.ljust padded it as one, and its line's columns sat one cell
    # to the right of the others (a tester's finding)
    monkeypatch.setenv("BACKFILL_SIM", "clock=virtual")
    db = tmp_path / "m.db"
    for workspace in ("🚀", "ws", "日本"):
        assert simulated_run(capsys, db, "--days", "7", workspace=workspace).code == 0
    lines = run_cli(capsys, "runs", "--db", str(db)).out.splitlines()
    assert len(lines) == 3
    # the same number of cells before the depth column on every line (CJK and emoji: two)
    starts = {sum(2 if ord(c) > 0x2E80 else 1 for c in line[: line.index(" 7d")]) for line in lines}
    assert len(starts) == 1, lines


def test_the_mirror_may_be_named_before_the_command_but_not_twice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``backfill-tui --db A runs`` reads A; ``--db A runs --db B`` read B and said nothing (a
    fresh tester's finding): two different mirrors are refused in one line, exit 2."""
    db, other = tmp_path / "m.db", tmp_path / "other.db"
    ran = simulated_run(capsys, db)
    assert ran.code == 0, ran.err
    listed = run_cli(capsys, "--db", str(db), "runs", "--json")
    assert listed.code == 0 and len(listed.summary) == 1, listed.err  # type: ignore[arg-type]
    same = run_cli(capsys, "--db", str(db), "runs", "--db", str(db), "--json")
    assert same.code == 0, same.err
    both = run_cli(capsys, "--db", str(db), "runs", "--db", str(other))
    assert both.code == 2 and both.err.count("\n") == 1, both.err
    assert f"--db is given twice ({db} before the command, {other} after it)" in both.err
    assert not other.exists()


@pytest.mark.parametrize("where", ["before", "after"])
def test_the_mirror_named_twice_in_one_place_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, where: str
) -> None:
    """``runs --db A --db B`` read B and said nothing of A (argparse's last one wins; noticed
    after the before-and-after case was fixed): two different mirrors in one place are refused
    in one line, exit 2, and neither file is made. The same mirror twice is accepted."""
    db, other = tmp_path / "m.db", tmp_path / "other.db"
    assert simulated_run(capsys, db).code == 0
    twice = ["--db", str(db), "--db", str(other)]
    argv = [*twice, "runs"] if where == "before" else ["runs", *twice]
    refused = run_cli(capsys, *argv)
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert f"--db is given twice ({db}, then {other}); give it once" in refused.err
    assert not other.exists()
    same = ["--db", str(db), "--db", str(db)]
    argv = [*same, "runs", "--json"] if where == "before" else ["runs", *same, "--json"]
    assert run_cli(capsys, *argv).code == 0


def test_an_option_is_taken_only_as_spelled_whole(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``--simulat`` was taken as ``--simulate`` (argparse's abbreviations; a fresh tester's
    finding): a prefix is refused with the option it may mean, exit 2, nothing stored."""
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", "github:acme/rocket", "--simulat", "--workspace", "w",
                     "--db", str(db))  # fmt: skip
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "unrecognized arguments: --simulat; did you mean '--simulate'?" in result.err
    assert not db.exists()


@pytest.mark.parametrize("argv", [["resume"], ["report"], ["diff"], ["diff", "1"]], ids=" ".join)
def test_a_run_id_left_out_says_where_to_find_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str]
) -> None:
    """``resume`` alone gave argparse's "the following arguments are required: RUN_ID" and
    nothing of where a run id is found (a tester's finding): the line names ``runs``."""
    result = run_cli(capsys, "--db", str(tmp_path / "m.db"), *argv)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "are required:" in result.err
    assert "`backfill-tui runs` lists the run ids" in result.err
    assert not (tmp_path / "m.db").exists()
