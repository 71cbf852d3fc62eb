"""SIGTERM is handled like SIGINT (Ctrl-C) wherever a long operation runs.

``kill PID``, a container stop or a CI timeout sends SIGTERM; without a handler Python dies at
once with status 143 and no message. The headless commands (``run``, ``resume``, ``replay``,
``export ... --apply``) run inside :func:`stop_on_signals` (``cli.main`` enters it for every
command but the terminal app), so both signals do the same thing:

- in synchronous code (an export's batches) the signal raises :class:`KeyboardInterrupt` where
  the code already expects Ctrl-C, and the command says what was kept and exits 1;
- around an asyncio run, :func:`cancel_on_signals` cancels the run's task instead, so the engine
  marks its unfinished streams cancelled (everything stored stays stored, checkpoints included)
  and the command prints its summary, the message, and exits 1 (interfaces.md §4: "the run
  ended but a stream failed or was cancelled").

:attr:`Stop.signal_name` says which signal arrived, for the message.

A second stop signal while the first is being handled does not cut the clean stop short (the
summary and the ``resume`` line still come): it says the command is already stopping and how to
quit at once. A third quits at once with 130 (128 + SIGINT, as a shell reports Ctrl-C), which
is safe: every page is committed with its checkpoint in one transaction, so a stop between two
commits loses nothing stored (the same reason ``kill -9`` is safe: tests/e2e/test_resume.py).
It says so in one line, with what to do next (:attr:`Stop.then`: a run's ``resume`` command):
it quit silently, the summary and the resume line it skips unsaid (a tester's finding).
The signals are counted on a thread that reads them from :func:`signal.set_wakeup_fd`'s pipe,
so the second and third work even while the main thread is blocked in C (a write waiting up to
SQLite's busy timeout for another process's lock); the first then also says what the stop
waits for (``cancel_on_signals(waiting=...)``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..errors import EXIT_INTERRUPTED

if TYPE_CHECKING:  # asyncio loads with a run, not with every command (~40 ms)
    import asyncio

__all__ = [
    "EXIT_FORCED",
    "STOP_SIGNALS",
    "Stop",
    "begun",
    "cancel_on_signals",
    "on_quit",
    "on_quit_abandon",
    "stop_asked",
    "stop_on_signals",
    "stopped_by",
]

#: The exit status of a third stop signal: 128 + SIGINT, as a shell reports a Ctrl-C.
EXIT_FORCED = EXIT_INTERRUPTED

#: The Stop of the :func:`stop_on_signals` block the main thread is in, if any.
_current: Stop | None = None

#: The signals that ask a long operation to stop cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Stop:
    """Which stop signal arrived during the block, if any (``"SIGTERM"``, ``"SIGINT"``)."""

    signal_name: str | None = None
    #: How many stop signals arrived.
    count: int = 0
    #: The command has said its last line: a stop signal now changes nothing (the process is
    #: about to exit with the status it printed), so it is ignored.
    settled: bool = False
    #: What the first stop signal does instead of raising :class:`KeyboardInterrupt` (set by
    #: :func:`cancel_on_signals`: cancel the run's task from any thread).
    cancel: Callable[[], None] | None = None
    #: Why a stop may take a while, asked at the first stop signal: a line to say at once (the
    #: mirror is locked by another process), or ``None`` when the stop should be quick.
    waiting: Callable[[], str | None] | None = None
    #: What to do after a quit at once, said with it (``to continue it: backfill-tui resume
    #: ID``): the command's own last line, which a quit at once skips.
    then: str | None = None
    #: Called just before a quit at once says its line (the headless display erases its live
    #: table and shows the cursor: left as it was, the table stood after the quit line, the
    #: process gone, a tester's finding).
    before_quit: Callable[[], None] | None = None
    #: What a quit at once would leave half-done, undone and said (called just before its
    #: line: a recording's unfinished file removed, "the recording … was removed"), or None.
    #: A third Ctrl-C during ``run --record`` left the hidden ``.part`` and did not say the
    #: recording was lost (a fresh tester's finding).
    abandon: Callable[[], str | None] | None = None
    #: What a quit at once leaves unrecorded that nothing can undo, said with it, or None:
    #: a run waiting for another process's lock quits without its time since its last stored
    #: page (the mirror refuses its end), which ``runs`` then shows short (a fresh tester's
    #: finding: ``interrupted 00:01`` after 8 s of running).
    unrecorded: Callable[[], str | None] | None = None
    #: The command has begun changing something (a run planned in the mirror, or driven): a
    #: Ctrl-C outside the run's own handling then says "cancelled", status 1; before it, the
    #: command had read and written nothing, and says so as a Ctrl-C while starting does
    #: (``cli._main``; set by :func:`begun`).
    begun: bool = False
    #: The first stop signal has been acted on: the run's task cancelled (:attr:`cancel`) or
    #: :class:`KeyboardInterrupt` raised in the main thread.
    acted: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, signum: int) -> bool:
        """Note ``signum``; True for the first stop signal (the one to act on: it calls
        :attr:`cancel` and says :attr:`waiting`'s line, if any). The second says on stderr
        that the command is already stopping; the third exits at once with
        :data:`EXIT_FORCED`. Once :attr:`settled`, the first says it came after the end and
        changes nothing (a SIGTERM then left no trace: a fresh tester's finding, a supervisor
        could not tell its stop was seen). Called on the thread that
        watches the signals (:func:`stop_on_signals`), so it works while the main thread is
        blocked (in SQLite's wait for another process's lock, say)."""
        with self._lock:
            if self.settled:
                late = not self.count
                self.count += 1
                if late:
                    name = signal.Signals(signum).name
                    _say(f"note: {name} arrived after the run ended; it stopped nothing\n")
                return False
            self.count += 1
            count = self.count
            if self.signal_name is None:
                self.signal_name = signal.Signals(signum).name
        if count == 1:
            if self.cancel is not None:
                self.acted = True
                self.cancel()
            line = self.waiting() if self.waiting is not None else None
            if line:
                _say(f"backfill-tui: {line} (press Ctrl-C twice more to quit at once)\n")
        elif count == 2:
            _say(
                "backfill-tui: already stopping; what is stored is kept "
                "(press Ctrl-C again to quit at once)\n"
            )
        else:
            then = f"; {self.then}" if self.then else ""
            lost = None
            with contextlib.suppress(Exception):  # the quit must happen whatever these do
                if self.before_quit is not None:
                    self.before_quit()
                lost = self.abandon() if self.abandon is not None else None
                unrecorded = self.unrecorded() if self.unrecorded is not None else None
                lost = "; ".join(x for x in (lost, unrecorded) if x)
            lost = f"; {lost}" if lost else ""
            _say(
                f"backfill-tui: quitting now (exit {EXIT_FORCED}); what was committed is kept"
                f"{lost}{then}\n"
            )
            os._exit(EXIT_FORCED)
        return count == 1


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(line)
        sys.stderr.flush()


class _SignalWatch:
    """A thread that reads the stop signals from :func:`signal.set_wakeup_fd`'s pipe and notes
    each at once (:meth:`Stop.note`). Python runs a signal's handler only when the main thread
    runs Python code; a main thread blocked in C (SQLite waiting up to its busy timeout for
    another process's write lock) ran neither the handler nor the event loop's, so the third
    Ctrl-C waited for the lock (a tester's finding). The C-level handler writes the signal's
    number to the pipe whatever the main thread does."""

    def __init__(self, stop: Stop) -> None:
        self.stop = stop
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)  # set_wakeup_fd's rule: it must never block
        try:
            self._previous = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        except (OSError, ValueError):
            os.close(self._read)
            os.close(self._write)
            raise
        self._thread = threading.Thread(target=self._watch, name="stop-signals", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while True:
            try:
                data = os.read(self._read, 64)
            except OSError:
                return
            if not data:  # closed: the block ended
                return
            for signum in data:
                if signum in STOP_SIGNALS:
                    self.stop.note(signum)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            signal.set_wakeup_fd(self._previous)
        os.close(self._write)  # the thread reads the end of the pipe and ends
        self._thread.join()
        os.close(self._read)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """For the block, SIGTERM and SIGINT both raise :class:`KeyboardInterrupt` (noted in the
    yielded :class:`Stop`); the previous handlers are restored after it. Outside the main thread
    (where handlers cannot be set) it changes nothing. Nested in another such block, it yields
    the outer block's :class:`Stop`: one count of signals for the whole command.

    The signals are counted on a thread of their own (:class:`_SignalWatch`), so the second
    and third are said and obeyed even while the main thread is blocked; the handler in the
    main thread only raises the first one's :class:`KeyboardInterrupt`."""
    global _current
    if threading.current_thread() is not threading.main_thread():
        yield Stop()
        return
    if _current is not None:
        yield _current
        return
    stop = _current = Stop()
    try:
        watch: _SignalWatch | None = _SignalWatch(stop)
    except (OSError, ValueError):  # no wakeup pipe here: the handler counts, as it can
        watch = None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if watch is None:
            if stop.note(signum) and stop.cancel is None:
                stop.acted = True
                raise KeyboardInterrupt
        elif not (stop.settled or stop.acted or stop.cancel is not None):
            # the watch counts; only the first signal's interruption is raised here
            stop.acted = True
            stop.signal_name = stop.signal_name or signal.Signals(signum).name
            raise KeyboardInterrupt

    saved: dict[int, Any] = {}
    for sig in STOP_SIGNALS:
        saved[sig] = signal.signal(sig, interrupt)
    try:
        yield stop
    finally:
        _current = None
        for signum, handler in saved.items():
            signal.signal(signum, handler)
        if watch is not None:
            watch.close()


def begun(then: str | None = None) -> None:
    """Note that the command has begun changing something (:attr:`Stop.begun` of the block the
    command runs in, if any): a run planned or started. ``then``: what to do to go on (``to
    continue it: backfill-tui resume ID``), said by a stop that lands before the run's own
    handling does (``cli._main``)."""
    if _current is not None:
        _current.begun = True
        if then is not None:
            _current.then = then


def stopped_by() -> str:
    """`` (SIGTERM)`` or `` (SIGINT)``: the stop signal that arrived in the block the command
    runs in, for its "cancelled" line as a run's says it (``cancelled (SIGTERM): …``); empty
    when none did. An export's and a trigger's said only "cancelled", whatever stopped them."""
    name = _current.signal_name if _current is not None else None
    return f" ({name})" if name else ""


def stop_asked() -> bool:
    """True when a stop signal (Ctrl-C, SIGTERM) arrived in the block the command runs in: the
    user stopped it, so what it left undone is expected, not a fault to point out."""
    return _current is not None and _current.count > 0


def on_quit_abandon(abandon: Callable[[], str | None] | None) -> None:
    """Have a quit at once call ``abandon`` first and say what it returns
    (:attr:`Stop.abandon` of the block the command runs in, if any); None: nothing to undo."""
    if _current is not None:
        _current.abandon = abandon


def on_quit(then: str) -> None:
    """Say ``then`` (what to do next) if a third stop signal quits the command at once
    (:attr:`Stop.then` of the block the command runs in, if any)."""
    if _current is not None:
        _current.then = then


@contextlib.contextmanager
def cancel_on_signals(
    stop: Stop,
    task: asyncio.Task[Any] | None = None,
    *,
    waiting: Callable[[], str | None] | None = None,
) -> Iterator[None]:
    """Inside a running event loop: the first stop signal cancels ``task`` (default: the
    current task) through the loop, from the thread that watches the signals, instead of
    raising into whatever code the loop was running. ``waiting`` says at the first signal why
    the stop may take a while (:attr:`Stop.waiting`). Both are unset when the block ends."""
    import asyncio

    loop = asyncio.get_running_loop()
    target = task or asyncio.current_task()

    def cancel() -> None:
        if target is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to cancel
                loop.call_soon_threadsafe(target.cancel)

    stop.cancel, stop.waiting = cancel, waiting
    try:
        yield
    finally:
        stop.cancel = stop.waiting = None
