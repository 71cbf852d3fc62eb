"""A run in a child process of its own: the terminal app's way to keep its loop free.

On a thread (:mod:`.background`) a run still shares the interpreter's lock with the app: while
the simulator, the connectors and SQLite compute, Textual waits for the lock, and its redraws
stretch into stalls of 50-270 ms (``bench/ui_latency.py``). In a child process the run has a
core of its own and the app's loop keeps to its own work. The face is the same as
:class:`~.background.BackgroundRun`'s (``start``, ``cancel``, ``done``, ``join``, ``outcome``,
``on_end``), so the app holds either::

    host = RunHost.spawn()      # at start-up: the child imports the engine while nobody waits
    run = ProcessRun(mirror.path, environment.portable(), run.id,
                     subscribers=[buffer], on_end=..., clock=environment.clock, host=host)
    run.start()                 # the job crosses the pipe; progress comes back in batches

Across the two pipes (``multiprocessing.connection`` framing, pickled, never a file):

- parent to child: one :class:`Job` (mirror path, the environment as data, the run's id, the
  credential values to mask), then ``"cancel"`` if asked. Closed with no ``"cancel"`` (the app
  died: ``kill -9``), the child ends at once (:data:`APP_GONE`): its run is left as any run
  whose process died, shown "interrupted" and continued by ``resume``, not "cancelled" as if
  the user had asked (a tester's finding); the app always says ``"cancel"`` before closing;
- child to parent: ``("events", [ProgressEvent...], clock_now)`` at most every
  :data:`BATCH_SECONDS`, ``("log", LogRecord)`` (the app's log file stays the only one, written by
  the app), and ``("end", RunOutcome)``.

The child is started in a process group of its own (no terminal signals: Ctrl-C and hang-ups
reach the app, which cancels through the pipe) and with stdin, stdout and stderr on ``/dev/null`` (it
never draws over the app). Its mirror connection is its own (:meth:`Mirror.attach`, WAL). If the
child dies (``kill -9``), the app learns it from the closed pipe: the outcome says so in one
line, and the run shows "interrupted" like any run whose process is gone (its locks name the
child's pid). Tokens cross only the pipe: never argv, the environment block or a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import secrets_registry
from ..clock import Clock, VirtualClock
from . import progress as ev
from .background import RunOutcome, drive_run
from .process_log import PipeLogHandler

if TYPE_CHECKING:
    from .environment import PortableEnvironment

__all__ = ["APP_GONE", "BATCH_SECONDS", "Job", "ProcessRun", "RunHost", "child_main"]

log = logging.getLogger("backfill_tui.engine.process")

Subscriber = Callable[[ev.ProgressEvent], None]

#: How much lower the run's child process is scheduled than the app (``os.nice``): the UI's
#: event loop waits less for a core while the run is busy (bench/ui_latency.py).
RUN_NICENESS = 5

#: How often the child sends its progress (seconds): the app draws at most 4 times a second.
BATCH_SECONDS = 0.05

#: The child's exit status when the app's end of the pipe closed mid-run with no "cancel".
APP_GONE = 3

_CHILD = "from backfill_tui.engine.process import child_main; child_main()"


@dataclass(frozen=True)
class Job:
    """What the child runs: ``run_id`` of the mirror at ``mirror_path``, in ``environment``
    (rebuilt there), masking ``secrets`` (every credential value the app has registered)."""

    mirror_path: str
    environment: PortableEnvironment
    run_id: str
    secrets: frozenset[str]


class RunHost:
    """A child process waiting for one :class:`Job`, its imports done (spawned ahead, so a run
    starts without waiting ~0.4 s for the engine's imports). Each host runs one job."""

    def __init__(self, process: subprocess.Popen[bytes], jobs: Connection, events: Connection):
        self.process = process
        self.jobs = jobs
        self.events = events

    @classmethod
    def spawn(cls) -> RunHost:
        """Start a child ``python -c ...`` on the same interpreter; returns at once. Raises
        ``OSError`` when the system refuses a process or a pipe."""
        jobs_read, jobs_write = os.pipe()
        events_read, events_write = os.pipe()
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, str(jobs_read), str(events_write)],
                pass_fds=(jobs_read, events_write),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # Its own process group: the terminal's Ctrl-C and hang-up reach the app's group,
                # not the child (the app cancels it through the pipe). The same session, so the
                # scheduler counts app and run as one (Linux autogroups are per session).
                process_group=0,
            )
        except BaseException:
            for fd in (jobs_read, jobs_write, events_read, events_write):
                os.close(fd)
            raise
        os.close(jobs_read)
        os.close(events_write)
        return cls(process, Connection(jobs_write, readable=False), Connection(events_read))

    def close(self, timeout: float = 5.0) -> None:
        """End the host (a job it runs, not asked to cancel, ends interrupted) and reap it."""
        with contextlib.suppress(OSError):
            self.jobs.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            self.events.close()


