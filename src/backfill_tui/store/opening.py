"""Checking a file before it is trusted as a mirror, and connecting to it without writing.

:meth:`Mirror.open <backfill_tui.store.Mirror.open>` calls :func:`check_existing` on every
existing file: not SQLite, not ours, corrupt (``quick_check``) or written by a newer version is
refused with one line and the file left byte for byte as it was. The connections here never
create a file (``immutable``/``mode=ro``/``query_only``: https://www.sqlite.org/wal.html#readonly).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import threading
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

from ..errors import MirrorCorrupt, MirrorError
from ..terms import suggest
from .failures import SQLITE_CORRUPT, SQLITE_NOTADB, translate
from .recording_sniff import recording_kind
from .schema import (
    APPLICATION_ID,
    MIGRATION_NAMES,
    MIGRATION_SET,
    MIGRATIONS_TABLE,
    SCHEMA_VERSION,
    expected_objects,
    missing_object_line,
)

__all__ = [
    "RUN_BUSY_TIMEOUT_S",
    "SQLITE_MAGIC",
    "Existing",
    "check_existing",
    "check_whole",
    "connect_read_only",
    "held_here",
    "hold",
    "narrow_empty",
    "recording_kind",
    "release",
    "wal_size",
]

SQLITE_MAGIC = b"SQLite format 3\x00"

#: The mirrors this process holds open, by (device, inode), with how many connections. Closing
#: *any* descriptor of a file drops every POSIX lock the process holds on it (fcntl semantics;
#: https://www.sqlite.org/howtocorrupt.html section 2.2). A file held here is therefore never
#: opened outside SQLite: once its shared lock is gone, another process's connection (the app's
#: run, in its own process) believes it is the last one when it closes, and deletes the -wal and
#: -shm this process still uses: later writes are lost and the file ends up corrupt.
_HELD: dict[tuple[int, int], int] = {}
_HELD_LOCK = threading.Lock()


def _inode(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def hold(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """Note that a connection of this process holds the mirror at ``path`` (``Mirror``'s
    constructor); returns the key :func:`release` takes (None for a file not on disk)."""
    key = _inode(path)
    if key is not None:
        with _HELD_LOCK:
            _HELD[key] = _HELD.get(key, 0) + 1
    return key


def release(key: tuple[int, int] | None) -> None:
    """The connection noted by :func:`hold` is closed."""
    if key is None:
        return
    with _HELD_LOCK:
        left = _HELD.get(key, 0) - 1
        if left > 0:
            _HELD[key] = left
        else:
            _HELD.pop(key, None)


def held_here(path: str | os.PathLike[str]) -> bool:
    """Whether a connection of this process holds the file at ``path`` open as a mirror: then
    only SQLite may open it (see :data:`_HELD`); a caller that wants its first bytes knows them
    already (a SQLite database)."""
    key = _inode(path)
    with _HELD_LOCK:
        return key is not None and key in _HELD


#: Seconds a write waits for the lock once the mirror is open (two runs share one mirror).
RUN_BUSY_TIMEOUT_S = 30.0


def _is_wal(header: bytes) -> bool:
    """Whether a database header says WAL mode (file format bytes 18 and 19 are 2)."""
    return len(header) >= 20 and header[18] == 2 and header[19] == 2


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes: ``query_only`` where the file and folder are writable
    (SQLite then tidies its ``-wal``/``-shm`` on close); else ``mode=ro`` when another
    connection has the file open (its ``-shm`` exists), or ``immutable`` when none has: reading
    a WAL file ``mode=ro`` needs a ``-shm``, which a read-only folder cannot hold and which
    would otherwise be left behind. https://www.sqlite.org/wal.html#readonly
    """
    if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK):
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=RUN_BUSY_TIMEOUT_S
        )
        conn.execute("PRAGMA query_only = ON")
        return conn
    shm = Path(f"{path}-shm")
    if held_here(path):
        # Held by this process: the file must not be opened outside SQLite (closing it would
        # drop this process's locks), and what it holds is known. Without a -shm beside it the
        # first connection was made immutable (a read-only folder cannot hold one), and so is
        # this one: a plain connection asked for a -shm there and every screen of the app said
        # "internal error (OperationalError)" on a read-only mount (a fresh tester's finding).
        mode = "mode=ro" if shm.exists() else "immutable=1"
    else:
        with path.open("rb") as handle:
            header = handle.read(100)
        mode = "immutable=1" if _is_wal(header) and not shm.exists() else "mode=ro"
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?{mode}",
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        timeout=RUN_BUSY_TIMEOUT_S,
    )


