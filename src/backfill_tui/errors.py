"""Errors a user can cause or meet, each carrying one clear line and its exit status.

Every error a user can cause derives from :class:`BackfillError`; ``str()`` is the one line to
show, and the class attribute ``exit_status`` is what the command exits with (the faces read it
from the error, never from a table of their own):

    BackfillError               anything we explain to the user                        exit 2
    ├── UsageError              bad arguments or source specs                               2
    │   ├── BadValue            a value a run's own rule refuses (names its field)          2
    │   ├── engine.runs.RunCompleted     resume asked of a run that completed              2
    │   ├── engine.runs.RunStillRunning  resume asked of a run a live process runs         2
    │   └── engine.recording_ends.RecordingKeptAside  a file took the recording's path      2
    ├── CredentialsMissing      no token for a provider that needs one                      2
    ├── MirrorError             the --db file is not ours, is corrupt, or is too new        2
    │   ├── MirrorMissing       there is no mirror where one is read (reading never makes one)
    │   └── MirrorCorrupt       SQLite finds the file damaged (`verify` exits 1 with it)
    ├── StorageError            the machine refuses a read or write the user can mend (.path)
    │   ├── DiskFull            no space left (SQLITE_FULL, ENOSPC, EDQUOT)                 2
    │   ├── FileTooLarge        past the filesystem's or ulimit -f's file size (EFBIG)      2
    │   ├── FileLocked          another process holds the mirror's write lock (SQLITE_BUSY)
    │   ├── ReadOnly            the file, its folder or its file system is read-only
    │   │   └── ReadOnlyFilesystem  mounted read-only (EROFS): no chmod mends it
    │   ├── PermissionDenied    the file or a folder on its path may not be read or written
    │   ├── BadPath             a part of the path is a file, or a folder is missing
    │   └── RecordingNotKept    writing a run's recording failed (a full disk): the run stops 2
    ├── RunConflict             another process runs a backfill of the same workspace and source
    ├── recording.RecordingError  a recording missing, not ours, cut short or modified      2
    ├── export.ExportError      an export that cannot start: bad input found before sending 2
    │   └── export.ExportFailed the destination failed after the input was accepted         1
    ├── export.values.Refused   one row the destination cannot hold (its row is skipped)    1
    └── http.ApiError           a stream cannot go on (the run goes on without it)          1
        ├── AuthenticationFailed, AccessDenied, HostNotAllowed, PagingStalled,
        │   RetriesExhausted, RateLimitExhausted, UnexpectedResponse  (http/errors.py)
        ├── http.DeadlineExceeded   a call's whole-request deadline passed (also httpx's
        │                           ``TimeoutException``, so the retry layer retries it)
        └── recording.RecordingMismatch  a replay asked what the recording never answered

Exit statuses (README, "Exit status"): 0 every stream completed; 1 the run (or export) ended but
a stream failed or was cancelled, or a refusal of this tree (a lock, a full disk) stopped the
run mid-way, whatever its ``exit_status`` (:data:`EXIT_INCOMPLETE`); 2 bad usage or bad input
(:data:`EXIT_BAD_INPUT`); 70 an internal error, a bug (:data:`EXIT_INTERNAL`, sysexits'
``EX_SOFTWARE``): anything that is not a :class:`BackfillError` is one, logged with its
traceback to the log file (``terms.log_path()``) while the user sees one line pointing there.
141 when stdout's reader went away (``| head``), as a shell reports SIGPIPE.

:func:`storage_error` is the one table from an ``OSError`` to its line; the store maps SQLite's
result codes onto the same kinds (``store/failures.py``), so a disk that fills while writing a
report and one that fills while writing the mirror say the same thing. Errors that never leave
their module are not in the tree: the simulator's ``QueryError`` (answered as a GraphQL 400,
as the real API does) and the control-flow signals of a few connectors and simulator routes.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import ClassVar

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INCOMPLETE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "INTERRUPTED_AT_START",
    "BackfillError",
    "BadPath",
    "BadValue",
    "CredentialsMissing",
    "DiskFull",
    "FileLocked",
    "MirrorCorrupt",
    "MirrorError",
    "MirrorMissing",
    "PermissionDenied",
    "ReadOnly",
    "ReadOnlyFilesystem",
    "RecordingNotKept",
    "RunConflict",
    "StorageError",
    "UsageError",
    "crash_line",
    "exit_status",
    "folder_ending",
    "storage_error",
    "user_path",
]

#: Every stream completed (or the command did all it was asked).
EXIT_OK = 0
#: The run or export ended, but a stream failed or was cancelled: what was stored is kept.
EXIT_INCOMPLETE = 1
#: Bad usage or bad input, said in one line with how to mend it.
EXIT_BAD_INPUT = 2
#: An internal error, a bug (sysexits.h ``EX_SOFTWARE``): one line, the traceback in the log.
EXIT_INTERNAL = 70
#: Stopped by Ctrl-C before the command started, or by a third while it stopped (128 + SIGINT,
#: as a shell reports a Ctrl-C).
EXIT_INTERRUPTED = 130
#: The line a Ctrl-C before the command started ends with (``__main__.entry``, ``cli.main``).
INTERRUPTED_AT_START = "backfill-tui: interrupted while starting; nothing was read or written\n"


class BackfillError(Exception):
    """An error whose ``str()`` is one line meant for the user; ``exit_status`` is the status
    a command that ends with it exits with."""

    exit_status: ClassVar[int] = EXIT_BAD_INPUT


def exit_status(exc: BaseException) -> int:
    """The exit status a command ending with ``exc`` exits with: the error's own for a
    :class:`BackfillError`, :data:`EXIT_INTERNAL` for anything else (a bug)."""
    return exc.exit_status if isinstance(exc, BackfillError) else EXIT_INTERNAL


def crash_line(exc: BaseException, log: str | Path) -> str:
    """The one line a face shows for a bug (an exception that is no :class:`BackfillError`):
    its kind and where its traceback went. Never the exception's text, which may hold data."""
    return f"internal error ({type(exc).__name__}); this is a bug, the details are in {log}"


