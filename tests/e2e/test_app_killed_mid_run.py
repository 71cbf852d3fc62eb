"""The terminal app killed with kill -9 while its run goes in a child process
(``engine.process``): the run ends interrupted, as when its own process dies, not "cancelled"
as if the user had pressed cancel (a tester's finding); ``runs`` and ``report`` say so, and
``resume`` finishes it.

The app's side here is what the app does to run a run (plan it, hand it to a
:class:`ProcessRun`), in a process of its own that the test kills with SIGKILL."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import run_cli

from backfill_tui.store.locks import pid_running

#: The app's side: plans a run, starts it in a child process, says the run's id, then waits
#: (for the SIGKILL) as the app's loop would; a line "cancel" on its stdin is the user's cancel
#: (sent over the pipe, then "sent" said).
_APP = """
import sys, time
from pathlib import Path
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.process import ProcessRun
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror

db, config = Path(sys.argv[1]), sys.argv[2]
environment = Environment.create(simulate=True, simulator_config=config)
engine = Engine(Mirror.open(db), environment)
request = RunRequest("w", (SourceSpec.parse("github:acme/rocket"),), depth=30)
run = engine.plan(request, simulator_text=config)
process_run = ProcessRun(db, environment.portable(), run.id)
process_run.start()
print(run.id, flush=True)
if sys.stdin.readline().strip() == "cancel":
    process_run.cancel()
    print("sent", flush=True)
time.sleep(600)
"""


def _child(db: Path, app_pid: int) -> tuple[int, int]:
    """(the run's process id once the child has taken the run, pages its streams stored)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            pid = conn.execute("SELECT pid FROM runs").fetchone()[0]
            pages = conn.execute("SELECT coalesce(max(pages), 0) FROM streams").fetchone()[0]
    except sqlite3.OperationalError:
        return 0, 0
    return (0 if pid in (None, app_pid) else int(pid)), int(pages)


def _app_killed(tmp_path: Path, config: str, *, cancelled_first: bool = False) -> str:
    """The app's side of a run killed with SIGKILL once the run's child has stored a page
    (``cancelled_first``: just after the user's cancel was sent), and its child ended; the
    run's id."""
    db = tmp_path / "m.db"
    app = subprocess.Popen(
        [sys.executable, "-c", _APP, str(db), config],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert app.stdin is not None and app.stdout is not None
        run_id = app.stdout.readline().strip()
        assert run_id, "the app's side did not start the run"
        child, pages = 0, 0
        for _ in range(1200):
            child, pages = _child(db, app.pid)
            if child and pages >= 1:  # the child runs it and has stored a page
                break
            assert app.poll() is None, "ended before the kill"
            time.sleep(0.05)
        assert child and pages >= 1, "the run did not store a page in 60 s"
        if cancelled_first:
            app.stdin.write("cancel\n")
            app.stdin.flush()
            assert app.stdout.readline().strip() == "sent"
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=30)
    finally:
        if app.poll() is None:
            app.kill()
    for _ in range(600):  # the child sees the app's end of its pipe close, and ends
        if not pid_running(child):
            break
        time.sleep(0.05)
    assert not pid_running(child), "the run's process outlived the app"
    return run_id


def _shown(capsys: pytest.CaptureFixture[str], db: Path, run_id: str) -> str:
    """The run's status as ``runs --json`` shows it."""
    runs = run_cli(capsys, "runs", "--db", str(db), "--json")
    assert runs.code == 0, runs.err
    (shown,) = [r for r in json.loads(runs.out) if r["run_id"] == run_id]
    return str(shown["status"])


def test_a_run_whose_app_was_killed_is_interrupted_and_resumes(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, config = tmp_path / "m.db", f"anchor={anchor},latency=0.3,scale=3"
    run_id = _app_killed(tmp_path, config)
    with sqlite3.connect(db) as conn:
        streams = conn.execute("SELECT status FROM streams").fetchall()
    assert ("cancelled",) not in streams, streams  # nobody cancelled it
    assert _shown(capsys, db, run_id) == "interrupted"
    report = run_cli(capsys, "report", run_id, "--db", str(db))
    assert report.code == 0, report.err
    assert "interrupted" in report.out and "cancelled" not in report.out, report.out

    monkeypatch.setenv("BACKFILL_SIM", config)
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--json", "--quiet")
    assert resumed.code == 0, resumed.err
    assert resumed.summary["status"] == "completed", resumed.summary


def test_a_run_the_user_cancelled_stays_cancelled_when_its_app_is_killed(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's cancel came over the pipe before the app died: the run is cancelled, as the
    user asked, not interrupted."""
    db = tmp_path / "m.db"
    run_id = _app_killed(tmp_path, f"anchor={anchor},latency=0.3,scale=3", cancelled_first=True)
    assert _shown(capsys, db, run_id) == "cancelled"


def test_a_pipe_closed_after_the_runs_end_is_no_interruption(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app closes its end of the pipe once the run's end has come; a child still winding
    down then (here: an exit handler that takes a second, from a ``sitecustomize`` of the
    test's) must not take it for the app's death and end with APP_GONE: it ends 0."""
    from backfill_tui.engine.environment import Environment
    from backfill_tui.engine.process import ProcessRun
    from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
    from backfill_tui.store import Mirror

    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import atexit, time\natexit.register(time.sleep, 1)\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    db, config = tmp_path / "m.db", f"anchor={anchor},clock=virtual"
    environment = Environment.create(simulate=True, simulator_config=config)
    mirror = Mirror.open(db)
    try:
        engine = Engine(mirror, environment)
        request = RunRequest("w", (SourceSpec.parse("vercel:acme/rocket-web"),), depth=7)
        run = engine.plan(request, simulator_text=config)
        portable = environment.portable()
        assert portable is not None
        process_run = ProcessRun(db, portable, run.id)
        process_run.start()
        assert process_run.join(timeout=120)
        assert process_run.outcome is not None and process_run.outcome.status == "completed"
        assert process_run.host is not None
        assert process_run.host.process.wait(timeout=30) == 0  # ended cleanly
    finally:
        mirror.close()