class ProcessRun:
    """One run (or resume) of ``run_id`` in a child process; the face of
    :class:`~.background.BackgroundRun`.

    ``subscribers`` get the run's progress events on this process's reader thread (they must be
    thread-safe, as ``EventBuffer`` is). ``clock``: a virtual clock of the app's that follows the
    run's (the child's clock moves when its run waits); a system clock needs nothing.
    ``on_end`` is called once, on the reader thread, with the :class:`RunOutcome`.
    """

    def __init__(
        self,
        mirror_path: Path,
        environment: PortableEnvironment,
        run_id: str,
        *,
        subscribers: Sequence[Subscriber] = (),
        on_end: Callable[[RunOutcome], None] | None = None,
        clock: Clock | None = None,
        host: RunHost | None = None,
    ) -> None:
        path = str(Path(mirror_path).absolute())  # the child may not share a relative base
        self.job = Job(path, environment, run_id, secrets_registry.registered())
        self.run_id = run_id
        self.subscribers = tuple(subscribers)
        self.on_end = on_end
        self.clock = clock if isinstance(clock, VirtualClock) else None
        self.host = host
        self.outcome: RunOutcome | None = None
        self.thread = threading.Thread(target=self._read, name=f"run {run_id} (process)")
        self.thread.daemon = True
        self._lock = threading.Lock()
        self._started = False
        self._cancel_requested = False
        self._done = threading.Event()

    def start(self) -> None:
        """Hand the job to the host (spawned now if none was given); returns at once. Raises
        ``OSError`` if no child can be started."""
        host = self.host if self.host is not None else RunHost.spawn()
        self.host = host
        with self._lock:
            host.jobs.send(self.job)
            self._started = True
            if self._cancel_requested:
                self._send_cancel()
        self.thread.start()

    def cancel(self) -> None:
        """Ask the run to stop (thread-safe, idempotent): its streams end cancelled, what was
        stored is kept, ``on_end`` follows."""
        with self._lock:
            self._cancel_requested = True
            if self._started:
                self._send_cancel()

    def _send_cancel(self) -> None:
        assert self.host is not None
        with contextlib.suppress(OSError):  # the child is gone: its end is on its way
            self.host.jobs.send("cancel")

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def join(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    # -- the reader thread -------------------------------------------------------------------

    def _read(self) -> None:
        assert self.host is not None
        host = self.host
        outcome: RunOutcome | None = None
        try:
            while outcome is None:
                message = host.events.recv()
                outcome = self._take(message)
        except (EOFError, OSError):
            pass
        except Exception:  # a message this side cannot read: a bug, the run is stopped
            log.exception("run %s: a message from its process could not be read", self.run_id)
            self.cancel()
        if outcome is None:  # the child died: reap it for its exit status
            host.close(timeout=30.0)
            code = host.process.returncode
            how = f"was killed by signal {-code}" if code is not None and code < 0 else "stopped"
            log.warning("run %s: its process %s (exit status %s)", self.run_id, how, code)
            outcome = RunOutcome(
                self.run_id,
                "running",  # nobody runs it now: the app shows it interrupted (or cancelled)
                f"the run's process {how} unexpectedly; what it stored is kept",
                cancelled=self._cancel_requested,
            )
        self.outcome = outcome
        self._done.set()  # the child closed the mirror before it said "end"
        if self.on_end is not None:
            try:
                self.on_end(outcome)
            except Exception:
                log.exception("run %s: reporting its end failed", self.run_id)
        host.close(timeout=30.0)  # its interpreter winds down meanwhile (idempotent)

    def _take(self, message: Any) -> RunOutcome | None:
        kind = message[0]
        if kind == "events":
            _, events, now = message
            if self.clock is not None:
                self.clock.catch_up(now)
            for event in events:
                for subscriber in self.subscribers:
                    subscriber(event)
        elif kind == "log":
            record: logging.LogRecord = message[1]
            logging.getLogger(record.name).handle(record)
        elif kind == "end":
            outcome: RunOutcome = message[1]
            return outcome
        return None


# -- in the child ------------------------------------------------------------------------------


class _Outbox:
    """The child's side of the events pipe: progress batched, everything sent under one lock
    (the run's loop and the log handler may send from different threads)."""

    def __init__(self, events: Connection, clock: Clock) -> None:
        self.events = events
        self.clock = clock
        self.pending: list[ev.ProgressEvent] = []
        self.lock = threading.Lock()
        self.broken = False

    def __call__(self, event: ev.ProgressEvent) -> None:  # the engine's subscriber
        with self.lock:
            self.pending.append(event)
            if isinstance(event, ev.MirrorWait):  # at once: the run's loop may be the one
                self._flush_pending()  # stuck waiting for the lock

    def send(self, message: Any) -> None:
        with self.lock:
            self._send(message)

    def _send(self, message: Any) -> None:
        if self.broken:
            return
        try:
            self.events.send(message)
        except OSError:  # the app is gone; the watcher cancels the run
            self.broken = True

    def flush(self) -> None:
        with self.lock:
            self._flush_pending()

    def _flush_pending(self) -> None:
        """Send what is pending as one batch, with the clock (the caller holds the lock)."""
        if self.pending:
            batch, self.pending = self.pending, []
            self._send(("events", batch, self.clock.now()))

    async def flush_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.flush()


def _warm() -> None:
    """Import what a run uses, ahead of its job: the engine, the HTTP layer, every connector
    and the simulator."""
    from ..connectors import PROVIDERS
    from ..simulator import Simulator  # noqa: F401
    from . import run  # noqa: F401

    for name in PROVIDERS:
        PROVIDERS[name]  # importing a connector registers it


def child_main() -> None:
    """The child's entry: ``python -c <_CHILD> <jobs fd> <events fd>``; runs one job, if any."""
    jobs = Connection(int(sys.argv[1]), writable=False)
    events = Connection(int(sys.argv[2]), readable=False)
    # The run yields a core to the app (same session, same scheduler group): UI first.
    with contextlib.suppress(OSError):
        os.nice(RUN_NICENESS)
    try:
        _warm()
        job = jobs.recv()
    except (EOFError, OSError):  # the app closed before giving a job: nothing to do
        return
    if not isinstance(job, Job):
        return
    for value in job.secrets:
        secrets_registry.register(value)
    environment = job.environment.build()
    outbox = _Outbox(events, environment.clock)
    root = logging.getLogger("backfill_tui")
    root.handlers[:] = [PipeLogHandler(outbox.send)]
    root.setLevel(logging.INFO)
    root.propagate = False
    outcome = asyncio.run(_child_run(job, environment, jobs, outbox))
    outbox.flush()
    outbox.send(("end", outcome))
    events.close()


async def _child_run(job: Job, environment: Any, jobs: Connection, outbox: _Outbox) -> RunOutcome:
    from ..store import Mirror

    loop = asyncio.get_running_loop()
    ended = threading.Event()  # set before "end" is sent: the app closes the pipe after it

    def watch() -> None:  # "cancel", or the app gone (its end of the pipe closed)
        try:
            while jobs.recv() != "cancel":
                pass
        except (EOFError, OSError):  # nobody asked: the run is interrupted (module docstring)
            if not ended.is_set():  # (its exit status stays 0 when the pipe closed after)
                os._exit(APP_GONE)  # a page being committed is rolled back, as by a kill
            return
        with contextlib.suppress(RuntimeError):  # the loop closed: the run ended already
            loop.call_soon_threadsafe(inner.cancel)

    path = Path(job.mirror_path)
    inner = asyncio.ensure_future(
        drive_run(
            lambda: Mirror.attach(path),
            environment,
            job.run_id,
            [outbox],
            readers=(os.getppid(),),  # the app, which opens the mirror to read
        )
    )
    threading.Thread(target=watch, name="cancel watcher", daemon=True).start()
    flusher = asyncio.ensure_future(outbox.flush_every(BATCH_SECONDS))
    try:
        return await inner
    except asyncio.CancelledError:  # cancelled before its first step: it never began
        return RunOutcome(job.run_id, "running", cancelled=True)
    finally:
        flusher.cancel()
        ended.set()