class UsageError(BackfillError):
    pass


class BadValue(UsageError):
    """A value one of a run's own rules refuses (a depth not offered, an empty workspace id, a
    base URL over plain http to another machine). ``str()`` is the line for where a user gave
    it (a flag, a variable), with its mend; ``field`` names the value as a run's request does
    (``depth``, ``workspace``, ``max_items``, ``sources``, ``entities``) or, for a base URL, its
    variable (``BACKFILL_GITHUB_API_URL``); ``fault`` says what is wrong with it, naming neither
    the value nor where it came from (``is not 7, 30 or 90``). A face that read the value
    elsewhere says it in its own words around ``fault``: a replay names its recording's header
    field, the user having typed only ``replay FILE`` (``engine.recording.Replay``)."""

    def __init__(self, line: str, *, field: str, fault: str) -> None:
        super().__init__(line)
        self.field = field
        self.fault = fault


class CredentialsMissing(BackfillError):
    pass


class MirrorError(BackfillError):
    pass


class MirrorMissing(MirrorError):
    """No mirror at the path given (reading never creates one). ``path``: that path."""

    #: ``state`` of an SQLite file whose schema holds nothing: reading must not make the
    #: mirror in it, and the mend is a run into it (a killed run's leftover), not another path.
    NO_TABLES = "is an SQLite file with no tables: a run that was killed as it created it?"

    def __init__(self, path: Path, line: str, state: str = "does not exist") -> None:
        self.path = path
        #: "does not exist", "is an empty file", ``NO_TABLES`` or "is gone" (since opened)
        self.state = state
        super().__init__(line)


class MirrorCorrupt(MirrorError):
    """The mirror's file is damaged: SQLite's checks (``quick_check``, ``integrity_check``) or
    its header say so. ``verify`` reports it with exit 1; any other command refuses it (2).
    ``problem``: what is wrong, in SQLite's words, without the path or the advice (``verify``
    lists it under the file's name)."""

    def __init__(self, message: str, problem: str | None = None) -> None:
        super().__init__(message)
        self.problem = problem


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


class FileTooLarge(StorageError):
    """``EFBIG``: the file grew past what its filesystem or the process's file-size limit
    (``ulimit -f``) allows; freeing space does not mend it (it was said "disk full")."""

    label = "file too large"
    mend = (
        "its filesystem or the file-size limit (ulimit -f) caps it; raise the limit or choose "
        "a folder on another filesystem"
    )


class FileLocked(StorageError):
    label = "the mirror is locked by another process"
    mend = "wait for it to finish or close it (a sqlite3 shell, another backfill-tui), then retry"


class ReadOnly(StorageError):
    label = "read-only"
    mend = "make it writable, or copy it to a writable place and give that path"


class ReadOnlyFilesystem(ReadOnly):
    """The file or folder lies on a filesystem mounted read-only (``EROFS``): no chmod or
    chown mends that."""

    label = "read-only filesystem"
    mend = "nothing can be written there (no chmod helps); choose a folder on another filesystem"


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
    errno.EFBIG: FileTooLarge,
    errno.EROFS: ReadOnlyFilesystem,
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


