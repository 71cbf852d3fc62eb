"""The log file, and how a face ends on a bug: the traceback there, one line for the user.

:func:`setup_logging` points the ``backfill_tui`` loggers at ``terms.log_path()`` (mode 0600,
tokens redacted). :func:`report_crash` is what both faces do with an exception that is not a
``BackfillError`` (a bug): log it with its traceback, print one line naming the log, and return
``errors.EXIT_INTERNAL`` (70). ``cli.main`` calls it for a command, ``cli/app.py`` for the app.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from ..errors import EXIT_INTERNAL, crash_line
from ..secrets_registry import RedactingFilter
from ..terms import APP, log_path

__all__ = ["PrivateLogHandler", "report_crash", "setup_logging"]


class PrivateLogHandler(logging.FileHandler):
    """The log file, appended to, created (or narrowed to) mode 0600 like the mirror."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging() -> None:
    """Send the ``backfill_tui`` loggers to the log file (nowhere if it cannot be opened, or
    if the path holds a database or a recording: a log line is never appended to one)."""
    from ..engine.outputs import sniff

    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if sniff(path) is not None:  # never append log lines to a database or recording
            raise OSError(f"{path} is not a log file")
        handler: logging.Handler = PrivateLogHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("backfill_tui")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def report_crash(exc: BaseException, where: str = "command") -> int:
    """A bug ended the ``where`` (``command``, ``terminal app``): its traceback goes to the log
    file, one line to stderr; returns :data:`~backfill_tui.errors.EXIT_INTERNAL`."""
    logging.getLogger("backfill_tui").error(
        "internal error in the %s", where, exc_info=(type(exc), exc, exc.__traceback__)
    )
    sys.stderr.write(f"{APP}: {crash_line(exc, log_path())}\n")
    return EXIT_INTERNAL
