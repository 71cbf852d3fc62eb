"""Every file the product writes goes through here: checked first, then written atomically.

Two promises (issue 10, item 1):

- **Never overwrite what must not be lost.** :func:`check_output` refuses, with one line
  (:class:`~backfill_tui.errors.UsageError`, exit status 2), a path that is one of the files in
  use (the mirror and its ``-wal``/``-shm``/``-journal``, a recording being replayed), or that
  already holds a SQLite database, a SQLite write-ahead log or a backfill-tui recording, whatever
  its name: the header bytes decide, not the suffix. A new file (``--record``, a screenshot)
  refuses any file already there (a tester's ``notes.txt`` was replaced by a recording); a
  report replaces only an earlier report; only an appended log takes another existing file.
- **Never leave half a file where a good one stood.** :func:`atomic_write` writes to a temporary
  file in the same folder and renames it into place (``os.replace``) only once it is complete
  and flushed to disk; on any failure the temporary file is removed and the old file is intact.
  A new file (a recording: ``AtomicFile(replace=False)``) is placed without replacing a file
  that appeared at its path while it was written (``placing.place_new``): it goes beside it.

Callers: ``report --output``, ``run --record`` and the app's recording (``recording/``), the log
file (``cli.setup_logging``), the simulator's ``request_log``.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import stat
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Literal

from ..errors import UsageError, folder_ending, storage_error, user_path
from ..textsafe import escaped
from .placing import place_new, temp_prefix, writer_alive, writers

__all__ = [
    "SQLITE_SIDE_FILES",
    "AtomicFile",
    "atomic_write",
    "check_output",
    "in_use",
    "make_folder",
    "sniff",
    "token_path_problem",
]

#: Files SQLite keeps beside a database while it is open or mid-transaction.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")  # sqlite.org/fileformat2.html#walformat
_GZIP_MAGIC = b"\x1f\x8b"
_RECORDING_MARK = b'"format":"backfill-tui-recording"'
#: How a report starts (``engine/report.py``): a file so made may be replaced by a new report.
_REPORT_MARK = b"# backfill-tui run "

#: What an output may do to a file already at its path (:func:`check_output`).
Existing = Literal["refuse", "report", "append"]


def in_use(path: str | os.PathLike[str] | None, what: str = "the mirror") -> list[tuple[Path, str]]:
    """The files a database at ``path`` occupies, each with how to name it in a message:
    itself (``what``) and SQLite's side files. ``None`` gives no files.
    """
    if path is None:
        return []
    target = user_path(path)
    out = [(target, what)]
    out += [
        (target.with_name(target.name + suffix), f"{what}'s {suffix[1:]} file")
        for suffix in SQLITE_SIDE_FILES
    ]
    return out


def sniff(path: Path) -> str | None:
    """What an existing file is, by its first bytes: "a SQLite database", "a SQLite write-ahead
    log", "a backfill-tui recording", or ``None`` (anything else, or not readable).

    Source of the magic numbers: sqlite.org/fileformat2.html (database header and WAL header);
    a recording is gzip whose first line names the format (``recording/fileformat.py``).
    """
    from ..store import held_here

    if held_here(path):  # a mirror this process holds: never opened outside SQLite (opening.py)
        return "a SQLite database"
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return None
    if head.startswith(_SQLITE_MAGIC):
        return "a SQLite database"
    if head[:4] in _WAL_MAGIC:
        return "a SQLite write-ahead log"
    if head.startswith(_GZIP_MAGIC):
        try:
            with gzip.open(path, "rb") as handle:
                first = handle.read(256)
        except (OSError, EOFError, zlib.error):
            return None
        if _RECORDING_MARK in first:
            return "a backfill-tui recording"
    return None


def _same(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except OSError:
        pass
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def token_path_problem(text: str, option: str) -> str | None:
    """The one line refusing the path ``text`` given as ``option`` when it holds a token
    (``secrets_registry.holds_credential``: a registered value or a documented token shape,
    ``ghp_`` + 36 characters), ``text`` not in it; None otherwise. Such a name was written
    whole into the mirror (the run's ``recorded_to``), the log, the lines saying where the
    recording went and the app's "Record to" field (a stranger's finding): refused, as a
    workspace or a source holding one is (``engine.plan``), never echoed, never masked into a
    name the user did not choose."""
    from ..secrets_registry import holds_credential

    if not holds_credential(text):
        return None
    from .plan import token_variable

    return (
        f"{option} holds what looks like a token (not shown); name the file otherwise "
        f"(a token goes in its variable, such as {token_variable(text)})"
    )


def check_output(
    path: str | os.PathLike[str],
    *,
    option: str,
    protected: Iterable[tuple[Path, str]] = (),
    existing: Existing = "refuse",
    devices: bool = False,
) -> Path:
    """Refuse ``path`` as an output unless writing it can lose nothing; return it expanded.

    ``devices``: a character device (``/dev/null``, a terminal) is accepted, to be written
    straight into (:func:`write_output`), never replaced; other non-regular files (a pipe, a
    socket) and folders are still refused.

    ``option`` names the argument in the message (``--output``, ``--record``). ``protected``:
    the files in use with their names for the message (see :func:`in_use`). ``existing``: what
    may be done to a file already at ``path``: ``"refuse"`` any (a recording, a screenshot:
    a new file), ``"report"`` replace an earlier report only (its first bytes), ``"append"``
    append to anything but a database, WAL or recording (the simulator's request log).
    A folder of ``path`` that does not exist yet is accepted (as ``run --db`` makes the
    mirror's): the writer makes it (:class:`AtomicFile`, :func:`make_folder`); nothing is made
    here. Raises :class:`UsageError` (one line, exit 2) when ``path`` is a folder, a file stands
    where one of its folders should be, it is one of ``protected`` (also through a symlink or hard link), it already
    holds a SQLite database, WAL or recording, it is a SQLite side file's path (``-wal``,
    ``-shm``, ``-journal``) beside an existing SQLite database, it exists and ``existing``
    does not allow it, or it (or the nearest of its folders that exists) cannot be written.
    A path holding a token (``secrets_registry.holds_credential``: ``ghp_…jsonl``) is
    refused first, unechoed (:func:`token_path_problem`).
    """
    if problem := token_path_problem(os.fspath(path), option):
        raise UsageError(problem)
    if folder_ending(path) is not None:  # r/.. is a folder even before r exists (Record to)
        raise UsageError(f"{option} {escaped(os.fspath(path))} names a folder; give a file path")
    target = user_path(path)
    if target.is_dir():
        raise UsageError(f"{option} {target} is a folder; give a file path")
    if devices and is_device(target):
        return target
    if target.exists() and not stat.S_ISREG(target.stat().st_mode):
        # a device (/dev/null), a pipe or a socket: renaming a finished file over it would
        # replace it (as root, /dev/null itself), so it is refused, untouched
        raise UsageError(
            f"{option} {target} is not a regular file (a device, pipe or socket); give a file path"
        )
    folder = target.parent  # the nearest folder that exists; missing ones are made on writing
    if not folder.is_dir():
        # The nearest part of the path that exists: a file there cannot hold a folder.
        blocker = next((p for p in target.parents if p.exists()), None)
        if blocker is None or not blocker.is_dir():
            raise UsageError(f"{option} {target}: {blocker or folder} is a file, not a folder")
        folder = blocker
    for other, what in protected:
        if _same(target, other):
            raise UsageError(
                f"{option} {target} is {what} in use ({other}); writing it would destroy it: "
                "choose another file"
            )
    side = next((x for x in SQLITE_SIDE_FILES if target.name.endswith(x)), None)
    base = target.with_name(target.name.removesuffix(side)) if side else None
    if base is not None and side is not None and sniff(base) == "a SQLite database":
        # Another database's side file, that database closed: its next open would take our
        # file for its own WAL or journal and discard it as invalid (a fresh tester's finding)
        raise UsageError(
            f"{option} {target} is where SQLite keeps the {side[1:]} file of the database "
            f"{base}, which would discard it: choose another file"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option} {target}: folder {folder} is not writable; choose another folder"
        )
    if target.exists() and not os.access(target, os.W_OK):
        raise UsageError(f"{option} {target} is read-only; choose another file")
    if target.exists():
        kind = sniff(target)
        if kind is not None:
            raise UsageError(
                f"{option} {target} already holds {kind}; refusing to overwrite it: "
                "choose another file (or delete it yourself if it is no longer needed)"
            )
        if existing == "refuse" or (existing == "report" and not _is_report(target)):
            raise UsageError(
                f"{option} {target} already exists and is not overwritten: choose another "
                "file (or delete it yourself first if it is no longer needed)"
            )
    return target


def _is_report(path: Path) -> bool:
    """Whether ``path`` starts as a backfill-tui report does (``_REPORT_MARK``)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(_REPORT_MARK)) == _REPORT_MARK
    except OSError:
        return False


