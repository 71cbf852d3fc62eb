"""SQLite's refusals, as the user's own lines: the store's half of the one error table.

The mirror calls :func:`translate` wherever SQLite may refuse (opening, every transaction); the
CLI calls it for anything that slipped through. A result code maps onto the kinds of
``errors.py`` (disk full, locked, read-only, permission, bad path), so every face says the same
line for the same condition. :func:`lock_holders` names the processes that have the mirror
open, where the platform tells (Linux ``/proc``), for the "locked" line.

Result codes: https://www.sqlite.org/rescode.html (primary code = the low 8 bits).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import (
    BackfillError,
    BadPath,
    DiskFull,
    FileLocked,
    MirrorCorrupt,
    MirrorError,
    PermissionDenied,
    ReadOnly,
    ReadOnlyFilesystem,
    StorageError,
    storage_error,
)
from ..terms import suggest

SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 10, 11, 13, 14, 26

#: SQLite's primary result code -> the kind of storage error (see errors.OS_ERRNO_KINDS).
SQLITE_CODE_KINDS: dict[int, type[StorageError]] = {
    SQLITE_FULL: DiskFull,
    SQLITE_BUSY: FileLocked,
    SQLITE_LOCKED: FileLocked,
    SQLITE_READONLY: ReadOnly,
    SQLITE_PERM: PermissionDenied,
}


def translate(exc: sqlite3.Error, path: Path) -> BackfillError:
    """The user's line for a SQLite error on the mirror at ``path``.

    Unknown codes become a :class:`MirrorError` naming the file and SQLite's own words (never
    "internal error": a SQLite refusal is about the user's file or machine).
    """
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    kind = SQLITE_CODE_KINDS.get(code)
    if kind is FileLocked:
        return locked(path)
    if kind is not None:
        return kind(path)
    if code == SQLITE_CANTOPEN:
        return diagnose(path) or MirrorError(
            f"{path} could not be opened ({exc}); check the path and its folder"
        )
    if code == SQLITE_IOERR:
        return diagnose(path) or MirrorError(
            f"{path}: the disk failed a read or write ({exc}); check the disk and retry"
        )
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):  # a read met a damaged page: verify names all
        return MirrorCorrupt(
            f"{path} is corrupt ({exc}); `{suggest('verify', path)}` lists the damage; restore "
            "it from a copy or choose another file with --db",
            str(exc),
        )
    undecodable = _UNDECODABLE.match(str(exc))
    if undecodable:  # Python's sqlite3 met damaged text: say so, without echoing the bytes
        problem = f"a text value in column {undecodable.group(1)!r} is not valid UTF-8"
        return MirrorCorrupt(
            f"{path} is corrupt ({problem}); `{suggest('verify --full', path)}` lists the "
            "damage; restore it from a copy or choose another file with --db",
            problem,
        )
    return MirrorError(f"{path} could not be used as a mirror ({exc}); choose another --db")


@contextlib.contextmanager
def said_as_lines(path: Path) -> Iterator[None]:
    """A ``sqlite3.Error`` raised in the block leaves it as :func:`translate`'s error for the
    mirror at ``path``: for readers above the store (the terminal app's workers), where a
    damaged page said "internal error (DatabaseError)" in place of the CLI's line naming
    ``verify`` (a fresh tester's finding)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise translate(exc, path) from None


def mirror_refusal(exc: BaseException, path: Path) -> BackfillError | None:
    """:func:`translate`'s error for ``exc`` when it is SQLite saying the mirror at ``path``
    is damaged or cannot be used (a result code it names: corrupt, not a database, I/O, full,
    locked, read-only, permission, cannot open); None for anything else (a bug stays a bug).
    For a face's last resort: a damaged page met on the terminal app's own thread ended it as
    "internal error (DatabaseError)", exit 70 (a fresh tester's finding)."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    named = (SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR, SQLITE_CANTOPEN, *SQLITE_CODE_KINDS)
    return translate(exc, path) if code in named else None


#: Python's sqlite3 reading text that is not UTF-8 ("Could not decode to UTF-8 column 'x'
#: with text '…'"): a damaged page SQLite's own checks pass (its quick_check does not decode).
_UNDECODABLE = re.compile(r"Could not decode to UTF-8 column '([^']*)'")


def translate_os(exc: OSError, path: Path) -> BackfillError:
    """The user's line for an ``OSError`` met while opening or writing the mirror at ``path``
    (for a refused permission, the folder or file that refused it)."""
    if isinstance(exc, PermissionError):
        found = diagnose(path)
        if found is not None:
            return found
    return storage_error(exc, exc.filename or path) or MirrorError(
        f"{path} could not be used ({exc.strerror or exc}); check the path"
    )


def diagnose(path: Path) -> StorageError | None:
    """Why ``path`` (a mirror file to open or create) cannot be used, if the file system says.

    Checks, in order: a part of the path that is a file, a folder that may not be searched, a
    file that may not be read, a file or folder that may not be written.
    """
    for parent in reversed(path.parents):
        try:
            if parent.exists() and not parent.is_dir():
                return BadPath(path, f"{parent} is a file, not a folder")
        except PermissionError:
            return PermissionDenied(parent.parent, "this folder cannot be entered")
        if parent.is_dir() and not os.access(parent, os.X_OK):
            return PermissionDenied(parent, "this folder cannot be entered")
    nearest = next((p for p in (path, *path.parents) if p.exists()), None)
    if nearest is not None and _on_read_only_mount(nearest):  # EROFS: chmod cannot mend it
        return ReadOnlyFilesystem(nearest if nearest.is_dir() else nearest.parent)
    if path.exists():
        if not os.access(path, os.R_OK):
            return PermissionDenied(path)
        if not os.access(path, os.W_OK):
            return ReadOnly(path)
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return ReadOnly(path.parent, "the folder; SQLite keeps its journal beside the file")
    else:
        folder = next((p for p in path.parents if p.exists()), None)
        if folder is not None and not os.access(folder, os.W_OK | os.X_OK):
            return PermissionDenied(folder, "cannot create files in this folder")
    return None


def _on_read_only_mount(path: Path) -> bool:
    """Whether ``path`` lies on a filesystem mounted read-only (``statvfs``'s ``ST_RDONLY``)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): the errno says it, when met
        return False


#: Processes known to hold mirrors open only to read (the terminal app whose run goes in a child
#: process): never named as holding a write lock (:func:`add_readers`).
_READERS: set[int] = set()


def add_readers(pids: Iterable[int]) -> None:
    """Name ``pids`` as this process's known readers: :func:`lock_holders`, and so every
    "locked" line, leaves them out. The app's own pid was named beside the real holder in
    "Run stopped — the mirror is locked by another process (process 452, 464)" (a fresh
    tester's finding: 452 was the app)."""
    _READERS.update(pids)


def locked(path: Path) -> FileLocked:
    """The "locked" line, naming the other processes that hold the mirror open if known."""
    pids = lock_holders(path)
    detail = f"process {', '.join(map(str, pids))}" if pids else None
    return FileLocked(path, detail)


def lock_holders(path: Path) -> list[int]:
    """The processes holding the mirror's write lock, by pid: those with a POSIX lock on
    SQLite's WAL write-lock byte of its ``-shm`` (:func:`_wal_writers`), where Linux's
    ``/proc/locks`` shows one; else every other process with the mirror (or its ``-wal``) open,
    besides the known readers (:func:`add_readers`); empty where unknown (no ``/proc``). The
    open files alone named an idle app beside the real holder (a tester's finding)."""
    me = os.getpid()
    writers = [pid for pid in _wal_writers(path) if pid != me and pid not in _READERS]
    if writers:
        return writers
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    try:
        wanted = {str(path.resolve()), f"{path.resolve()}-wal"}
    except OSError:
        return []
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me or int(entry.name) in _READERS:
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    found.append(int(entry.name))
                    break
        except OSError:  # gone, or not ours to look at
            continue
    return sorted(found)


#: The byte of a WAL mirror's ``-shm`` file a writer locks (SQLite's ``WAL_WRITE_LOCK``:
#: ``WALINDEX_LOCK_OFFSET`` 120 + 0, sqlite3.c's wal.c).
_WAL_WRITE_LOCK = 120


def _wal_writers(path: Path) -> list[int]:
    """Pids holding a POSIX write lock on byte :data:`_WAL_WRITE_LOCK` of ``path``'s ``-shm``,
    read from ``/proc/locks`` (``1: POSIX ADVISORY WRITE 905 fe:00:2171730 120 120``; a waiter's
    line, ``1: -> POSIX …``, is not a holder); [] where none is seen or it cannot be read."""
    try:
        shm = os.stat(f"{path}-shm")
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    device = f"{os.major(shm.st_dev):02x}:{os.minor(shm.st_dev):02x}:{shm.st_ino}"
    found: set[int] = set()
    for line in lines:
        parts = line.split()
        if len(parts) < 8 or parts[1:4] != ["POSIX", "ADVISORY", "WRITE"] or parts[5] != device:
            continue
        start, end = parts[6], parts[7]
        with contextlib.suppress(ValueError):
            if int(start) <= _WAL_WRITE_LOCK and (end == "EOF" or int(end) >= _WAL_WRITE_LOCK):
                found.add(int(parts[4]))
    return sorted(found)


def explain(exc: BaseException, path: Path) -> BackfillError | None:
    """The user's line for a SQLite error (:func:`translate`, on the mirror at ``path``) or an
    ``OSError`` the user can mend (``errors.storage_error``) that reached a face's top; ``None``
    for anything else (a bug)."""
    if isinstance(exc, sqlite3.Error):
        return translate(exc, path)
    if isinstance(exc, OSError):
        return storage_error(exc)
    return None


def text_shown(raw: bytes) -> str:
    """A stored text as a screen shows it: read as UTF-8, each byte that is not UTF-8 shown as
    U+FFFD. The ``sqlite3.Connection.text_factory`` of the connection screens read through, and
    how the filters' keys, read as bytes, are shown (a text SQLite holds may be any bytes: a
    hand edit; ``verify --full`` names its row)."""
    return raw.decode("utf-8", "replace")
