"""The log of a run in a child process (``engine.process``): each record the child's run logs
is sent to the app, which writes it, so the app's log file stays the only one."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from .. import secrets_registry

__all__ = ["PipeLogHandler"]


class PipeLogHandler(logging.Handler):
    """The child's log records, sent to the app to write (message formatted, tokens masked)."""

    def __init__(self, send: Callable[[Any], None]) -> None:
        super().__init__(logging.INFO)
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = secrets_registry.redact(record.getMessage())
            if record.exc_info:
                text = logging.Formatter().formatException(record.exc_info)
                message = f"{message}\n{secrets_registry.redact(text)}"
            plain = logging.makeLogRecord(
                {
                    "name": record.name,
                    "levelno": record.levelno,
                    "levelname": record.levelname,
                    "msg": message,
                    "created": record.created,
                    "msecs": record.msecs,
                    "process": record.process,
                    "threadName": record.threadName,
                }
            )
            self.send(("log", plain))
        except Exception:  # the pipe is gone: nobody to tell
            self.handleError(record)