def _peek_connection(path: Path, header: bytes) -> sqlite3.Connection:
    """A connection for looking at a file before it is trusted, that creates no file: a WAL
    file with no ``-wal`` beside it holds everything in itself, so it is read ``immutable``
    (``mode=ro`` would leave a ``-wal`` and ``-shm`` behind)."""
    uri = path.resolve().as_uri()
    if _is_wal(header) and not Path(f"{path}-wal").exists():
        return sqlite3.connect(f"{uri}?immutable=1", uri=True)
    return sqlite3.connect(f"{uri}?mode=ro", uri=True)


#: Files this process found sound, by (path, size, mtime): ``resume`` opens its mirror twice
#: (to look the run up, then to write), and the integrity check reads the whole file.
_SOUND: set[tuple[str, int, int]] = set()

#: Files up to this size get SQLite's ``quick_check`` on every open: it reads the whole file
#: (0.45 s warm, 2.5 s cold at 590 MB, issue 13), cheap only while the file is small. Larger
#: mirrors get the header and schema checks on open and the whole check on request
#: (:meth:`Mirror.verify`); damage met later is still refused by SQLite, one line (failures.py).
QUICK_CHECK_MAX_BYTES = 16 * 1024 * 1024


class Existing(NamedTuple):
    """What :func:`check_existing` found in a file it accepted.

    ``pending``: this version has migrations to apply to it. ``blank``: SQLite's schema holds
    nothing at all (no table, index or trigger): a run killed as it created the mirror leaves
    such a file (a 4 KB WAL header), as does any blank database; a writer makes the mirror in
    it, a reader finds no mirror there (and must not make one).
    """

    pending: bool
    blank: bool


def check_existing(path: Path) -> Existing:
    """Refuse, without writing anything, a file that is not a usable mirror.

    Returns whether this version has migrations to apply to it and whether it is blank
    (:class:`Existing`). Refuses a mirror whose schema version or recorded migrations
    (``_sqlite_migrations``) include any this version does not know: a newer backfill-tui
    wrote it.
    """
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    small = stat.st_size <= QUICK_CHECK_MAX_BYTES
    found = _check_file(path, integrity=small and key not in _SOUND)
    if small:  # checked whole (now or before); a larger file only by check_whole
        _SOUND.add(key)
    return found