class AtomicFile:
    """A new file written beside ``path`` and renamed over it by :meth:`commit`.

    The data goes to a hidden temporary file in the same folder (so the rename is atomic on
    POSIX); :meth:`commit` flushes, fsyncs and ``os.replace``-s it into place; :meth:`discard`
    removes it and leaves ``path`` as it was. ``mode``: the new file's permission bits (default:
    what ``open()`` would give, honouring the umask). ``replace=False`` (a recording, which
    never replaces a file): :meth:`commit` never replaces a file that appeared at ``path``
    while it was written, and puts this one at a free name beside it instead
    (``placing.place_new``); :attr:`placed` says where it went. For writers that live across
    calls (a recording); a block of code uses :func:`atomic_write`.
    """

    def __init__(self, path: Path, *, mode: int | None = None, replace: bool = True) -> None:
        """Raises the :class:`~backfill_tui.errors.StorageError` of ``path`` (never of the
        hidden file's name, which the user never typed: a tester saw
        ``/proc/.x.rec.19375._rxh2b__.part``) when the folder or file cannot be made, or the
        ``OSError`` itself when no user's line fits it."""
        self.path = path
        try:
            make_folder(path)
            _sweep_orphans(path)
            # The writer's pid in the name: a later writer of the same file can tell an orphan
            # (its writer was killed, say by kill -9 mid-recording) from one still written.
            fd, temp = tempfile.mkstemp(
                prefix=f"{temp_prefix(path)}{os.getpid()}.", suffix=".part", dir=path.parent
            )
        except OSError as exc:
            refused = storage_error(exc, path)
            if refused is None:
                raise
            raise refused from None
        self.temp = Path(temp)
        try:
            if mode is None:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.fchmod(fd, mode)
            self.file: IO[bytes] = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            self.temp.unlink(missing_ok=True)
            raise
        self.done = False
        self.replace = replace
        #: Where :meth:`commit` put the file: ``path``, or (``replace=False``, a file having
        #: appeared at ``path`` meanwhile) the free name beside it; None before.
        self.placed: Path | None = None

    def commit(self) -> None:
        """Flush the data to disk and rename it over ``path`` (``replace=False``: to ``path``
        or, if a file appeared there meanwhile, a free name beside it: :attr:`placed`)."""
        if self.done:
            return
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
            if self.replace:
                os.replace(self.temp, self.path)
                self.placed = self.path
            else:
                self.placed = place_new(self.temp, self.path)
        except BaseException:
            self.discard()
            raise
        self.done = True

    def discard(self) -> None:
        """Remove the temporary file; ``path`` is left as it was."""
        if self.done:
            return
        self.done = True
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            self.temp.unlink()


