"""Helpers shared by tests: running the CLI in-process, and an engine around a simulator."""

from __future__ import annotations

import asyncio
import errno
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backfill_tui import cli
from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.store import Mirror


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads(self.out)


#: GitHub's answer to the lookup of ``acme/rocket`` (the fields the connector reads), for
#: tests that answer as GitHub with respx.
GITHUB_REPO = {
    "id": 1296269,
    "full_name": "acme/rocket",
    "html_url": "https://github.com/acme/rocket",
    "default_branch": "main",
}


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """Run ``backfill-tui ARGS`` in this process and capture what it prints."""
    capsys.readouterr()
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


def simulated_too(args: tuple[str, ...] | list[str]) -> list[str]:
    """An export's ``args`` with ``--include-simulated`` beside an ``--apply``: the tests'
    mirrors come from the simulator, which ``export --apply`` refuses without it."""
    return [*args, "--include-simulated"] if "--apply" in args else list(args)


#: A simulator on which every request fails: a run that ends with exit status 1.
FAIL_ALL = "faults=1,clock=virtual"


def simulated_run(
    capsys: pytest.CaptureFixture[str],
    db: str | Path,
    *extra: str,
    source: str = "github:acme/rocket",
    workspace: str = "w",
) -> CliResult:
    """``backfill-tui run SOURCE --workspace W --simulate --quiet EXTRA --db DB`` in this process;
    the simulator's settings are whatever ``BACKFILL_SIM`` the test set."""
    return run_cli(
        capsys, "run", source, "--workspace", workspace, "--simulate", "--quiet", *extra,
        "--db", str(db),
    )  # fmt: skip


#: Observation columns that differ between two runs storing the same items.
RUN_SPECIFIC = {"id", "external_id", "captured_at", "created_at", "run_id"}


def reseal(
    rec: Path,
    edit: Callable[[list[dict[str, Any]]], object],
    trailer: Callable[[dict[str, Any]], object] | None = None,
) -> None:
    """Edit the recording at ``rec`` as a hand would, then seal it again: ``edit`` changes in
    place its lines before the trailer (JSON objects, the header first), and the trailer's
    count and SHA-256 are computed anew, so the file passes its checksum and the edit reaches
    the reader (the trailer is a plain SHA-256: anyone can recompute it). ``trailer`` then
    edits the new trailer in place (its ``exchanges`` count, say)."""
    import gzip
    import hashlib

    lines = [json.loads(line) for line in gzip.decompress(rec.read_bytes()).splitlines()]
    body = lines[:-1]  # the trailer is made again
    edit(body)
    raw = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in body).encode()
    # The reader counts as exchanges the lines between header and trailer but run_end lines.
    count = sum(1 for x in body[1:] if not (isinstance(x, dict) and x.get("kind") == "run_end"))
    end = {"kind": "end", "exchanges": count, "sha256": hashlib.sha256(raw).hexdigest()}
    if trailer is not None:
        trailer(end)
    rec.write_bytes(gzip.compress(raw + json.dumps(end).encode() + b"\n"))


def observation_rows(db: Path) -> list[tuple[object, ...]]:
    """Every observation, all columns but the ids, capture times and run, in sourceId order."""
    with sqlite3.connect(db) as conn:
        cols = [
            r[1]
            for r in conn.execute("PRAGMA table_info(observations)")
            if r[1] not in RUN_SPECIFIC
        ]
        return conn.execute(
            f"SELECT {', '.join(cols)} FROM observations ORDER BY workspace_id, source_id"
        ).fetchall()


def stream_counts(summary: dict[str, object]) -> list[tuple[object, ...]]:
    """(source, target, entity, status, fetched, new, failed, pages, api_calls) of every stream
    of a ``--json`` summary, sorted: what a replay must reproduce."""
    return sorted(
        (
            src["source"],
            src["target"],
            s["entity"],
            s["status"],
            s["fetched"],
            s["new"],
            s["failed"],
            s["pages"],
            s["api_calls"],
        )
        for src in summary["sources"]  # type: ignore[attr-defined]
        for s in src["streams"]
    )


def stored_ids(db: Path, workspace: str = "demo") -> list[str]:
    with sqlite3.connect(db) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT source_id FROM observations WHERE workspace_id = ?", (workspace,)
            )
        ]


def ground_truth(
    config_text: str, provider: str, target: str, since: str, entities: set[str] | None = None
) -> set[str]:
    sim = Simulator(SimulatorConfig.from_env_string(config_text), VirtualClock())
    return sim.ground_truth(provider, target, datetime.fromisoformat(since), entities)


