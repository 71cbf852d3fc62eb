"""A bug ends both faces the same way: one line pointing at the log, the traceback in the log,
and exit status 70 (errors.EXIT_INTERNAL), never the 1 that means "a stream failed".

The bug is staged below our code, where no user input reaches: the operating system's
``os.kill`` (which the store calls to ask whether a run marked running still has its process)
raises a ``RuntimeError``, which it never does. For a command, a ``sitecustomize`` module in the
test's own folder, put first on the child process's ``PYTHONPATH``, replaces ``os.kill`` in that
process only (Python imports it at start-up: docs.python.org, ``site``); the terminal app runs
in this process under Pilot, so there ``os.kill`` is replaced for the test's duration
(``pytest.MonkeyPatch.context``). Nothing of ours is mocked: the command, the store's query and its liveness
check run as they do for a user. (The earlier stand-in, a run row's ``pid`` edited to text,
was a value a user can write with sqlite3, as the README invites: bad input, whose promise is
one line and exit 2, not a bug.)
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

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

#: Replaces ``os.kill`` in the process that imports it (at start-up, as ``sitecustomize``).
BROKEN_KILL = '''"""A stand-in for a bug (tests/e2e/test_crash.py): os.kill raises what it never raises."""
import os


def _kill(pid, sig):
    raise RuntimeError("os.kill broken by the test's sitecustomize")


os.kill = _kill
'''


def _mirror_with_a_running_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """A mirror made by a real simulated run, then marked running under its (ended) process and
    with no end, as a run killed with ``kill -9`` leaves it: listing it asks whether that process
    lives (a run stored running that has an end is shown interrupted without asking)."""
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
        conn.execute("UPDATE runs SET status = 'running', finished_at = NULL")
    conn.close()
    return db


def _with_broken_kill(tmp_path: Path, **env: str) -> dict[str, str]:
    """The environment of a child process whose ``os.kill`` is broken (``BROKEN_KILL``)."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(BROKEN_KILL, encoding="utf-8")
    path = os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, **env}


def _backfill_tui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backfill_tui", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip


def _logged() -> str:
    path = log_path()
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_a_bug_in_a_command_is_one_line_exit_70_and_its_traceback_in_the_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = _mirror_with_a_running_run(capsys, tmp_path)
    done = _backfill_tui("runs", "--db", str(db), env=_with_broken_kill(tmp_path))
    assert done.returncode == EXIT_INTERNAL == 70
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "internal error (RuntimeError)" in lines[0]
    assert str(log_path()) in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    logged = _logged()
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: os.kill broken by the test's sitecustomize" in logged
    assert "pid_running" in logged  # where it broke: asking whether the run's process lives


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
    """The Runs screen (F5) asks whether the running run's process lives: the app exits
    instead of printing Textual's traceback with locals, and its face reports the crash as a
    command does."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = _mirror_with_a_running_run(capsys, tmp_path)
    cli.setup_logging()  # as cli.main does before opening the app
    mirror = Mirror.open(db)
    app = BackfillApp(mirror, sim_environment(SIM))

    def broken_kill(pid: int, sig: int) -> NoReturn:
        raise RuntimeError("os.kill broken by the test")

    async def drive() -> None:
        async with app.run_test(size=SIZE) as pilot:
            with pytest.MonkeyPatch.context() as patch:  # for the Runs screen's read only
                patch.setattr(os, "kill", broken_kill)
                await pilot.press("f5")
                await pilot.pause()

    try:
        with pytest.raises(RuntimeError):  # run_test hands the bug to the test, too
            asyncio.run(drive())
    finally:
        mirror.close()
    assert app.crash is not None and isinstance(app.crash, RuntimeError)
    assert not app._exit_renderables  # nothing queued for the terminal: no traceback printed
    capsys.readouterr()
    status = app_ended(app)
    err = capsys.readouterr().err
    assert status == EXIT_INTERNAL
    assert err.count("\n") == 1 and "internal error (RuntimeError)" in err
    assert str(log_path()) in err
    logged = _logged()
    assert "internal error in the terminal app" in logged
    assert "Traceback (most recent call last)" in logged and "pid_running" in logged


def test_a_bug_whose_log_cannot_be_written_prints_its_traceback_and_says_where_it_tried(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log's folder unusable (``XDG_STATE_HOME`` naming a file, a fresh tester's setup):
    the traceback was lost and the line still said "the details are in" a log that did not
    exist. The traceback goes to stderr instead, and the last line says it could not be
    logged, where the log was tried and why; still exit 70."""
    monkeypatch.setenv("BACKFILL_SIM", SIM)
    db = _mirror_with_a_running_run(capsys, tmp_path)
    state = tmp_path / "state-is-a-file"
    state.write_text("not a folder\n", encoding="utf-8")
    env = _with_broken_kill(tmp_path, XDG_STATE_HOME=str(state))
    done = _backfill_tui("runs", "--db", str(db), env=env)
    assert done.returncode == EXIT_INTERNAL
    assert "could not be written to the log" in done.stderr, done.stderr
    *traceback, last = done.stderr.splitlines()
    assert traceback[0] == "Traceback (most recent call last):", done.stderr
    assert traceback[-1] == "RuntimeError: os.kill broken by the test's sitecustomize"
    assert any("pid_running" in line for line in traceback)
    tried = state / "backfill-tui" / "log" / "backfill-tui.log"
    assert last == (
        "backfill-tui: internal error (RuntimeError); this is a bug, its traceback is above: it "
        f"could not be written to the log {tried} (Not a directory)"
    )
    assert state.read_text(encoding="utf-8") == "not a folder\n"  # nothing written over it