class RecordingNotKept(StorageError):
    """Writing a run's recording (``run --record``, the app's "Record to") failed mid-run or
    as it was sealed: a full disk (ENOSPC, EDQUOT), a file too large (EFBIG), an I/O error
    (EIO), any ``OSError`` of the file's writes. Its unfinished file is removed at once, so no half-written file poses
    as a recording (``recording.fileformat.RecordingWriter``). Met mid-run, it stops the run as
    the mirror's own refusals do (a :class:`StorageError`: ``engine/run.py``): interrupted, what
    was stored kept, ``resume`` continuing it; met as the recording is sealed, the run ended as
    it did. Exit status 2 as it is sealed; 1 when it stopped the run, as every refusal that stops
    a run mid-way (``cli.drive.drive``; README, "Exit status"). A fresh tester's finding: a disk that filled
    mid-run failed every stream as "internal error (OSError ...)" (an EIO: exit 70) and left
    the hidden ``.part`` behind; one that refused a write and took the next sealed a recording
    that no longer decompressed into place as a good one.

    ``path``: the recording's path (the one the user gave, never its hidden file's); ``cause``:
    the ``OSError``; ``reason``: it in words, the kind first when it is one of
    :data:`OS_ERRNO_KINDS` (``disk full: No space left on device``); ``first``: what to do
    before going on (``free space``). ``ended``: the run's status when the failure came as the
    recording was sealed, after the run ended (``completed``), None when it stopped the run.
    ``str()`` is the line; for a failure that stopped the run it only says what failed (each
    stream it stopped says that), and the face that drove the run says it whole with
    :meth:`said`, with its own command to go on."""

    def __init__(self, path: str | Path, cause: OSError, *, ended: str | None = None) -> None:
        kind = OS_ERRNO_KINDS.get(cause.errno or 0)
        said = cause.strerror or str(cause) or type(cause).__name__
        self.cause = cause
        if kind is None or said.lower() == kind.label:  # not "file too large: File too large"
            self.reason = said if kind is None else kind.label
        else:
            self.reason = f"{kind.label}: {said}"
        self.first = _RECORDING_FIRST.get(kind, "check the disk it is written to")
        self.ended = ended
        super().__init__(path, self.reason)

    def line(self) -> str:
        if self.ended is None:  # what stopped the run: each stream stopped says it, the face
            return f"the recording {self.path} was not kept: writing it failed ({self.reason})"
        ended = "completed" if self.ended == "completed" else f"ended {self.ended}"
        return self.said(
            "start a new recorded run (--record) to record it",
            kept=f"the run {ended} and what was stored is kept",
        )

    def said(self, then: str, *, kept: str = "what was stored is kept") -> str:
        """The line, ending with ``then``: how to go on once :attr:`first` is done (the face's
        own words, such as ``"`backfill-tui resume ID`"``); ``kept``: what became of the run.
        Raises nothing."""
        return (
            f"the recording {self.path} was not kept: writing it failed ({self.reason}); "
            f"{kept}; {self.first}, then {then}"
        )


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
    detail = _BAD_PATH_DETAIL.get(exc.errno or 0) if kind is BadPath else None
    if exc.errno == errno.ENOENT and where is not None and _folder_there(Path(where)):
        # /proc answers ENOENT for a new file in a folder that is there: "a folder on the path
        # does not exist" was untrue (a fresh tester's finding)
        detail = "its folder takes no new files, as /proc and /sys do"
    return kind(where, detail)


def _folder_there(path: Path) -> bool:
    """Whether ``path``'s folder exists (a file's own ``ENOENT`` then has another cause)."""
    try:
        return path.parent.is_dir() and not path.exists()
    except OSError:
        return False


def folder_ending(value: str | os.PathLike[str]) -> str | None:
    """How a path the user typed names a folder by its own spelling, whatever the disk holds:
    ``"/"`` when it ends in a slash, ``"."`` or ``".."`` when that is its last part (after a
    folder); None otherwise. ``Path`` drops a trailing slash and a last ``.``, so such a path
    read as given named a file where the user meant a folder: ``--db new/`` made a file
    ``new``, and ``--record r/..`` lost its recording at the end of the run (fresh testers'
    findings). Raises nothing."""
    raw = os.fspath(value).replace(os.sep, "/")
    if raw.endswith("/") and raw.strip("/"):
        return "/"
    last = raw.rsplit("/", 1)[-1]
    return last if last in (".", "..") and "/" in raw else None


def user_path(value: str | os.PathLike[str]) -> Path:
    """``user_path(value)``: a path the user typed, ``~`` and ``~name`` read as home
    folders. A ``~name`` that names no user on this machine is bad input (:class:`UsageError`,
    exit 2), not the ``RuntimeError`` pathlib raises, which crashed the app's "Open recording"
    and "Record to" (exit 70, a fresh tester's finding)."""
    path = Path(value)
    try:
        return path.expanduser()
    except RuntimeError:
        first = path.parts[0] if path.parts else str(value)
        raise UsageError(
            f"{value}: there is no user {first[1:]!r} on this machine to read {first} as a "
            "home folder; write the path in full"
        ) from None


#: What to do first when writing the recording failed, by the failure's kind (the rest:
#: "check the disk it is written to").
_RECORDING_FIRST: dict[type[StorageError] | None, str] = {
    DiskFull: "free space",
    FileTooLarge: "raise the file-size limit (ulimit -f) or record to another filesystem",
}