def make_folder(path: Path) -> None:
    """Make the folders ``path`` needs that do not exist yet, private (0700) as the mirror's
    own are (``store/mirror.py``); raises ``OSError``."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)


def sweep_orphans(path: Path) -> int:
    """Remove the temporary files :class:`AtomicFile` writers of ``path`` left when they died
    before committing (``.NAME.PID.XXXX.part`` whose PID no longer runs); how many were
    removed. A file whose writer still runs (this process included) is left alone."""
    return _sweep_orphans(path)


def _sweep_orphans(path: Path) -> int:
    """Remove the temporary files of earlier writers of ``path`` that died before committing
    (``.NAME.PID.XXXX.part`` whose writer no longer runs: ``placing.writer_alive``): a killed
    ``--record`` left its hidden file behind for ever. Another live process's file is left
    alone."""
    removed = 0
    for candidate, pid in writers(path):
        if writer_alive(candidate, pid):
            continue
        with contextlib.suppress(OSError):
            candidate.unlink()
            removed += 1
    return removed


def is_device(path: Path) -> bool:
    """Whether ``path`` is a character device (``/dev/null``, a terminal)."""
    try:
        return stat.S_ISCHR(path.stat().st_mode)
    except OSError:
        return False


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` as checked by :func:`check_output`: into a character device
    as it is (renaming a file over ``/dev/null`` would replace it), else atomically. Raises
    the :class:`StorageError` of what the machine refused, naming ``path``: a write's error
    names no file, and ``report -o /dev/full`` said only "disk full" (a fresh tester's
    finding); else the ``OSError`` itself."""
    try:
        if is_device(path):
            with path.open("wb") as device:
                device.write(data)
            return
        with atomic_write(path) as handle:
            handle.write(data)
    except OSError as exc:
        refused = storage_error(exc, path)
        if refused is None:
            raise
        raise refused from None


@contextlib.contextmanager
def atomic_write(path: Path, *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """Yield a binary file that replaces ``path`` only when the block ends without error.

    See :class:`AtomicFile`. On an exception the temporary file is removed, ``path`` is
    untouched and the exception propagates.
    """
    out = AtomicFile(path, mode=mode)
    try:
        yield out.file
    except BaseException:
        out.discard()
        raise
    out.commit()
