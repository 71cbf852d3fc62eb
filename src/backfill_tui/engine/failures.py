"""Why an operation failed, in the user's words, for a face's last line of defence.

:func:`explain` turns a SQLite or OS refusal that reached the top of a command into the error
the user can mend (``store/failures.py`` and ``errors.storage_error`` hold the tables), so a
face never imports ``sqlite3`` or the store to tell a full disk from a bug.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BackfillError
from ..store.failures import explain as _explain

__all__ = ["explain"]


def explain(exc: BaseException, mirror_path: Path) -> BackfillError | None:
    """The :class:`BackfillError` (one line, its exit status) for ``exc`` when it is a SQLite
    error on the mirror at ``mirror_path`` or an ``OSError`` the user can mend; ``None`` when
    it is neither: a bug, for the face to report as one."""
    return _explain(exc, mirror_path)
