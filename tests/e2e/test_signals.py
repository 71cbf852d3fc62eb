"""SIGTERM stops a long operation as cleanly as SIGINT does (issue 10, item 9).

Each test starts the real command in a subprocess (a signal and an exit status are the point),
waits until it is visibly in the middle of its work (observations stored, a batch sent, a lock
waited on), signals it, and checks: exit status 1 as documented, the one "cancelled" line, no
traceback, and nothing lost: finishing the work afterwards gives exactly what an uninterrupted
run gives. Waits poll for a state, never assert a duration.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest_pg import PgServer
from support import ground_truth, run_cli, stored_count, stored_ids, wait_for

from backfill_tui import cli
from backfill_tui.cli.signals import Stop, stop_on_signals

SOURCE = "github:acme/rocket"


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signalled_run_stops_cleanly_and_resume_finishes_it_exactly(
    sig: signal.Signals,
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "m.db"
    config = f"anchor={anchor},latency=0.2"
    monkeypatch.setenv("BACKFILL_SIM", config)
    process = start("run", SOURCE, "--simulate", "--workspace", "demo", "--db", str(db), "--json")
    wait_for(lambda: stored_count(db) > 0, process)
    process.send_signal(sig)
    code, out, err = finish(process)

    assert code == 1, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith(f"cancelled ({sig.name}): what was stored")
    summary = json.loads(out)
    assert summary["status"] == "cancelled"
    kept = stored_count(db)
    assert kept > 0
    resumed = run_cli(capsys, "resume", summary["run_id"], "--db", str(db), "--json")
    assert resumed.code == 0, resumed.err
    ids = stored_ids(db)
    assert len(ids) == len(set(ids))
    assert set(ids) == ground_truth(config, "github", "acme/rocket", summary["since"])


def test_ctrl_c_twice_keeps_the_clean_stop(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Two Ctrl-C in quick succession (the signals may even arrive as one): still the summary
    and the resume line, exit 1, and resume finishes exactly. Before, the second one could land
    in the summary and end the command with "cancelled; nothing more was written"."""
    db = tmp_path / "m.db"
    config = f"anchor={anchor},latency=0.2"
    monkeypatch.setenv("BACKFILL_SIM", config)
    process = start("run", SOURCE, "--simulate", "--workspace", "demo", "--db", str(db), "--json")
    wait_for(lambda: stored_count(db) > 0, process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.01)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    code, out, err = finish(process)

    assert code == 1, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("cancelled (SIGINT): what was stored")
    run_id = json.loads(out)["run_id"]
    resumed = run_cli(capsys, "resume", run_id, "--db", str(db), "--json")
    assert resumed.code == 0, resumed.err
    ids = stored_ids(db)
    assert len(ids) == len(set(ids))
    since = json.loads(resumed.out)["since"]
    assert set(ids) == ground_truth(config, "github", "acme/rocket", since)


def test_a_stop_before_the_first_page_says_each_stream_once(tmp_path: Path, anchor: str) -> None:
    """Ctrl-C while every source's lookup and first pages are in flight: one "cancelled" line
    per stream (the lookup's own handler marked the streams it runs beside a second time)."""
    db = tmp_path / "m.db"
    process = start(
        "run", SOURCE, "linear:ENG", "--simulate", "--workspace", "demo", "--db", str(db),
        env={"BACKFILL_SIM": f"anchor={anchor},latency=3"},
    )  # fmt: skip

    def started() -> bool:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
                return bool(conn.execute("SELECT count(*) FROM streams").fetchone()[0])
        except sqlite3.OperationalError:
            return False

    wait_for(started, process)
    time.sleep(0.5)  # the requests are out; their answers are seconds away
    process.send_signal(signal.SIGINT)
    code, _, err = finish(process)
    assert code == 1, err
    lines = [x for x in err.splitlines() if ": cancelled, " in x]
    assert len(lines) == 7 and len(set(lines)) == 7, err


_THREE_PRESSES = """
import os, signal, time
from backfill_tui.cli.signals import on_quit, stop_on_signals
with stop_on_signals():
    on_quit("to go on: do it again")
    for press in range(3):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
            print("press", press, "went on", flush=True)
        except KeyboardInterrupt:
            print("press", press, "stops", flush=True)
print("not reached", flush=True)
"""


