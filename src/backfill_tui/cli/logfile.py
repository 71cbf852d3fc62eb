"""The log file, and how a face ends on a bug: the traceback there, one line for the user.

:func:`setup_logging` points the ``backfill_tui`` loggers at ``terms.log_path()`` (mode 0600,
tokens redacted). :func:`report_crash` is what both faces do with an exception that is not a
``BackfillError`` (a bug): log it with its traceback, print one line naming the log, and return
``errors.EXIT_INTERNAL`` (70). ``cli.main`` calls it for a command, ``cli/app.py`` for the app.
Where the log cannot be written (its folder is a file, a read-only or full disk), the
traceback goes to stderr instead, and the line says where the log was tried and why it
failed: it was lost, while the line said "the details are in" a log that did not exist (a
fresh tester's finding, ``XDG_STATE_HOME`` pointing at a file).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from ..errors import EXIT_INTERNAL, crash_line
from ..secrets_registry import RedactingFilter, redact
from ..terms import APP, log_path
from ..textsafe import escaped

__all__ = ["PrivateLogHandler", "report_crash", "setup_logging"]


#: Why :func:`setup_logging` could not open the log file (None: it could, or was not asked).
_unlogged: str | None = None


class PrivateLogHandler(logging.FileHandler):
    """The log file, appended to, created (or narrowed to) mode 0600 like the mirror. A record
    it fails to write is noted in :attr:`failed` (for :func:`report_crash` to say), not printed
    as logging's own "--- Logging error ---" report with its traceback."""

    failed: BaseException | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed = sys.exc_info()[1]

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging() -> None:
    """Send the ``backfill_tui`` loggers to the log file (nowhere if it cannot be opened, or
    if the path holds a database or a recording: a log line is never appended to one)."""
    from ..engine.outputs import sniff

    global _unlogged
    path = log_path()
    _unlogged = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if sniff(path) is not None:  # never append log lines to a database or recording
            raise OSError("it holds a database or a recording, not log lines")
        handler: logging.Handler = PrivateLogHandler(path, encoding="utf-8")
    except OSError as exc:
        _unlogged = _why(exc)
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("backfill_tui")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def report_crash(exc: BaseException, where: str = "command") -> int:
    """A bug ended the ``where`` (``command``, ``terminal app``): its traceback goes to the log
    file, one line to stderr; returns :data:`~backfill_tui.errors.EXIT_INTERNAL`. When the log
    could not be written, the traceback (tokens redacted, control characters escaped) goes to
    stderr, then the line saying so: where the log was tried, and why it failed."""
    logger = logging.getLogger("backfill_tui")
    handler = next((h for h in logger.handlers if isinstance(h, PrivateLogHandler)), None)
    if handler is not None:
        handler.failed = None
    logger.error("internal error in the %s", where, exc_info=(type(exc), exc, exc.__traceback__))
    if handler is not None and handler.failed is None:
        sys.stderr.write(f"{APP}: {crash_line(exc, log_path())}\n")
        return EXIT_INTERNAL
    why = _unlogged or "it was not opened"
    if handler is not None and handler.failed is not None:
        why = _why(handler.failed)
    _write_traceback(exc)
    sys.stderr.write(
        f"{APP}: internal error ({type(exc).__name__}); this is a bug, its traceback is above: "
        f"it could not be written to the log {escaped(str(log_path()))} ({escaped(why)})\n"
    )
    return EXIT_INTERNAL


def _write_traceback(exc: BaseException) -> None:
    """``exc``'s traceback on stderr, as the log would have held it: tokens redacted
    (``secrets_registry.redact``, as the log's filter does), each line's control characters
    escaped (an exception's text may quote a provider's answer)."""
    import traceback

    text = redact("".join(traceback.format_exception(exc)))
    sys.stderr.write("".join(f"{escaped(line)}\n" for line in text.splitlines()))


def _why(exc: BaseException) -> str:
    """Why the log could not be written, in the OS's words (``Not a directory``)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