@dataclass
class SimulatedEngine:
    engine: Engine
    simulator: Simulator
    mirror: Mirror

    def run(
        self,
        *sources: str,
        workspace: str = "demo",
        days: int = 30,
        entities: set[str] | None = None,
        max_items: int = 1000,
    ) -> str:
        request = RunRequest(
            workspace=workspace,
            sources=tuple(SourceSpec.parse(s) for s in sources),
            depth=days,
            entities=frozenset(entities) if entities else None,
            max_items=max_items,
        )
        run = self.engine.plan(request)
        asyncio.run(self.engine.run(run.id))
        return run.id


def simulated_engine(db: Path, config_text: str) -> SimulatedEngine:
    environment = Environment.create(simulate=True, simulator_config=config_text)
    assert environment.simulator is not None
    mirror = Mirror.open(db)
    return SimulatedEngine(Engine(mirror, environment), environment.simulator, mirror)


NOBODY = 65534


def call_as_nobody(fn: Any) -> Any:
    """``fn()`` in a forked child that dropped to user ``nobody`` (for root only: permission
    bits do not bind root); its JSON-able result comes back through a pipe. An exception in
    the child comes back as ``{"error": repr}``."""
    import os

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, run, report, never return to pytest
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            payload = json.dumps(fn())
        except BaseException as exc:  # report anything to the parent
            payload = json.dumps({"error": repr(exc)})
        os.write(write_end, payload.encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def headless_run_a_lock_stopped(
    capsys: pytest.CaptureFixture[str], db: Path, sources: tuple[str, ...], *extra: str
) -> CliResult:
    """``run SOURCES --simulate --db DB --quiet EXTRA`` in this process while another connection
    takes the mirror's write lock once a page is stored and keeps it until the run has ended
    (set ``BACKFILL_SIM`` and the busy timeouts first); the CLI's result."""
    done = threading.Event()

    def lock_once_a_page_is_stored() -> None:
        holder = sqlite3.connect(db, isolation_level=None, timeout=30)
        try:
            while not done.is_set():
                try:
                    if holder.execute("SELECT count(*) FROM observations").fetchone()[0]:
                        holder.execute("BEGIN IMMEDIATE")
                        done.wait()
                        holder.execute("ROLLBACK")
                        return
                except sqlite3.OperationalError:  # not made yet
                    pass
                done.wait(0.02)
        finally:
            holder.close()

    locker = threading.Thread(target=lock_once_a_page_is_stored)
    locker.start()
    try:
        return run_cli(
            capsys, "run", *sources, "--simulate", "--workspace", "w", "--db", str(db), "--quiet",
            *extra,
        )  # fmt: skip
    finally:
        done.set()
        locker.join()


def run_cli_as_nobody(args: list[str], environ: dict[str, str] | None = None) -> CliResult:
    """``cli.main(args)`` as user ``nobody`` (see :func:`call_as_nobody`)."""
    import os
    import sys
    from io import StringIO

    def run() -> list[Any]:
        os.environ.update(environ or {})
        out, err = StringIO(), StringIO()
        sys.stdout, sys.stderr = out, err
        try:
            code = cli.main(args)
        except SystemExit as exc:
            code = int(exc.code or 0)
        return [code, out.getvalue(), err.getvalue()]

    result = call_as_nobody(run)
    if isinstance(result, dict):
        return CliResult(99, "", f"child failed: {result['error']}")
    return CliResult(*result)


def run_cli_unprivileged(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """The CLI as a user bound by permission bits: in-process, or as ``nobody`` under root."""
    import os

    if os.geteuid() == 0:
        return run_cli_as_nobody(list(args))
    return run_cli(capsys, *args)


def limit_pages(monkeypatch: pytest.MonkeyPatch, db: Path, room: int) -> None:
    """A full disk, as SQLite meets it: every connection opened on ``db`` from now on may grow
    it by ``room`` pages only (``PRAGMA max_page_count``; SQLite then answers SQLITE_FULL,
    "database or disk is full", as on a full file system). Nothing of ours is replaced."""
    real = sqlite3.connect

    def connect(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real(database, *args, **kwargs)
        if str(database) == str(db):
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + room}")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)


def stored_count(db: Path) -> int:
    """Observations committed in ``db`` so far, read from a read-only connection of its own
    (0 while the file does not exist, is being made or is locked past 5 s): what a test polls
    while a command runs in a subprocess."""
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute("SELECT count(*) FROM observations").fetchone()[0])
    except sqlite3.Error:
        return 0


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    """Poll ``condition`` every 0.05 s until it holds (60 s at most); fail if ``process`` ends
    first (with what it printed) or never gets there (then it is killed)."""
    for _ in range(1200):
        if condition():
            return
        if process.poll() is not None:
            pytest.fail(f"ended before it got there: {process.communicate()}")
        time.sleep(0.05)
    process.kill()
    pytest.fail("the command never reached the state waited for")


def run_cancelled_after_a_page(engine: Engine, run_id: str) -> None:
    """Run ``run_id`` on ``engine`` and cancel it as its first page is stored (the engine's own
    ``PageStored`` event), as a user's Ctrl-C after a page would: the run ends cancelled."""
    import contextlib

    from backfill_tui.engine import progress as ev

    async def cancelled() -> None:
        task = asyncio.current_task()
        assert task is not None

        def cancel(event: ev.ProgressEvent) -> None:
            if isinstance(event, ev.PageStored):
                task.cancel()

        engine.subscribe(cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await engine.run(run_id)

    asyncio.run(cancelled())


def older_mirror(db: Path, step: str) -> sqlite3.Connection:
    """A mirror at ``db`` as a backfill-tui made it before migration ``step`` existed (every
    migration before it applied, as sqlite-utils applies them), and an open connection to it
    (autocommit) for the test to fill; the test closes it."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from backfill_tui.store.schema import APPLICATION_ID, MIGRATION_NAMES, MIGRATION_SET, migrations

    version = MIGRATION_NAMES.index(step)
    old = Migrations(MIGRATION_SET)
    for one in migrations()._migrations[:version]:
        old(name=one.name)(one.fn)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    old.apply(Database(conn))
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


@contextmanager
def recording_elsewhere(
    tmp_path: Path, rec: Path, anchor: str, workspace: str = "first"
) -> Iterator[subprocess.Popen[bytes]]:
    """A ``run --record REC`` in another process, yielded once its run is stored and going
    (its first line, ``run ID: ...``, said; the path is held from its start, before that);
    killed at the end if it still runs."""
    argv = [
        sys.executable, "-m", "backfill_tui", "run", "github:acme/rocket", "--simulate",
        "--workspace", workspace, "--db", str(tmp_path / f"{workspace}.db"), "--record", str(rec),
    ]  # fmt: skip
    process = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "BACKFILL_SIM": f"anchor={anchor},latency=1"},
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline().decode()
        assert first.startswith("run "), first
        assert list(rec.parent.glob(f".{rec.name}.{process.pid}.*.part"))
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def stop_recording_elsewhere(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """SIGTERM the run (it cancels, sealing its recording); its exit status and stderr."""
    assert process.poll() is None, "the first run ended before the test was done with it"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return process.returncode, err.decode()


class _FillingFile(io.RawIOBase):
    """A file descriptor the file system takes ``room`` more bytes of, then refuses each write
    with ``refused`` (``errno.ENOSPC``: as a full disk does, the last write cut short first);
    ``once``: only the first write past ``room``, space being freed right after it."""

    def __init__(self, fd: int, room: int, refused: int, once: bool = False) -> None:
        super().__init__()
        self._fd, self.room, self.refused, self.once = fd, room, refused, once

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        if self.room <= 0:
            if self.once:
                self.room = 1 << 40
            raise OSError(self.refused, os.strerror(self.refused))
        written = os.write(self._fd, bytes(memoryview(data)[: self.room]))
        self.room -= written
        return written

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _recording_part(fd: int, recording: Path) -> bool:
    """Whether ``fd`` is open on the hidden file (``.NAME.PID.XXXX.part``) a recording to
    ``recording`` is written to before it is sealed into place."""
    made = os.fstat(fd)
    return any(
        os.path.samestat(part.stat(), made)
        for part in recording.parent.glob(f".{recording.name}.*.part")
    )


def filling_disk(
    monkeypatch: pytest.MonkeyPatch,
    recording: Path,
    room: int,
    refused: int = errno.ENOSPC,
    *,
    once: bool = False,
) -> None:
    """A disk that fills while the recording at ``recording`` is written: its hidden file
    (made by ``tempfile.mkstemp``) takes ``room`` bytes, then the operating system refuses
    every write with ``OSError(refused)`` (ENOSPC, EDQUOT, EFBIG, EIO), through the same
    buffered file ``os.fdopen`` would give; ``once``: only the first, space being freed right
    after it (later writes are taken). Only that file: ``os.fdopen`` of any other descriptor
    (the mirror is SQLite's own) is the real one."""
    real = os.fdopen

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        if args[:1] != ("wb",) or not _recording_part(fd, recording):
            return real(fd, *args, **kwargs)
        return io.BufferedWriter(_FillingFile(fd, room, refused, once))

    monkeypatch.setattr(os, "fdopen", fdopen)


def refusing_fsync(
    monkeypatch: pytest.MonkeyPatch, recording: Path, refused: int = errno.ENOSPC
) -> None:
    """A disk that takes every write of the recording at ``recording`` (into the page cache)
    but refuses the ``fsync`` that puts it on the disk, as a file system that allocates late
    (or NFS, a quota) reports a full disk: the recording is refused as it is sealed, its run
    over. Every other file's ``fsync`` is the real one."""
    real = os.fsync

    def fsync(fd: Any) -> None:
        number = fd if isinstance(fd, int) else fd.fileno()
        if _recording_part(number, recording):
            raise OSError(refused, os.strerror(refused))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def killed_headless_run(
    db: Path, sources: list[str], simulator: str, pages: int = 1, *, args: tuple[str, ...] = ()
) -> str:
    """A headless simulated run of ``sources`` into ``db`` (``BACKFILL_SIM=simulator``, paced so
    a kill lands mid-run; ``args`` given to ``run`` too, such as ``--record FILE``) killed with
    SIGKILL once one of its streams has stored ``pages`` pages; the run's id."""
    process = subprocess.Popen(
        [sys.executable, "-m", "backfill_tui", "run", *sources, "--simulate", "--workspace", "w",
         "--db", str(db), "--quiet", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "BACKFILL_SIM": simulator},
    )  # fmt: skip
    try:
        for _ in range(1200):
            try:
                with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
                    most = conn.execute("SELECT coalesce(max(pages), 0) FROM streams").fetchone()
            except sqlite3.OperationalError:
                most = (0,)
            if most[0] >= pages:
                break
            assert process.poll() is None, "ended before the kill"
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    with closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("SELECT id FROM runs").fetchone()[0])


#: How far back :func:`killed_an_hour_ago` moves a killed run.
HOUR = timedelta(hours=1)


def killed_an_hour_ago(db: Path, anchor: str) -> tuple[str, float]:
    """A run killed after its second page, its instants moved an hour back; its id and the
    seconds from its start to its last page (the time it is known to have run)."""
    run_id = killed_headless_run(
        db, ["github:acme/rocket"], f"anchor={anchor},latency=0.5,scale=3", 2
    )

    def back(text: str) -> str:
        return (datetime.fromisoformat(text) - HOUR).isoformat()

    with closing(sqlite3.connect(db)) as conn, conn:
        started, since = conn.execute("SELECT started_at, since FROM runs").fetchone()
        conn.execute("UPDATE runs SET started_at = ?, since = ?", (back(started), back(since)))
        for sid, at in conn.execute("SELECT id, updated_at FROM streams").fetchall():
            conn.execute("UPDATE streams SET updated_at = ? WHERE id = ?", (back(at), sid))
        last = conn.execute("SELECT max(updated_at) FROM streams WHERE pages > 0").fetchone()[0]
    ran = (datetime.fromisoformat(last) - datetime.fromisoformat(back(started))).total_seconds()
    return run_id, ran


#: Someone else's token-shaped text in provider data (GitHub's classic token shape): what a
#: recording masks with ``***`` (recording/scrub.py) while the run's mirror keeps it.
TOKEN_SHAPED_TEXT = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


def sentry_answers_with_token_shaped_titles(
    respx_mock: Any, monkeypatch: pytest.MonkeyPatch, base: str, issues: int, shaped: set[int]
) -> None:
    """Sentry at ``base`` answering ``sentry:acme/api`` (respx, at the HTTP level): ``issues``
    issues seen a day ago, those numbered in ``shaped`` titled with :data:`TOKEN_SHAPED_TEXT`,
    and no events; its token and base URL in the environment."""
    seen = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = [
        {
            "id": str(n),
            "shortId": f"API-{n}",
            "title": f"leaked {TOKEN_SHAPED_TEXT} in a log" if n in shaped else f"KeyError: 'k{n}'",
            "status": "unresolved",
            "lastSeen": seen,
            "metadata": {"type": "KeyError", "value": "'k'"},
            "project": {"id": "7", "slug": "api", "name": "api"},
        }
        for n in range(1, issues + 1)
    ]
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_test_token_value")
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", base)
    respx_mock.get(f"{base}/api/0/projects/acme/api/").respond(200, json={"id": "7", "slug": "api"})
    respx_mock.get(f"{base}/api/0/organizations/acme/issues/").respond(200, json=answer)
    respx_mock.get(f"{base}/api/0/projects/acme/api/events/").respond(200, json=[])
