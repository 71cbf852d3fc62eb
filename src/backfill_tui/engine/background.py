"""A run on its own thread: its own event loop, its own mirror connection, cancellable from any
thread. The terminal app starts a run here so that the simulator, the HTTP layer and every
SQLite commit stay off its event loop (issue 11 item 2); no Textual here.

::

    background = BackgroundRun(mirror, environment, run.id,
                               subscribers=[buffer], on_end=lambda outcome: ...)
    background.start()          # returns at once; the run goes on the thread "run <id>"
    background.cancel()         # from any thread: the run stops cleanly, its streams cancelled
    background.outcome          # RunOutcome once ``done``; on_end was called with it (on the
                                # run's thread, so a face posts it to its own loop)

Progress events reach ``subscribers`` on the run's thread: a subscriber must be thread-safe
(:class:`~backfill_tui.engine.live.EventBuffer` is). The environment (simulator, virtual clock)
may be made on another thread; the HTTP clients are made by the engine on the run's loop.
Cancel is ``loop.call_soon_threadsafe(task.cancel)``: the engine's plain ``gather`` unwinds,
marks the unfinished streams cancelled and records the run's end, as a Ctrl-C does headless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import BackfillError, RecordingNotKept
from ..secrets_registry import redact
from ..terms import suggest
from . import progress as ev
from .environment import Environment

if TYPE_CHECKING:
    from ..store import Mirror
    from .run import Engine
    from .unrecorded import Unrecorded

__all__ = ["BackgroundRun", "RunHandle", "RunOutcome", "drive_run"]

log = logging.getLogger("backfill_tui.engine.background")

Subscriber = Callable[[ev.ProgressEvent], None]


@dataclass(frozen=True)
class RunOutcome:
    """How a background run ended.

    ``status``: the run's status as the mirror holds it at the end (``completed``, ``partial``,
    ``failed``, ``cancelled``; ``running`` only if its end could not be recorded). ``error``: one
    line for the user when the run stopped on an error (a :class:`BackfillError`'s text, token
    redacted), else None. ``internal``: the error was a bug (its traceback is in the log).
    ``kept``: the line saying the run's recording was sealed beside its path, a file having
    appeared there meanwhile (``recording.RecordingKeptAside``); the run itself ended as
    ``status`` says. ``not_kept``: the line saying the run's recording was not kept, a write
    of it refused (a full disk: ``errors.RecordingNotKept``, its file removed); the run then
    stopped interrupted, unless it came as the recording was sealed.
    """

    run_id: str
    status: str
    error: str | None = None
    internal: bool = False
    cancelled: bool = False
    kept: str | None = None
    not_kept: str | None = None
    #: Calls and waits the mirror refused to take (a lock), for the face to add when it resumes
    #: the run (``engine/unrecorded.py``); None when every count is stored.
    unrecorded: Unrecorded | None = None


class RunHandle(Protocol):
    """A run going on elsewhere, as a face holds it: :class:`BackgroundRun` (a thread) or
    ``engine.process.ProcessRun`` (a child process)."""

    run_id: str
    outcome: RunOutcome | None

    def start(self) -> None: ...
    def cancel(self) -> None: ...
    def join(self, timeout: float | None = None) -> bool: ...
    @property
    def cancel_requested(self) -> bool: ...
    @property
    def done(self) -> bool: ...


class BackgroundRun:
    """One run (or resume) of ``run_id`` in ``mirror`` on a thread of its own, through a
    connection of its own (``Mirror.another_connection``, made on that thread).

    ``recording``: a context manager entered on the run's thread around the run (the app's
    ``Recorder.recording(environment, run)``), or None. ``on_end``: called once, on the run's
    thread, with the :class:`RunOutcome` after the mirror connection is closed.
    """

    def __init__(
        self,
        mirror: Mirror,
        environment: Environment,
        run_id: str,
        *,
        subscribers: Sequence[Subscriber] = (),
        recording: AbstractContextManager[Any] | None = None,
        on_end: Callable[[RunOutcome], None] | None = None,
    ) -> None:
        self.mirror = mirror
        self.environment = environment
        self.run_id = run_id
        self.subscribers = tuple(subscribers)
        self.recording = recording
        self.on_end = on_end
        self.outcome: RunOutcome | None = None
        self.thread = threading.Thread(target=self._main, name=f"run {run_id}", daemon=True)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[RunOutcome] | None = None
        self._cancel_requested = False
        self._done = threading.Event()

    # -- from any thread ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the run's thread; returns at once."""
        self.thread.start()

    def cancel(self) -> None:
        """Ask the run to stop (thread-safe, idempotent). Streams in flight are marked cancelled
        and what was stored is kept; ``on_end`` follows. A run not yet begun still begins, and
        stops at its first wait, so its end is recorded like any other."""
        with self._lock:
            self._cancel_requested = True
            loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed: the run has ended already
                loop.call_soon_threadsafe(task.cancel)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel_requested

    @property
    def done(self) -> bool:
        """Whether the run has ended and its outcome is known."""
        return self._done.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the run to end (at most ``timeout`` seconds); whether it has."""
        return self._done.wait(timeout)

    # -- on the run's thread -----------------------------------------------------------------------

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        outcome = RunOutcome(self.run_id, "failed", "the run did not start", internal=True)
        try:
            task = loop.create_task(self._drive())
            with self._lock:
                self._loop, self._task = loop, task
                if self._cancel_requested:  # after the first step: the engine records the end
                    loop.call_soon(task.cancel)
            outcome = loop.run_until_complete(task)
        except BaseException:  # the end must be reported whatever happened
            log.exception("run %s: its thread stopped unexpectedly", self.run_id)
        finally:
            with self._lock:
                self._loop, self._task = None, None
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()
            self.outcome = outcome
            self._done.set()
            if self.on_end is not None:
                try:
                    self.on_end(outcome)
                except Exception:
                    log.exception("run %s: reporting its end failed", self.run_id)

    async def _drive(self) -> RunOutcome:
        return await drive_run(
            self.mirror.another_connection,  # this thread's own (WAL)
            self.environment,
            self.run_id,
            self.subscribers,
            self.recording,
        )


async def drive_run(
    connect: Callable[[], Mirror],
    environment: Environment,
    run_id: str,
    subscribers: Sequence[Subscriber] = (),
    recording: AbstractContextManager[Any] | None = None,
    readers: Sequence[int] = (),
) -> RunOutcome:
    """Run (or resume) ``run_id`` to its end on the running loop, through the mirror connection
    ``connect()`` makes here, and say how it ended; never raises but for the loop's own stop.

    Shared by :class:`BackgroundRun` (a thread) and ``engine.process`` (a child process).
    Cancelling the awaiting task ends the run as a Ctrl-C does (streams marked cancelled); a
    :class:`BackfillError` ends it with its one line (token redacted); any other exception is a
    bug, logged with its traceback, and reported as ``internal``. The returned status is the one
    the mirror holds at the end. ``readers``: pids that hold the mirror open only to read.
    """
    from ..store.failures import add_readers
    from .run import Engine

    status, error, internal, cancelled, kept = "failed", None, False, False, None
    not_kept: str | None = None
    mirror: Mirror | None = None
    engine: Engine | None = None
    try:
        mirror = connect()
        engine = Engine(mirror, environment)
        add_readers(readers)  # never named as holding its write lock
        for subscriber in subscribers:
            engine.subscribe(subscriber)
        with recording if recording is not None else nullcontext():
            status = await engine.run(run_id)
    except asyncio.CancelledError:
        status, cancelled = "cancelled", True
    except BackfillError as exc:
        error = redact(str(exc))
        if recording is not None and mirror is not None:
            from .recording import RecordingKeptAside

            if isinstance(exc, RecordingKeptAside):  # the run ended; a file took its path
                error, kept = None, str(exc)
                cancelled = isinstance(exc.__cause__, asyncio.CancelledError)
                _recorded_to(mirror, run_id, exc.kept)
        if isinstance(exc, RecordingNotKept):  # its file removed; the mirror kept what it had
            error = None
            # stopped by it, the run goes on by resume (the app's words: wording.in_app)
            then = f"`{suggest(f'resume {run_id}')}`"
            not_kept = redact(exc.said(then) if exc.ended is None else str(exc))
            log.warning("run %s: %s", run_id, not_kept)
        if error is not None:
            log.warning("run %s stopped: %s", run_id, error)
    except Exception as exc:  # a bug: one line for the user, the traceback to the log
        log.exception("run %s stopped by an internal error", run_id)
        error, internal = f"internal error ({type(exc).__name__}); details in the log", True
    finally:
        if mirror is not None:
            try:
                record = mirror.get_run(run_id)
                if record is not None:
                    status = record.status
            except BackfillError as exc:
                log.warning("run %s: could not read its end: %s", run_id, exc)
            finally:
                mirror.close()
    unrecorded = engine.unrecorded if engine is not None and engine.unrecorded else None
    return RunOutcome(run_id, status, error, internal, cancelled, kept, not_kept, unrecorded)


def _recorded_to(mirror: Mirror, run_id: str, path: Path) -> None:
    """Store where the run's recording went (its record names the path it was asked for)."""
    try:
        mirror.set_run_recorded_to(run_id, str(path.resolve()))
    except (BackfillError, OSError) as exc:
        log.warning("run %s: could not store where its recording went: %s", run_id, exc)
