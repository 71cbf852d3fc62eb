"""A bug ends both faces the same way: one line pointing at the log, the traceback in the log,
and exit status 70 (errors.EXIT_INTERNAL), never the 1 that means "a stream failed".

The bug met here is real, not staged: a mirror row SQLite accepts but the product cannot read
(a run whose ``sources`` column is not the JSON list the product writes, as a hand edit, another
tool or a damaged copy leaves it). Reading it raises ``JSONDecodeError`` deep in the store:
nothing of ours is mocked, and no command exists for the test's sake.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from app_support import SIZE, sim_environment
from support import run_cli

from backfill_tui import cli
from backfill_tui.cli.app import app_ended
from backfill_tui.errors import EXIT_INTERNAL
from backfill_tui.screens.app import BackfillApp
from backfill_tui.store import Mirror
from backfill_tui.terms import log_path

SIM = "seed=7,scale=0.2"


def _mirror_with_an_unreadable_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """A mirror made by a real simulated run, then one run row edited to hold text where the
    product stores a process id."""
    db = tmp_path / "m.db"
    done = run_cli(
        capsys,
        "run",
        "github:acme/rocket",
        "--workspace",
        "demo",
        "--days",
        "7",
        "--max-items",
        "5",
        "--simulate",
        "--quiet",
        "--json",
        "--db",
        str(db),
    )
    assert done.code == 0, done.err
    with sqlite3.connect(db) as conn:
        # A process id that is text: nothing checks its type before use, so reading whether
        # the run is live is a bug's TypeError (a status or sources edited so are bad input,
        # said in one line with exit 2: tests/e2e/test_bad_input_suite.py).
        conn.execute("UPDATE runs SET status = 'running', pid = 'not a number'")
    conn.close()
    return db


def _logged() -> str:
    path = log_path()
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_a_bug_in_a_command_is_one_line_exit_70_and_its_traceback_in_the_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = _mirror_with_an_unreadable_run(capsys, tmp_path)
    result = run_cli(capsys, "runs", "--db", str(db))
    assert result.code == EXIT_INTERNAL == 70
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert "internal error (TypeError)" in lines[0]
    assert str(log_path()) in lines[0]
    assert "Traceback" not in result.err and result.out == ""
    logged = _logged()
    assert "Traceback (most recent call last)" in logged
    assert "TypeError" in logged
    assert "run_is_live" in logged  # where it broke: asking whether the run is live


def test_a_user_error_keeps_its_own_status_and_logs_no_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The other side of the line: bad input is exit 2 and one line, no 'internal error'."""
    result = run_cli(capsys, "runs", "--db", str(tmp_path / "missing.db"))
    assert result.code == 2
    assert len(result.err.splitlines()) == 1 and "internal error" not in result.err
    assert "Traceback" not in _logged()


def test_a_bug_in_the_terminal_app_ends_it_with_the_same_line_and_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Runs screen (F5) reads the unreadable row: the app exits instead of printing
    Textual's traceback with locals, and its face reports the crash as a command does."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = _mirror_with_an_unreadable_run(capsys, tmp_path)
    cli.setup_logging()  # as cli.main does before opening the app
    mirror = Mirror.open(db)
    app = BackfillApp(mirror, sim_environment(SIM))

    async def drive() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await pilot.pause()

    try:
        with pytest.raises(TypeError):  # run_test hands the bug to the test, too
            asyncio.run(drive())
    finally:
        mirror.close()
    assert app.crash is not None and isinstance(app.crash, TypeError)
    assert not app._exit_renderables  # nothing queued for the terminal: no traceback printed
    capsys.readouterr()
    status = app_ended(app)
    err = capsys.readouterr().err
    assert status == EXIT_INTERNAL
    assert err.count("\n") == 1 and "internal error (TypeError)" in err
    assert str(log_path()) in err
    logged = _logged()
    assert "internal error in the terminal app" in logged
    assert "Traceback (most recent call last)" in logged and "run_is_live" in logged