def test_the_second_stop_signal_says_so_and_the_third_quits_at_once() -> None:
    """Stop signals one by one: the first stops the work (KeyboardInterrupt), the second says
    the command is already stopping and lets the stop go on, the third exits 130 at once,
    saying so and what to do next (it said nothing: a tester's finding)."""
    done = subprocess.run(
        [sys.executable, "-c", _THREE_PRESSES], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.splitlines() == ["press 0 stops", "press 1 went on"]
    assert done.stderr == (
        "backfill-tui: already stopping; what is stored is kept "
        "(press Ctrl-C again to quit at once)\n"
        "backfill-tui: quitting now (exit 130); what was committed is kept; "
        "to go on: do it again\n"
    )
    assert done.returncode == 130


def test_the_third_ctrl_c_quits_at_once_while_another_process_locks_the_mirror(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ctrl-C while the run's write waits (SQLite's busy timeout, 30 s) for a lock another
    process holds: the first says the stop waits for the lock, the third exits 130 while the
    lock is still held, and after it nothing stored is lost: ``runs`` shows the run
    interrupted and ``resume`` finishes it exactly. Before, the main thread sat in the wait:
    the first and third said and did nothing until the lock went (a tester's finding)."""
    db = tmp_path / "m.db"
    config = f"anchor={anchor},latency=0.3"
    monkeypatch.setenv("BACKFILL_SIM", config)
    process = start("run", SOURCE, "sentry:acme/rocket", "--simulate", "--workspace", "demo",
                    "--db", str(db))  # fmt: skip
    lines: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stderr or ()), daemon=True)
    reader.start()
    wait_for(lambda: stored_count(db) > 0, process)
    holder = sqlite3.connect(db, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        wait_for(lambda: any(x.startswith("waiting for the mirror") for x in lines), process)
        process.send_signal(signal.SIGINT)
        wait_for(lambda: any("stopping; waiting for the mirror" in x for x in lines), process)
        process.send_signal(signal.SIGINT)
        wait_for(lambda: any("already stopping" in x for x in lines), process)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=120)
        assert holder.in_transaction  # the lock was still held when the command ended
    finally:
        holder.rollback()
        holder.close()
    reader.join(timeout=10)

    assert code == 130, "".join(lines)
    assert "Traceback" not in "".join(lines)
    kept = stored_count(db)
    listed = run_cli(capsys, "runs", "--json", "--db", str(db))
    (run,) = json.loads(listed.out)
    assert run["status"] == "interrupted"
    # The third said it quits and how to go on (it quit silently: a tester's finding), and
    # that the time the run went on after its last stored page is lost with the lock (runs
    # showed 'interrupted 00:01' after 8 s of running, unsaid: a fresh tester's finding).
    assert lines[-1] == (
        "backfill-tui: quitting now (exit 130); what was committed is kept; its time after "
        "its last stored page is not recorded (the mirror is locked); to continue it: "
        f"backfill-tui resume {run['run_id']} --db {db}\n"
    ), lines
    resumed = run_cli(capsys, "resume", run["run_id"], "--db", str(db), "--json")
    assert resumed.code == 0, resumed.err
    ids = stored_ids(db)
    assert len(ids) == len(set(ids)) and len(ids) >= kept
    since = json.loads(resumed.out)["since"]
    expected = ground_truth(config, "github", "acme/rocket", since) | ground_truth(
        config, "sentry", "acme/rocket", since
    )
    assert set(ids) == expected