def check_whole(conn: sqlite3.Connection, path: Path, *, refused: str = "nothing was sent") -> None:
    """SQLite's ``quick_check`` over every page of the mirror at ``path``, read on ``conn``,
    unless this process found the file sound already (opened at most
    :data:`QUICK_CHECK_MAX_BYTES`, or checked here): for a step that sends the mirror's rows
    elsewhere (``export``), where a damaged page skipped by a read would go unsaid (a fresh
    tester's finding: 2 of 78,196 observations unsent, "0 skipped", exit 0). 0.23-0.27 s warm
    at 173 MB (78,055 observations; its dry run takes 9 s). Raises :class:`MirrorCorrupt` (one
    line naming ``verify``) when damaged, or the error :func:`translate` gives when the file
    cannot be read."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _SOUND:
        return
    try:
        rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.Error as exc:
        raise translate(exc, path) from None
    found = "; ".join(
        line.strip()
        for row in rows
        if row != "ok"
        for line in row.splitlines()
        if line.strip() and not line.startswith("*** in database")
    )
    if found:
        raise MirrorCorrupt(
            f"{path} is corrupt (quick_check: {found}); {refused}. "
            f"`{suggest('verify', path)}` lists the damage; restore it from a copy",
            found,
        )
    _SOUND.add(key)


def _short_by_header(header: bytes, size: int) -> str | None:
    """Whether the file is shorter than its own header says (a truncated copy): the header's
    page count (offset 28) is trusted when its version-valid-for number (offset 92) equals the
    change counter (offset 24), as SQLite itself does (https://www.sqlite.org/fileformat.html)."""
    if len(header) < 100 or header[24:28] != header[92:96]:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if pages and page_size and pages * page_size > size:
        return f"the file holds {size} bytes of the {pages * page_size} its header says"
    return None


def wal_size(path: Path) -> int:
    """Bytes in the ``-wal`` beside ``path`` (0 when there is none). A non-empty ``-wal`` holds
    pages the main file does not have yet (a checkpoint the disk stopped part way writes page 1,
    with the new page count, and not the rest), so the main file being shorter than its header
    says is no damage then: SQLite reads those pages from the ``-wal``
    (https://www.sqlite.org/wal.html#checkpointing)."""
    try:
        return Path(f"{path}-wal").stat().st_size
    except OSError:
        return 0


def _check_file(path: Path, *, integrity: bool) -> Existing:
    if held_here(path):  # checked when this process opened it; never read outside SQLite
        return _check_schema(path, b"", integrity=False)
    with path.open("rb") as handle:
        header = handle.read(100)
    if not header.startswith(SQLITE_MAGIC):
        recording = recording_kind(path, header)
        if recording is not None:
            raise MirrorError(_not_a_mirror_but(path, recording))
        raise MirrorError(
            f"{path} is not a backfill-tui mirror (not a SQLite database); it was left untouched. "
            "Choose another file with --db"
        )
    short = _short_by_header(header, path.stat().st_size)
    if short is not None and not (_is_wal(header) and wal_size(path) > 0):
        raise MirrorCorrupt(
            f"{path} is corrupt ({short}: truncated); it was left untouched. "
            f"`{suggest('verify', path)}` lists the damage; restore it from a copy or choose "
            "another file with --db",
            f"{short}: truncated",
        )
    return _check_schema(path, header, integrity=integrity)


def _not_a_mirror_but(path: Path, recording: str) -> str:
    """The line for a recording given as the mirror (``runs --db sync.rec.gz`` said only "not
    a SQLite database": a fresh tester's finding): what it is and the command that reads it
    (a decompressed one compressed first: ``replay`` reads what ``run --record`` writes)."""
    shown = shlex.quote(str(path))
    if recording == "cut":  # it cannot be replayed as it is: `replay` refuses it as truncated
        return (
            f"{path} looks like a backfill-tui recording cut short or damaged (its compressed "
            "data ends early or does not decompress), not a mirror; it was left untouched. "
            "--db takes a mirror (a .db file); replay a whole copy of the recording into one "
            "(backfill-tui replay RECORDING --db MIRROR.db), or record the run again"
        )
    if recording == "gzip":  # --db named too: `replay X --db X` was told to run itself again
        return (
            f"{path} is a backfill-tui recording, not a mirror; it was left untouched. --db "
            f"takes a mirror (a .db file); to replay the recording into one: backfill-tui "
            f"replay {shown} --db MIRROR.db"
        )
    return (
        f"{path} is a backfill-tui recording (decompressed), not a mirror; it was left "
        f"untouched. Compress it and replay it: gzip -k {shown} && backfill-tui replay "
        f"{shlex.quote(str(path) + '.gz')}"
    )


def _check_schema(path: Path, header: bytes, *, integrity: bool) -> Existing:
    try:
        conn = _peek_connection(path, header)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            # name -> type ("table", "index", "trigger") of everything the file holds
            tables = dict(conn.execute("SELECT name, type FROM sqlite_master"))
            check = conn.execute("PRAGMA quick_check(1)").fetchone()[0] if integrity else "ok"
            applied: list[str] = []
            if MIGRATIONS_TABLE in tables:
                applied = [
                    row[0]
                    for row in conn.execute(
                        f"SELECT name FROM [{MIGRATIONS_TABLE}] "
                        "WHERE migration_set = ? ORDER BY rowid",
                        (MIGRATION_SET,),
                    )
                ]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        if code not in (SQLITE_CORRUPT, SQLITE_NOTADB):
            raise translate(exc, path) from None
        raise MirrorCorrupt(
            f"{path} is corrupt ({exc}); it was left untouched. `{suggest('verify', path)}` "
            "lists the damage; restore it from a copy or choose another file with --db",
            str(exc),
        ) from None
    if check != "ok":
        found = "; ".join(
            line.strip()
            for line in str(check).splitlines()
            if line.strip() and not line.startswith("*** in database")
        )
        # Named as the larger mirror's refusal names it (failures.translate): a fresh tester
        # found this one, of a mirror of at most 16 MB, without the command that lists damage.
        raise MirrorCorrupt(
            f"{path} is corrupt (integrity check: {found}); it was left untouched. "
            f"`{suggest('verify', path)}` lists the damage; restore it from a copy or choose "
            "another file with --db",
            found,
        )
    if app_id != APPLICATION_ID and tables:
        raise MirrorError(
            f"{path} is a SQLite database but not a backfill-tui mirror; it was left untouched. "
            "Choose another file with --db"
        )
    if not applied and "observations" in tables:
        # Its migrations' record emptied or dropped by hand: each step would be run again over
        # the tables they made (a read-only command wrote, then failed "table observations
        # already exists": a fresh tester's finding).
        raise MirrorError(
            f"{path}: the mirror's record of its migrations ({MIGRATIONS_TABLE}) is empty or "
            "gone (edited by hand?), so its version is unknown; it was left untouched. "
            "Restore it from a copy or choose another file with --db"
        )
    known = MIGRATION_NAMES
    unknown = [name for name in applied if name not in known]
    if version > SCHEMA_VERSION or unknown:
        what = f"migration {unknown[0]}" if unknown else f"schema {version}"
        raise MirrorError(
            f"{path} was written by a newer version of backfill-tui ({what}; this one knows "
            f"{SCHEMA_VERSION} migrations); upgrade backfill-tui to open it. It was left untouched"
        )
    if applied and tuple(applied) == known[: len(applied)]:
        _check_objects(path, tables, len(applied))
    return Existing(pending=set(known) - set(applied) != set(), blank=not tables)


def _check_objects(path: Path, found: dict[str, str], applied: int) -> None:
    """Raise :class:`MirrorError` for the first table, index or trigger the file's applied
    migrations made that it no longer holds (``schema.expected_objects``), with the statement
    that mends it: a dropped table failed whatever next wrote or read it, midway through a run,
    a dropped index or trigger went unnoticed (reads scanning the whole table; deleted rows
    still found by search) and ``verify`` called the file sound (a tester's finding). The
    UNIQUE constraints' own indexes (``sqlite_autoindex_*``) cannot be dropped. Reads only
    ``sqlite_master``, which the open reads anyway."""
    for name, (kind, sql) in expected_objects(applied).items():
        if found.get(name) != kind:
            raise MirrorError(
                f"{path}: {missing_object_line(name, kind, sql)}; it was left untouched"
            )


def narrow_empty(path: Path) -> None:
    """An existing empty file given as the mirror (``mktemp``, ``touch``) becomes one: it gets
    mode 0600 like a mirror made here, since it will hold a workspace's observations. A file
    of another owner keeps its mode (the chmod is not ours to make)."""
    with suppress(PermissionError):
        os.chmod(path, 0o600)
