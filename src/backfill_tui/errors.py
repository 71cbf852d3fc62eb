"""Errors a user can cause or meet, each carrying one clear line for them.

    BackfillError               anything we explain to the user (exit status 2 when it is bad input)
    ├── UsageError              bad arguments or source specs
    ├── CredentialsMissing      no token for a provider that needs one
    ├── MirrorError             the --db file is not ours, is corrupt, or is too new
    │   └── MirrorMissing       there is no mirror where one is read (reading never makes one)
    ├── StorageError            the machine refuses a read or write the user can mend (.path)
    │   ├── DiskFull            no space left (SQLITE_FULL, ENOSPC, EDQUOT)
    │   ├── FileLocked          another process holds the mirror's write lock (SQLITE_BUSY)
    │   ├── ReadOnly            the file, its folder or its file system is read-only
    │   ├── PermissionDenied    the file or a folder on its path may not be read or written
    │   └── BadPath             a part of the path is a file, or a folder is missing
    └── RunConflict             another process runs a backfill of the same workspace and source

:func:`storage_error` is the one table from an ``OSError`` to its line; the store maps SQLite's
result codes onto the same kinds (``store/failures.py``), so a disk that fills while writing a
report and one that fills while writing the mirror say the same thing.

The HTTP layer's errors (``backfill_tui.http.errors``) are stream failures, not bad input.
"""

from __future__ import annotations

import errno
from pathlib import Path


class BackfillError(Exception):
    """An error whose ``str()`` is one line meant for the user."""


class UsageError(BackfillError):
    pass


class CredentialsMissing(BackfillError):
    pass


class MirrorError(BackfillError):
    pass


class MirrorMissing(MirrorError):
    """No mirror at the path given (reading never creates one). ``path``: that path."""

    def __init__(self, path: Path, line: str, state: str = "does not exist") -> None:
        self.path = path
        self.state = state  # "does not exist" or "is an empty file"
        super().__init__(line)


class RunConflict(BackfillError):
    pass


class StorageError(BackfillError):
    """A read or write the machine refused, for a reason the user can mend.

    ``path`` is the file (or folder) concerned, when known; ``str()`` is the line to show.
    """

    #: What the line starts with: the condition in a word or two, as the user would say it.
    label = "cannot use the file"
    #: How to mend it (``{path}`` is filled in).
    mend = "check the path and try again"

    def __init__(self, path: str | Path | None, detail: str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.detail = detail
        super().__init__(self.line())

    def line(self) -> str:
        where = f": {self.path}" if self.path is not None else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.label}{where}{detail}; {self.mend.format(path=self.path)}"


class DiskFull(StorageError):
    label = "disk full"
    mend = "free some space and try again"


class FileLocked(StorageError):
    label = "the mirror is locked by another process"
    mend = "wait for it to finish or close it (a sqlite3 shell, another backfill-tui), then retry"


class ReadOnly(StorageError):
    label = "read-only"
    mend = "make it writable, or copy it to a writable place and give that path"


class PermissionDenied(StorageError):
    label = "permission denied"
    mend = "give yourself access to it (chmod/chown) or choose another path"


class BadPath(StorageError):
    label = "not a usable path"
    mend = "choose another path"


#: errno -> the kind of storage error it is (the one table; SQLite codes map onto these kinds).
OS_ERRNO_KINDS: dict[int, type[StorageError]] = {
    errno.ENOSPC: DiskFull,
    errno.EDQUOT: DiskFull,
    errno.EFBIG: DiskFull,
    errno.EROFS: ReadOnly,
    errno.EACCES: PermissionDenied,
    errno.EPERM: PermissionDenied,
    errno.ENOTDIR: BadPath,
    errno.ENOENT: BadPath,
    errno.EISDIR: BadPath,
    errno.ENAMETOOLONG: BadPath,
    errno.ELOOP: BadPath,
    errno.EEXIST: BadPath,
}

_BAD_PATH_DETAIL: dict[int, str] = {
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENOENT: "a folder on the path does not exist",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ELOOP: "too many symbolic links",
    errno.EEXIST: "a file is in the way of a folder",
}


def storage_error(exc: OSError, path: str | Path | None = None) -> StorageError | None:
    """The user's line for an ``OSError``, or ``None`` if it is not one a user can mend.

    ``path`` overrides the file named by the error (``exc.filename``), for when the caller
    knows better which of its files was meant.
    """
    kind = OS_ERRNO_KINDS.get(exc.errno or 0)
    if kind is None:
        return None
    where = path if path is not None else exc.filename
    if where is not None and not isinstance(where, str | Path):
        where = str(where)
    return kind(where, _BAD_PATH_DETAIL.get(exc.errno or 0) if kind is BadPath else None)