class SlowInngest:
    """Answers like Inngest's event API, slowly, and keeps the first event of each id."""

    def __init__(self) -> None:
        self.events: dict[str, Any] = {}
        self.lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                time.sleep(0.3)
                with state.lock:
                    for event in body:
                        state.events.setdefault(event["id"], event)
                data = json.dumps({"ids": [e["id"] for e in body], "status": 200}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def received(self) -> int:
        with self.lock:
            return len(self.events)


@pytest.fixture
def inngest() -> Iterator[SlowInngest]:
    fake = SlowInngest()
    thread = threading.Thread(target=fake.server.serve_forever, daemon=True)
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def mirror(tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    db = tmp_path / "mirror.db"
    assert (
        cli.main(
            [
                "run",
                SOURCE,
                "--simulate",
                "--workspace",
                "demo",
                "--db",
                str(db),
                "--quiet",
                "--json",
            ]
        )
        == 0
    )
    return db


def test_sigterm_during_an_inngest_export_stops_cleanly_and_loses_nothing(
    mirror: Path, inngest: SlowInngest, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["export", "inngest", "--event-key", "k-123456", "--url", inngest.url,
            "--workspace", "demo", "--db", str(mirror), "--apply", "--include-simulated"]  # fmt: skip
    process = start(*args)
    wait_for(lambda: inngest.received() > 0, process)
    process.send_signal(signal.SIGTERM)
    code, _, err = finish(process)
    assert code == 1, err
    assert "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("cancelled (SIGTERM): "), err  # which stop, as a run's line says
    assert " sent and recorded; run the export again" in err, err  # events are sent, not written
    assert 0 < inngest.received() < len(stored_ids(mirror))
    again = run_cli(capsys, *args)
    assert again.code == 0, again.err
    assert inngest.received() == len(stored_ids(mirror))


def test_sigterm_while_a_postgres_export_waits_stops_cleanly(
    mirror: Path, pg_server: PgServer, pg_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export waits on the workspace's lock (held here); SIGTERM ends the wait cleanly."""
    dsn = pg_server.dsn(pg_db)
    args = [
        "export",
        "postgres",
        "--dsn",
        dsn,
        "--workspace",
        "demo",
        "--db",
        str(mirror),
        "--apply",
        "--include-simulated",
    ]
    pg_server.create_production_table(pg_db)  # production's table, as the export expects
    with pg_server.admin_connect(pg_db) as holder:
        holder.execute("SELECT pg_advisory_lock(hashtext('demo'))")
        process = start(*args)

        def waiting() -> bool:
            with pg_server.admin_connect(pg_db) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()
                return row is not None and int(row[0]) > 0

        wait_for(waiting, process)
        process.send_signal(signal.SIGTERM)
        code, _, err = finish(process)
        holder.execute("SELECT pg_advisory_unlock(hashtext('demo'))")
    assert code == 1, err
    assert "Traceback" not in err and err.count("\n") == 1
    assert err.startswith("cancelled (SIGTERM)"), err
    assert "Xq7" not in err  # the DSN's password
    again = run_cli(capsys, *args)
    assert again.code == 0, again.err
    with pg_server.admin_connect(pg_db) as conn:
        row = conn.execute(
            "SELECT count(*) FROM lightfast_workspace_neural_observations"
        ).fetchone()
    assert row is not None and int(row[0]) == len(stored_ids(mirror))


def test_the_handlers_are_restored_and_sigterm_interrupts_like_ctrl_c() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), stop_on_signals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):  # the handler runs between bytecodes
            time.sleep(0.01)
    assert isinstance(stop, Stop) and stop.signal_name == "SIGTERM"
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_sigterm_in_the_app_cancels_its_run_cleanly_and_exits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The terminal app: SIGTERM does what quitting does (the run cancelled, what it stored
    kept), instead of dying mid-page with the terminal left in raw mode; once closed it prints
    the run's last line with the ``resume`` command, as ctrl+q's path does (it printed only
    "cancelled (SIGTERM): what was stored is kept": a fresh tester's finding)."""
    import asyncio

    from app_support import SIZE, make_app, paced_environment, wait_for_exit
    from app_support import wait_until as app_wait_until

    from backfill_tui.cli.app import app_ended
    from backfill_tui.engine.run import RunRequest, SourceSpec

    app = make_app(tmp_path, environment=paced_environment("scale=2", latency=0.5))

    async def scenario() -> str:
        async with app.run_test(size=SIZE) as pilot:
            request = RunRequest("ws", (SourceSpec.parse(SOURCE),), depth=90, max_items=100_000)
            run_id = app.plan_and_start(request)
            assert run_id is not None
            await app_wait_until(pilot, lambda: app.session.progress.totals().fetched > 0)  # type: ignore[union-attr]
            # The app's handler is in place (else the signal would end this test process).
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
            os.kill(os.getpid(), signal.SIGTERM)
            await wait_for_exit(app)
            return run_id

    run_id = asyncio.run(scenario())
    assert app.stopped_by == "SIGTERM" and app.return_code == 1
    run = app.mirror.get_run(run_id)
    assert run is not None and run.status == "cancelled"
    assert app.mirror.source_ids("ws", run_id)
    capsys.readouterr()
    assert app_ended(app) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"cancelled (SIGTERM): what was stored is kept; to continue it: "
        f"backfill-tui resume {run_id} --db {app.mirror.path} (it resumes on the simulator"
    ), err
    # On a terminal the line is folded between words, but never inside the command: it
    # was cut after "--db", and the two halves did not paste (a fresh tester's finding).
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "60")
    assert app_ended(app) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) > 2, lines
    command = f"backfill-tui resume {run_id} --db {app.mirror.path}"
    assert any(line.strip() == command for line in lines), lines


def test_a_stop_signal_after_the_end_is_said_not_silently_ignored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A SIGTERM landing after the run's last line changes nothing (exit 0 stands) but is said
    once, so a supervisor sees its stop was taken (it left no trace: a fresh tester's finding)."""
    stop = Stop()
    stop.settled = True
    assert not stop.note(signal.SIGTERM) and not stop.note(signal.SIGINT)
    err = capsys.readouterr().err
    assert err == "note: SIGTERM arrived after the run ended; it stopped nothing\n"


def test_sigterm_while_a_postgres_dry_run_waits_says_the_dry_run_stopped(
    mirror: Path, pg_server: PgServer, pg_db: str
) -> None:
    """A dry run waiting on a table another session holds locked, stopped by SIGTERM, said
    "interrupted while starting; nothing was read or written" (a fresh tester's finding): it
    had started, and read; it says the dry run stopped, and that nothing was written."""
    args = ["export", "postgres", "--dsn", pg_server.dsn(pg_db), "--workspace", "demo",
            "--db", str(mirror)]  # fmt: skip
    pg_server.create_production_table(pg_db)
    with pg_server.lock_production_table(pg_db) as holder:
        process = start(*args)

        def waiting() -> bool:
            with pg_server.admin_connect(pg_db) as conn:
                row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
                return row is not None and int(row[0]) > 0

        wait_for(waiting, process)
        process.send_signal(signal.SIGTERM)
        code, _, err = finish(process)
        holder.rollback()
    assert code == 1, err
    assert "Traceback" not in err
    assert err.rstrip().endswith("dry run stopped (SIGTERM); nothing was written"), err
