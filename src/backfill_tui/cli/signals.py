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
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # asyncio loads with a run, not with every command (~40 ms)
    import asyncio

__all__ = ["EXIT_FORCED", "STOP_SIGNALS", "Stop", "cancel_on_signals", "stop_on_signals"]

#: The exit status of a third stop signal: 128 + SIGINT, as a shell reports a Ctrl-C.
EXIT_FORCED = 130

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

    def note(self, signum: int) -> bool:
        """Note ``signum``; True for the first stop signal (the one to act on). The second
        says on stderr that the command is already stopping; the third exits at once with
        :data:`EXIT_FORCED`. Once :attr:`settled`, nothing happens."""
        if self.settled:
            return False
        self.count += 1
        if self.signal_name is None:
            self.signal_name = signal.Signals(signum).name
        if self.count == 2:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(
                    "backfill-tui: already stopping; what is stored is kept "
                    "(press Ctrl-C again to quit at once)\n"
                )
                sys.stderr.flush()
        elif self.count > 2:
            os._exit(EXIT_FORCED)
        return self.count == 1


@contextlib.contextmanager
def stop_on_signals() -> Iterator[Stop]:
    """For the block, SIGTERM and SIGINT both raise :class:`KeyboardInterrupt` (noted in the
    yielded :class:`Stop`); the previous handlers are restored after it. Outside the main thread
    (where handlers cannot be set) it changes nothing. Nested in another such block, it yields
    the outer block's :class:`Stop`: one count of signals for the whole command."""
    global _current
    if threading.current_thread() is not threading.main_thread():
        yield Stop()
        return
    if _current is not None:
        yield _current
        return
    stop = _current = Stop()

    def interrupt(signum: int, frame: FrameType | None) -> None:
        if stop.note(signum):
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


@contextlib.contextmanager
def cancel_on_signals(stop: Stop, task: asyncio.Task[Any] | None = None) -> Iterator[None]:
    """Inside a running event loop: a stop signal cancels ``task`` (default: the current task)
    instead of raising into whatever code the loop was running. Restores the Python-level
    handlers (``stop_on_signals``'s) when the block ends. Does nothing where the loop cannot
    take signal handlers (a worker thread, Windows)."""
    import asyncio

    loop = asyncio.get_running_loop()
    target = task or asyncio.current_task()

    def cancel(signum: int) -> None:
        if stop.note(signum) and target is not None:
            target.cancel()

    installed: dict[int, Any] = {}
    for sig in STOP_SIGNALS:
        previous = signal.getsignal(sig)
        try:
            loop.add_signal_handler(sig, cancel, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed[sig] = previous
    try:
        yield
    finally:
        for signum, previous in installed.items():
            loop.remove_signal_handler(signum)
            signal.signal(signum, previous)
