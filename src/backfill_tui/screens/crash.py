"""The terminal app's end on a bug: no 400-line traceback on the terminal.

Textual's default for an unhandled exception is to print a Rich traceback with locals when the
app exits. :class:`OneLineCrash` keeps Textual's handling (the app exits, ``run_test`` re-raises
the error for the test that met it) but renders nothing; the face (``cli/app.py``) reads
:attr:`OneLineCrash.crash` after ``run()`` and ends as every command does on a bug: the
traceback in the log file, one line pointing at it, exit status 70 (``cli/logfile.py``).
"""

from __future__ import annotations

from textual.app import App

__all__ = ["OneLineCrash"]


class OneLineCrash(App[None]):
    """An app whose unhandled exception is kept for the face to report, not printed."""

    @property
    def crash(self) -> BaseException | None:
        """The unhandled exception that ended the app (a bug), or ``None``."""
        return self._exception

    def _fatal_error(self) -> None:
        """Exit without rendering the traceback (Textual's would print it on exit)."""
        self.bell()
        self._close_messages_no_wait()
