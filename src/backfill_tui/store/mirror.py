"""The local mirror: one SQLite file of observations, runs, streams and checkpoints.

This is the only module that speaks SQL. :meth:`Mirror.open` refuses, with one clear line and
without writing a byte, any file that is not a backfill-tui mirror, is corrupt, or was made by a
newer version (the checks: ``store/opening.py``). A page's observations and its stream's
checkpoint are committed in one transaction (:meth:`Mirror.commit_page`; the pages of several
streams queued together share one, :meth:`Mirror.commit_pages`), so a crash loses at most the
pages in flight, two a stream (the engine queues a stream's next page behind the one committing).

Past 400 lines on purpose: opening, the run and stream records, the page commit and the
accounting share one connection and :meth:`Mirror.transaction`, the only write path; reading,
the runs overview, locks, file checks and row columns live in their own modules.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    BackfillError,
    DiskFull,
    FileLocked,
    MirrorCorrupt,
    MirrorError,
    MirrorMissing,
    PermissionDenied,
    ReadOnly,
    user_path,
)
from ..terms import APP, RunStatus, StreamStatus
from ..textsafe import escaped
from .browse import ObservationBrowsing
from .checkpoints import BackgroundCheckpoints
from .columns import check_source_row
from .failures import diagnose, translate, translate_os
from .locks import RunLocks
from .opening import (
    RUN_BUSY_TIMEOUT_S,
    check_existing,
    connect_read_only,
    hold,
    narrow_empty,
    release,
)
from .overview import RunTotals, run_overview
from .records import RunRecord, StreamRecord
from .resync import ResyncRecords, keep_validator
from .rows import json_text, nanoids, now_iso, observation_row, seconds_between
from .run_items import record_fetched
from .schema import APPLICATION_ID, ROW_COLUMNS, SCHEMA_VERSION, create_schema, migrations

if TYPE_CHECKING:  # the pydantic models load with the engine, not with every open of a mirror
    from sqlite_utils import Database  # only to apply migrations (schema.py)

    from ..models import SourceEvent

#: Seconds that opening the mirror for writing waits for another process's write lock.
#: Names SQLite gives the files it keeps beside a database; never a mirror of their own.
SIDECAR_SUFFIXES = ("-wal", "-shm", "-journal")
OPEN_LOCK_WAIT_S = 2.0
_INSERT = (
    f"INSERT INTO observations ({', '.join(ROW_COLUMNS)}, ingestion_source) "
    f"VALUES ({', '.join('?' for _ in ROW_COLUMNS)}, 'backfill') "
    "ON CONFLICT (workspace_id, source_id) DO NOTHING"
)
#: WAL pages (4 KiB each) a run's writer connection lets the WAL grow to before it copies them
#: into the main file; SQLite's default is 1,000, which copied the same index pages back every
#: dozen pages of a run (bench/pipeline.py). Readers are not held back: WAL keeps them apart.
RUN_WAL_AUTOCHECKPOINT = 10_000
#: KiB of page cache a run's connection keeps (SQLite's default: 2,000). A page's rows land at
#: random places in the sourceId index (and, when this was measured, in the public id and
#: ``run_items`` indexes too: see rows.nanoids and schema migration 0015); with 2 MB of cache
#: their pages were read back from the WAL again and again. 8 MB took a tenth off the writer's SQL
#: time on a 50,000-item run; 16 and 32 MB did no better (bench/pipeline.py). Memory stays
#: flat: the cache stops growing at this size, whatever the run's length.
RUN_CACHE_KIB = 8_000
#: Rows per multi-row INSERT: 16 columns each stays far below SQLite's 32,766 variables.
_ROWS_PER_STATEMENT = 500
#: (mirror, schema version it had) for each older mirror this process upgraded on opening it,
#: until :func:`upgrade_notes` takes them.
_UPGRADED: list[tuple[Path, int]] = []


def _index_for_search(conn: sqlite3.Connection, before: int) -> None:
    """Inside a transaction: add its new observations (every id past ``before``, the largest
    id when it began) to ``observations_fts``, in one statement.

    New rows take ids past the largest (``INTEGER PRIMARY KEY`` without AUTOINCREMENT: SQLite's
    rowid rule, https://sqlite.org/autoinc.html), so those ids are exactly this transaction's
    rows. One statement instead of an AFTER INSERT trigger run per row (migration 0013): the
    trigger took about a third of a run's SQLite time (bench/pipeline.py).
    """
    conn.execute(
        "INSERT INTO observations_fts (rowid, title, content) "
        "SELECT id, title, content FROM observations WHERE id > ?",
        (before,),
    )


@lru_cache(maxsize=16)
def _insert_rows(count: int) -> str:
    """``_INSERT`` for ``count`` rows in one statement (``VALUES (...), (...), ...``).

    A page's rows go to SQLite as one statement, so the writer thread runs the whole insert
    (indexes, the search index) with the GIL released once per page: ``executemany`` releases it
    around every row and then waits for the event loop's thread to give it back each time.
    """
    one = f"({', '.join('?' for _ in ROW_COLUMNS)}, 'backfill')"
    return (
        f"INSERT INTO observations ({', '.join(ROW_COLUMNS)}, ingestion_source) "
        f"VALUES {', '.join(one for _ in range(count))} "
        "ON CONFLICT (workspace_id, source_id) DO NOTHING"
    )


@dataclass(frozen=True)
class PageResult:
    new: int
    duplicates: int


@dataclass(frozen=True)
class PageWrite:
    """One page to store with its stream's checkpoint (:meth:`Mirror.commit_pages`).

    ``fetched``: items taken from the page (stored and failed); ``cursor``: the stream's
    checkpoint after it (``None`` when ``done``); ``capped_at``: where the cap cut the stream;
    ``api_calls`` and ``wait_s``: the calls and rate-limit seconds since the last page;
    ``item_notes``: (item key, reason) of items stored with a part the provider could not
    give; ``note``: a plain line about an ordinary state the stream met; ``ended_short``: the
    stream ends with this page without having read its whole window (``streams.ended_short``:
    it then never covers its window for a re-sync); ``validator``: (URL, ETag) of the stream's
    first page, kept for a re-sync's conditional request (``store/resync.py``) in this page's
    transaction, given with the page that completes the stream uncapped, its window read whole.
    """

    stream: StreamRecord
    workspace: str
    events: Sequence[SourceEvent]
    failures: Sequence[tuple[str, str]]
    fetched: int
    cursor: str | None
    done: bool
    capped_at: str | None
    api_calls: int
    wait_s: float
    item_notes: Sequence[tuple[str, str]] = ()
    note: str | None = None
    ended_short: bool = False
    #: When the page is committed, on the run's own clock (ISO 8601): its stream's
    #: ``updated_at``, so :meth:`Mirror.last_page_at` measures a run on the clock of its
    #: ``started_at``; None: now.
    at: str | None = None
    validator: tuple[str, str] | None = None
    #: Items the stream's window holds, judged from this (its first) page when the run began
    #: it without an estimate; kept as its ``streams.estimate`` unless it has one.
    estimate: int | None = None


class Mirror(ObservationBrowsing, RunLocks, ResyncRecords):
    """The mirror at ``path`` over one connection; open it with :meth:`open`.

    Past 400 lines on purpose: opening (with its checks), the run and stream records, the page
    commit and the accounting share this one connection and :meth:`transaction`, the only write
    path. Reading observations (``browse.py``), the runs overview (``overview.py``), the locks
    (``locks.py``), the file checks (``opening.py``) and a row's columns (``rows.py``) live apart.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._held = hold(path)  # never opened outside SQLite while held (opening.py)
        #: One write transaction at a time on this connection, whichever thread asks: the
        #: engine commits pages on its writer thread while the event loop's thread records
        #: statuses (engine/run.py).
        self._writing = threading.RLock()
        #: ``time.monotonic()`` when a write transaction began waiting for the write lock
        #: (SQLite's busy wait, up to ``RUN_BUSY_TIMEOUT_S``); None while none waits. The
        #: engine watches it to say that a run waits on another process (engine/run.py).
        self.lock_wait_since: float | None = None
        #: Inside :meth:`run_writes`: a write refused for another process's lock stops the
        #: run's later writes from waiting again (:meth:`_stop_waiting`).
        self._run_writes = False
        #: Inside :meth:`run_writes`: the thread that checkpoints the WAL after commits.
        self._checkpoints: BackgroundCheckpoints | None = None
        #: Opened read-only on a file this process may not write (``connect_read_only``):
        #: another connection to it is made the same way (:meth:`another_connection`).
        self.read_only_file = False

    @cached_property
    def db(self) -> Database:
        """sqlite-utils over this connection, made when a migration is to be applied (an
        up-to-date mirror opens without importing sqlite-utils: schema.py)."""
        from sqlite_utils import Database

        # No sqlite-utils plugins on the mirror's connection: loading them scans every
        # installed package's entry points (about 40 ms), and no plugin may change how the
        # mirror's SQL behaves.
        return Database(self.conn, execute_plugins=False)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], *, readonly: bool = False, create: bool = True
    ) -> Mirror:
        """Open the mirror at ``path``, checked before a byte is written.

        ``readonly``: only reading is asked (``runs``, ``report``, ``diff``, browsing). The file
        is opened so that nothing is written (``query_only``, or SQLite's ``mode=ro`` /
        ``immutable`` in a read-only folder); it must exist. ``create``: a missing file may be
        made (``run``, ``replay``, the app); ``resume`` passes ``False``.

        Opening for writing waits at most ``OPEN_LOCK_WAIT_S`` for another process's write
        lock, then says who holds it; once open, writes wait up to ``RUN_BUSY_TIMEOUT_S``.

        Raises :class:`MirrorError` (missing, a folder, not a mirror, corrupt, written by a newer
        version) or a :class:`StorageError` (locked, read-only, permission, bad path, disk full).
        """
        target = user_path(path)
        try:
            return cls._open(target, readonly=readonly, create=create)
        except OSError as exc:
            raise translate_os(exc, target) from None

    @classmethod
    def _open(cls, target: Path, *, readonly: bool, create: bool) -> Mirror:
        for suffix in SIDECAR_SUFFIXES:
            # SQLite keeps DB-wal, DB-shm and DB-journal beside a database DB, and takes a file
            # of that name as DB's own: a mirror made there is discarded the next time DB opens.
            if target.name.endswith(suffix) and len(target.name) > len(suffix):
                base = target.name[: -len(suffix)]
                raise MirrorError(
                    f"{target} is a name SQLite keeps for the {suffix[1:]} file of {base}; "
                    f"give --db the mirror itself ({base}) or a name not ending in {suffix}"
                )
        if not target.exists():
            problem = diagnose(target)
            if problem is not None:
                raise problem
        if target.is_dir():
            raise MirrorError(f"{target} is a directory; give --db a file path")
        if target.exists() and not stat.S_ISREG(target.stat().st_mode):
            # /dev/null, a FIFO, a socket: never a mirror, and never ours to chmod or write
            raise MirrorError(
                f"{target} is not a regular file (a device, pipe or socket); it was left "
                "untouched. Give --db a file path"
            )
        size = target.stat().st_size if target.exists() else None
        if not size and (readonly or not create):
            state = "is an empty file" if size == 0 else "does not exist"
            raise MirrorMissing(target, f"no mirror at {target} (it {state})", state)
        pending = True
        if size:
            if not os.access(target, os.R_OK):
                raise PermissionDenied(target)
            pending, blank = check_existing(target)
            if blank and (readonly or not create):
                # Reading never makes a mirror, not even in a blank SQLite file (a run killed as
                # it created the mirror leaves one): without this, it got the whole schema.
                state = MirrorMissing.NO_TABLES
                raise MirrorMissing(
                    target,
                    f"no mirror at {target} ({state.removeprefix('is ')}); `{APP} run` into "
                    "it makes one, or give another --db",
                    state,
                )
        if readonly and not pending:
            return cls._read_only(target)
        if size is None:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        elif size == 0:  # an empty file (mktemp, touch): private like one made here
            narrow_empty(target)
        problem = diagnose(target)
        if problem is not None:
            if readonly and size:  # an older mirror that reading would have to upgrade first
                detail = "made by an older backfill-tui, it must be upgraded once to be read"
                problem = type(problem)(problem.path, detail)
            raise problem
        conn = sqlite3.connect(
            target, isolation_level=None, check_same_thread=False, timeout=OPEN_LOCK_WAIT_S
        )
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")  # is anyone else writing? say so now, not in 30 s
            conn.execute("ROLLBACK")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            mirror = cls(target, conn)
            if pending:  # check_existing read the applied migrations: none is missing
                mirror._migrate()
            conn.execute(f"PRAGMA busy_timeout = {int(RUN_BUSY_TIMEOUT_S * 1000)}")
        except (sqlite3.Error, BackfillError) as exc:  # _migrate's own line is a BackfillError
            conn.close()
            if size is None:  # the file this call made holds nothing: leave no half a mirror
                for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
                    leftover.unlink(missing_ok=True)
            if isinstance(exc, BackfillError):
                raise
            raise translate(exc, target) from None
        return mirror

    def another_connection(self, *, readonly: bool = False) -> Mirror:
        """A second connection to this mirror (already opened, checked and migrated by
        :meth:`open`), for another thread: the app's run thread, its screens' reads. Nothing is
        checked again: a check that reads the file directly while this process writes through
        WAL can misread it as corrupt. ``readonly``: the connection refuses writes
        (``query_only``). A mirror opened on a file this process may not write (the app
        browsing someone else's mirror) is read the same way again (``connect_read_only``):
        asked ``mode=rw``, SQLite refused, and the app's screens said "loading…" for ever (a
        tester's finding). Raises a :class:`StorageError` if SQLite refuses."""
        if self.read_only_file:
            if not readonly:
                raise ReadOnly(self.path)
            return type(self)._read_only(self.path)
        return type(self).attach(self.path, readonly=readonly)

    @classmethod
    def _read_only(cls, path: Path) -> Mirror:
        """A connection that only reads the mirror at ``path`` (``connect_read_only``), marked
        :attr:`read_only_file`. Raises a :class:`StorageError` or :class:`MirrorError` if
        SQLite refuses."""
        try:
            mirror = cls(path, connect_read_only(path))
        except sqlite3.Error as exc:
            raise translate(exc, path) from None
        mirror.read_only_file = True
        return mirror

    @classmethod
    def attach(cls, path: Path, *, readonly: bool = False) -> Mirror:
        """A connection to a mirror another connection has opened, checked and migrated
        (:meth:`open`), made by the thread or process that uses it: :meth:`another_connection`
        for a thread, the app's run process (``engine.process``) for a process, which gets the
        path across a pipe. Nothing is checked or migrated. Raises a :class:`StorageError` if
        SQLite refuses, :class:`MirrorMissing` if the file is gone (deleted or moved since it
        was opened): it is never created here, where nothing would make it a mirror."""
        if not path.is_file():
            raise MirrorMissing(
                path, f"the mirror {path} is gone (deleted or moved while in use)", "is gone"
            )
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=rw",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=OPEN_LOCK_WAIT_S,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(RUN_BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA query_only=ON" if readonly else "PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            raise translate(exc, path) from None
        return cls(path, conn)

    def _migrate(self) -> None:
        conn = self.conn
        if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None:
            # A blank database (a new mirror): the whole schema in one transaction, recorded as
            # sqlite-utils records migrations, without importing it (schema.create_schema).
            # SQLite's own error goes up as it is: ``_open`` removes the file it made.
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                create_schema(conn)
                conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):  # SQLite may have rolled back already (SQLITE_FULL)
                    conn.execute("ROLLBACK")
                raise
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        steps = migrations()
        pending = steps.pending(self.db)
        if not pending:
            return
        before = SCHEMA_VERSION - len(pending)
        # Every step in one transaction (sqlite-utils runs each in a savepoint of it): applied
        # one by one, a full disk in the last kept the others, and the file was neither this
        # version's nor the older one's, which refused it as a newer version's.
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            steps.apply(self.db)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException as exc:
            with suppress(sqlite3.Error):  # SQLite may have rolled back already (SQLITE_FULL)
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and isinstance(translate(exc, self.path), DiskFull):
                raise DiskFull(
                    self.path,
                    f"while upgrading it from mirror schema {before} to {SCHEMA_VERSION}; the "
                    "upgrade was rolled back, so the file is as it was and nothing was lost",
                ) from None
            raise
        _UPGRADED.append((self.path, before))

    def verify(self, *, full: bool = False) -> None:
        """The whole check, on request (``backfill-tui verify``; opening checks only the header
        and schema of a mirror past ``QUICK_CHECK_MAX_BYTES``): see :meth:`problems`.
        Raises :class:`MirrorCorrupt` (one line, the first problems SQLite names) when damaged,
        or a :class:`StorageError` when the file cannot be read."""
        found = self.problems(full=full, limit=5)
        if found:
            raise MirrorCorrupt(
                f"{self.path} is corrupt (integrity check: {'; '.join(found)}); restore it from "
                "a copy or choose another file with --db"
            )

    def problems(self, *, full: bool = False, limit: int = 20) -> list[str]:
        """What SQLite finds wrong with the file, at most ``limit`` lines; ``[]`` when sound.

        SQLite's ``PRAGMA quick_check`` reads every page (b-tree structure, free list, record
        formats, NOT NULL); ``full`` runs ``PRAGMA integrity_check`` instead, which also checks
        that every index holds exactly its table's rows (UNIQUE included), and then
        ``PRAGMA foreign_key_check`` (sqlite.org/pragma.html), and decodes every stored text as
        UTF-8 (:meth:`_undecodable_text`): SQLite's checks do not decode text, so a page with
        garbled text passed them ("sound") while every read of it failed (a tester's finding).
        At 250,000 observations the quick check takes ~0.8 s of CPU, the full one ~3.7 s and
        the text ~5 s more. Nothing is written.
        Raises :class:`MirrorCorrupt` when SQLite refuses to read the file at all, or a
        :class:`StorageError` (locked, permission, I/O)."""
        pragma = "integrity_check" if full else "quick_check"
        try:
            rows = [str(row[0]) for row in self.conn.execute(f"PRAGMA {pragma}({int(limit)})")]
            found = [  # one problem a line, without SQLite's "*** in database main ***" heading
                line
                for row in rows
                if row != "ok"
                for line in row.splitlines()
                if line.strip() and not line.startswith("*** in database")
            ]
            if full:
                found += [
                    # a WITHOUT ROWID table (run_items before migration 0015) has no row
                    # number to give: it said "row None" (a fresh tester's finding)
                    (f"a {table} row" if rowid is None else f"{table} row {rowid}")
                    + f" refers to a missing {parent} row"
                    for table, rowid, parent, _ in self.conn.execute("PRAGMA foreign_key_check")
                ]
            if full and len(found) < limit:
                found += self._undecodable_text(limit - len(found))
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None
        return found[:limit]

    def _undecodable_text(self, limit: int) -> list[str]:
        """``"<table> row <rowid>: a text value in column '<column>' is not valid UTF-8"`` for
        each such value (at most ``limit``), naming never the bytes. Each row's text values are
        read as one blob, joined by NUL bytes (``CAST(... AS BLOB)``: Python's sqlite3 cannot
        read such text at all), and decoded: the joined blob is valid UTF-8 exactly when each
        value is, so a row costs one decode (~1 s for 250,000 observations) and only a bad
        row's values are decoded one by one. FTS5's own tables hold blobs, left to SQLite."""
        found: list[str] = []
        tables = [
            str(name)
            for (name,) in self.conn.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE "
                "'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '%fts%' "
                "ORDER BY name"
            )
        ]
        for table in tables:
            columns = [  # the columns declared to hold text (any other is a number or a blob)
                str(name)
                for _, name, kind, *_ in self.conn.execute(f'PRAGMA table_info("{table}")')
                if not kind or "CHAR" in kind.upper() or "TEXT" in kind.upper()
            ]
            if not columns:
                continue
            try:  # a WITHOUT ROWID table has none to name its row by
                self.conn.execute(f'SELECT rowid FROM "{table}" LIMIT 0')
                key = "rowid"
            except sqlite3.OperationalError:
                key = "NULL"
            texts = [
                f"CASE typeof(\"{c}\") WHEN 'text' THEN CAST(\"{c}\" AS BLOB) ELSE x'' END"
                for c in columns
            ]
            joined = "CAST(" + " || x'00' || ".join(texts) + " AS BLOB)"
            for rowid, raw in self.conn.execute(f'SELECT {key}, {joined} FROM "{table}"'):
                try:
                    raw.decode("utf-8")
                    continue
                except UnicodeDecodeError:
                    pass
                where = table if rowid is None else f"{table} row {rowid}"
                for column, text in zip(columns, texts, strict=True):  # which value: rare
                    values = self.conn.execute(
                        f'SELECT {text} FROM "{table}"'
                        + ("" if rowid is None else " WHERE rowid = ?"),
                        () if rowid is None else (rowid,),
                    )
                    try:
                        for (value,) in values:
                            bytes(value).decode("utf-8")
                    except UnicodeDecodeError:
                        found.append(
                            f"{where}: a text value in column {column!r} is not valid UTF-8"
                        )
                        if len(found) >= limit:
                            return found
        return found
        return found
        return found

    def set_busy_timeout(self, seconds: float) -> None:
        """How long this connection's writes wait for another writer's lock before failing
        with :class:`FileLocked` (``RUN_BUSY_TIMEOUT_S`` after :meth:`open`). The terminal app
        sets a short one on its own connection: its writes run on the UI's thread, which must
        not freeze for 30 s behind another process (a tester's finding)."""
        self.conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def close(self) -> None:
        self.close_probe()
        self.conn.close()
        release(self._held)
        self._held = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; SQLite's refusals become the user's lines (store/failures.py).

        Raises a :class:`StorageError` (disk full, locked, read-only, ...) or
        :class:`MirrorError`; the transaction is rolled back, so nothing half-written stays.
        """
        with self._writing:
            self.lock_wait_since = time.monotonic()  # SQLite waits here for another writer
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                refused = translate(exc, self.path)
                if isinstance(refused, FileLocked) and self._run_writes:
                    self._stop_waiting()  # waited the timeout once: a run's later writes do not
                raise refused from None
            finally:
                self.lock_wait_since = None
            try:
                yield self.conn
            except BaseException as exc:
                with suppress(sqlite3.Error):  # SQLite may have rolled back already (SQLITE_FULL)
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise translate(exc, self.path) from None
                raise
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
                raise translate(exc, self.path) from None

    @contextmanager
    def run_writes(self) -> Iterator[None]:
        """While a run writes through this connection: the WAL checkpoints every
        ``RUN_WAL_AUTOCHECKPOINT`` pages instead of SQLite's 1,000, then once (``PASSIVE``: it
        waits for no reader) at the end; meanwhile a thread of its own checkpoints it as the
        run's pages land (``checkpoints.BackgroundCheckpoints``), so that the end's checkpoint
        copies only the last ones; the page cache holds ``RUN_CACHE_KIB`` KiB instead of
        SQLite's 2,000; and the connection's own settings come back.

        Durability is unchanged: a committed page is in the WAL, which SQLite replays after a
        crash (sqlite.org/wal.html). Errors at the end are ignored (the next checkpoint runs).
        """
        self._run_writes = True
        before, cache, busy = 1000, -2000, int(RUN_BUSY_TIMEOUT_S * 1000)
        with suppress(sqlite3.Error):  # settings, not writes: a refusal keeps SQLite's default
            (before,) = self.conn.execute("PRAGMA wal_autocheckpoint").fetchone()
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {RUN_WAL_AUTOCHECKPOINT}")
            (cache,) = self.conn.execute("PRAGMA cache_size").fetchone()
            self.conn.execute(f"PRAGMA cache_size = -{RUN_CACHE_KIB}")
            (busy,) = self.conn.execute("PRAGMA busy_timeout").fetchone()
        with suppress(sqlite3.Error):  # none: the end's checkpoint copies the whole WAL
            self._checkpoints = BackgroundCheckpoints(self.path)
        try:
            yield
        finally:
            self._run_writes = False
            checkpoints, self._checkpoints = self._checkpoints, None
            if checkpoints is not None:
                checkpoints.stop()
            with suppress(sqlite3.Error):
                self.conn.execute(f"PRAGMA busy_timeout = {int(busy)}")  # see _stop_waiting
                self.conn.execute(f"PRAGMA cache_size = {int(cache)}")
                self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _stop_waiting(self) -> None:
        """Inside :meth:`run_writes`, after a write waited out the busy timeout for another
        process's lock: the run's later writes (its streams' ends, its own) try once and fail
        at once while the lock is held, instead of each waiting the timeout again. A run met
        a lock that stayed and ended 275 s later, not 30 s, saying it waited eight times (a
        fresh tester's finding). The timeout comes back when :meth:`run_writes` ends."""
        with suppress(sqlite3.Error):
            self.conn.execute("PRAGMA busy_timeout = 0")

    # -- runs and streams ---------------------------------------------------------------------

    def start_run(self, run: RunRecord, streams: Iterable[tuple[str, str, str]]) -> None:
        """Take the run's source locks, then record the run and its pending streams, at once.

        The locks come first, in the same transaction: a run refused because another live run
        holds one of its sources (:class:`RunConflict`) leaves no record and no stream behind.
        ``run.sources`` must be in canonical spelling (``SourceSpec.parse``).
        """
        with self.transaction() as conn:
            self._take_locks(conn, run.id, run.workspace, run.sources)
            self._insert_run(conn, run, streams)

    def create_run(self, run: RunRecord, streams: Iterable[tuple[str, str, str]]) -> None:
        """Record a run and its pending streams, without locks (see :meth:`start_run`)."""
        with self.transaction() as conn:
            self._insert_run(conn, run, streams)

    def _insert_run(
        self, conn: sqlite3.Connection, run: RunRecord, streams: Iterable[tuple[str, str, str]]
    ) -> None:
        conn.execute(
            "INSERT INTO runs (id, workspace_id, sources, depth_days, since, entities, max_items,"
            " status, simulate, simulator, pid, host, started_at, simulator_left_out)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run.id,
                run.workspace,
                json_text(run.sources),
                run.depth_days,
                run.since,
                json_text(sorted(run.entities)) if run.entities is not None else None,
                run.max_items,
                run.status,
                int(run.simulate),
                run.simulator,
                os.getpid(),
                socket.gethostname(),
                run.started_at,
                run.simulator_left_out,
            ),
        )
        for provider, target in _sources(run):
            conn.execute(
                "INSERT INTO run_sources (run_id, provider, target) VALUES (?,?,?)",
                (run.id, provider, target),
            )
        conn.executemany(
            "INSERT INTO streams (run_id, provider, target, entity, updated_at) VALUES (?,?,?,?,?)",
            [(run.id, p, t, e, now_iso()) for p, t, e in streams],
        )

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with this id, or with a unique prefix of it (UsageError when ambiguous)."""
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            whole = self.resolve_run_id(run_id)
            if whole is not None:
                row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (whole,)).fetchone()
        return RunRecord.from_row(self._cols("runs"), row) if row else None

    def list_runs(self, limit: int = 50) -> list[RunRecord]:
        """The newest ``limit`` runs, newest made first (``overview.run_overview``'s order)."""
        rows = self.conn.execute(
            "SELECT * FROM runs ORDER BY rowid DESC LIMIT ?", (limit,)
        ).fetchall()
        cols = self._cols("runs")
        return [RunRecord.from_row(cols, row) for row in rows]

    def check_rows(self) -> None:
        """Read every ``runs``, ``streams`` and ``run_sources`` row as the commands read them,
        each checked (``store/columns.py``): raises :class:`MirrorError` naming the first row,
        column and value backfill-tui never writes (``verify``: SQLite's own checks pass such
        a value), or what SQLite raises reading them (:func:`translate`). Nothing is written."""
        try:
            for table, record in (("runs", RunRecord), ("streams", StreamRecord)):
                cur = self.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
                cols = [c[0] for c in cur.description]
                for row in cur:
                    record.from_row(cols, row)
            cur = self.conn.execute("SELECT * FROM run_sources ORDER BY rowid")
            cols = [c[0] for c in cur.description]
            for row in cur:
                check_source_row(dict(zip(cols, row, strict=True)))
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from None

    def run_overview(self, limit: int = 50) -> list[tuple[RunRecord, RunTotals]]:
        """The newest runs with their streams' totals, in one query (``store/overview.py``)."""
        return run_overview(self.conn, limit)

    def streams(self, run_id: str) -> list[StreamRecord]:
        rows = self.conn.execute(
            "SELECT * FROM streams WHERE run_id = ? ORDER BY id", (run_id,)
        ).fetchall()
        cols = self._cols("streams")
        return [StreamRecord.from_row(cols, row) for row in rows]

    def run_sources(self, run_id: str) -> list[dict[str, Any]]:
        """Each source of run ``run_id`` (its ``run_sources`` row: calls, waits, last quota), as
        a dict by column; raises :class:`MirrorError` for a value backfill-tui never writes
        there (``columns.check_source_row``: a text ``api_calls`` made ``report`` exit 70)."""
        cur = self.conn.execute(
            "SELECT * FROM run_sources WHERE run_id = ? ORDER BY rowid", (run_id,)
        )
        cols = [c[0] for c in cur.description]
        rows = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        for row in rows:
            check_source_row(row)
        return rows

    def set_source_owner(self, run_id: str, provider: str, target: str, owner: str) -> None:
        """Note the account that owns ``provider:target`` in run ``run_id``, as its lookup
        found it (``Connector.owner``: Linear's organization id)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE run_sources SET owner = ? WHERE run_id = ? AND provider = ? AND target = ?",
                (owner, run_id, provider, target),
            )

    def other_owners(
        self, workspace: str, provider: str, target: str, owner: str
    ) -> list[tuple[str, str]]:
        """The runs of ``workspace`` whose ``provider:target`` had an owner other than
        ``owner`` (unknown ones left out), as (run id, owner), oldest first."""
        rows = self.conn.execute(
            "SELECT s.run_id, s.owner FROM run_sources s JOIN runs r ON r.id = s.run_id"
            " WHERE r.workspace_id = ? AND s.provider = ? AND s.target = ?"
            " AND s.owner IS NOT NULL AND s.owner != ? ORDER BY s.rowid",
            (workspace, provider, target, owner),
        ).fetchall()
        return [(str(run_id), str(found)) for run_id, found in rows]

    def workspace_sources(self, workspace: str) -> list[str]:
        """Every source (``PROVIDER:TARGET``) any run of ``workspace`` read or was planned to
        read, first seen first (``engine/shared_ids.py`` tells the user which share a sourceId
        namespace with them)."""
        rows = self.conn.execute(
            "SELECT s.provider || ':' || s.target, min(s.rowid) FROM run_sources s"
            " JOIN runs r ON r.id = s.run_id WHERE r.workspace_id = ? GROUP BY 1 ORDER BY 2",
            (workspace,),
        ).fetchall()
        return [str(row[0]) for row in rows]

    def _cols(self, table: str) -> list[str]:
        return [row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")]

    def set_run_status(
        self, run_id: str, status: RunStatus, *, finished: bool = False, at: str | None = None
    ) -> None:
        """``at``: the finishing instant (ISO 8601) on the run's own clock, the one its
        ``started_at`` was taken on (a replay's, a virtual clock's); default the wall clock."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET status = ?, finished_at = ?, pid = ?, host = ? WHERE id = ?",
                (
                    status,
                    (at or now_iso()) if finished else None,
                    os.getpid(),
                    socket.gethostname(),
                    run_id,
                ),
            )

    def begin_span(self, run_id: str, at: str) -> None:
        """Run ``run_id`` starts again at ``at`` (ISO 8601, on the run's own clock, as its
        ``started_at``): the span before it, from ``resumed_at`` (else ``started_at``) to its
        ``finished_at`` (else its last page committed in that span: a killed run's time is
        what it is known to have run; else none), is added to ``ran_s`` and ``resumed_at``
        becomes ``at``; for a replay (``recording`` set), only its part before ``at`` when ``at``
        lies within it. A run that has not run yet (no end, no page, no resume) is left as it is: its
        first span begins at ``started_at``. Seconds, never negative."""
        with self.transaction() as conn:
            row = conn.execute(
                "SELECT started_at, finished_at, resumed_at, ran_s, recording FROM runs "
                "WHERE id = ?",
                (run_id,),
            ).fetchone()
            if row is None:
                return
            started, finished, resumed, ran, replayed = row
            last = conn.execute(
                "SELECT MAX(updated_at) FROM streams WHERE run_id = ? AND pages > 0", (run_id,)
            ).fetchone()[0]
            if finished is None and last is None and resumed is None:
                return
            end = finished or last
            span = seconds_between(resumed or started, end)
            if replayed is not None:
                # up to ``at``: a replay's resume starts its recording's clock again, at the
                # recorded start, so its spans overlap (a killed replay's 7 s and its resume's
                # 66 s said "ran 01:13" for a recorded run of 01:06). Any other run's clock
                # goes on; a simulated one's may stand behind an earlier process's end.
                span -= seconds_between(at, end)
            conn.execute(
                "UPDATE runs SET ran_s = ?, resumed_at = ? WHERE id = ?",
                (float(ran or 0.0) + span, at, run_id),
            )

    def end_span(self, run_id: str, at: str) -> None:
        """Run ``run_id``'s latest span ended at ``at`` (ISO 8601, on the run's own clock): for
        a run stopped without its end stored (the mirror locked, ``engine/unrecorded.py``), the
        time it ran to then, not to its last stored page, counts (``begin_span``,
        ``engine.live.run_seconds``). Nothing runs it since: no process is named, as
        ``set_run_interrupted`` (refused under the same lock) would have left it, so every face
        reads it ``interrupted``; a run whose end is stored already is left alone."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, pid = NULL, host = NULL"
                " WHERE id = ? AND finished_at IS NULL",
                (at, run_id),
            )

    def set_run_interrupted(self, run_id: str) -> None:
        """Leave run ``run_id`` stored ``running`` with no process named: nothing runs it now,
        so every face shows it ``interrupted`` (``terms.shown_run_status``) and ``resume``
        continues it. For a run the mirror itself stopped (a full disk): the faces' one label,
        whether or not the process that ran it lives on (the app's does)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET status = ?, pid = NULL, host = NULL WHERE id = ?",
                (RunStatus.RUNNING, run_id),
            )

    def set_run_recording(
        self,
        run_id: str,
        path: str,
        sha256: str,
        *,
        simulated: bool | None = None,
        masked: int | None = None,
    ) -> None:
        """Note that run ``run_id`` is replayed from the recording at ``path`` (absolute) whose
        file has SHA-256 ``sha256`` (hex): its resume must answer from that same file.
        ``simulated``: whether that recording was of a simulated run (its header's), kept so
        an export can tell once the file has moved (``runs.recording_simulated``).
        ``masked``: token-shaped strings the recording masked (its trailer's; None: unsaid),
        kept so ``diff`` and the summary can say why the replay differs
        (``runs.recording_masked``). Notes when too, on the wall clock
        (``runs.replayed_at``): the run's ``started_at`` is its recording's instant."""
        flag = None if simulated is None else int(simulated)
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET recording = ?, recording_sha256 = ?, recording_simulated = ?,"
                " recording_masked = ?, replayed_at = ? WHERE id = ?",
                (path, sha256, flag, masked, now_iso(), run_id),
            )

    def set_run_recorded_to(self, run_id: str, path: str) -> None:
        """Note that run ``run_id`` is recorded to the file at ``path`` (absolute)."""
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET recorded_to = ? WHERE id = ?", (path, run_id))

    def set_stream_estimates(self, run_id: str, totals: dict[str, int]) -> None:
        """Store the estimate (items expected) of each stream of ``run_id``, by stream key
        (``provider:target/entity``); a stream not in ``totals`` keeps none."""
        with self.transaction() as conn:
            for stream in self.streams(run_id):
                if stream.key in totals:
                    conn.execute(
                        "UPDATE streams SET estimate = ? WHERE id = ?",
                        (totals[stream.key], stream.id),
                    )

    def set_stream_status(
        self,
        stream_id: int,
        status: StreamStatus,
        error: str | None = None,
        *,
        unless_completed: bool = False,
        mend: str | None = None,
    ) -> None:
        """``unless_completed``: leave a stream whose last page already completed it as it is
        (a cancel arriving while that page was being committed). ``mend``: what the user must
        mend before a failed stream can succeed (``StreamRecord.mend``; cleared otherwise)."""
        sql = "UPDATE streams SET status = ?, error = ?, mend = ?, updated_at = ? WHERE id = ?"
        if unless_completed:
            sql += f" AND status != '{StreamStatus.COMPLETED}'"
        with self.transaction() as conn:
            conn.execute(sql, (status, error, mend, now_iso(), stream_id))

    def set_stream_note(self, stream_id: int, note: str | None) -> None:
        """Record the plain line about an ordinary state a stream met (``None`` clears it)."""
        with self.transaction() as conn:
            conn.execute("UPDATE streams SET note = ? WHERE id = ?", (note, stream_id))

    def item_notes(self, run_id: str) -> list[tuple[int, str, str]]:
        """(stream id, item key, reason) of every item a run stored only in part."""
        return self.conn.execute(
            "SELECT stream_id, item_key, reason FROM item_notes WHERE run_id = ? ORDER BY id",
            (run_id,),
        ).fetchall()

    def add_source_calls(
        self,
        run_id: str,
        provider: str,
        target: str,
        api_calls: int,
        wait_s: float,
        error: str | None,
    ) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE run_sources SET api_calls = api_calls + ?, rate_limit_wait_s = "
                "rate_limit_wait_s + ?, error = ? WHERE run_id = ? AND provider = ? AND target = ?",
                (api_calls, wait_s, error, run_id, provider, target),
            )

    def add_source_waited(self, run_id: str, provider: str, target: str, waited_s: float) -> None:
        """Add ``waited_s`` (seconds on the run's clock during which the source waited, its
        streams' waits overlapping counted once) to the source's ``waited_s`` in the run."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE run_sources SET waited_s = COALESCE(waited_s, 0) + ?"
                " WHERE run_id = ? AND provider = ? AND target = ?",
                (waited_s, run_id, provider, target),
            )

    def source_resource_id(self, run_id: str, provider: str, target: str) -> str | None:
        """The provider's own id of source ``provider:target`` as run ``run_id``'s first lookup
        learned it (``run_sources.resource_id``: a Vercel project's ``prj_…``, a Linear team's
        id), or None when none was kept (not yet looked up, a connector that keeps none, a run
        of an older mirror)."""
        row = self.conn.execute(
            "SELECT resource_id FROM run_sources WHERE run_id = ? AND provider = ? AND target = ?",
            (run_id, provider, target),
        ).fetchone()
        return row[0] if row is not None and isinstance(row[0], str) and row[0] else None

    def earlier_resource_id(self, run: RunRecord, provider: str, target: str) -> str | None:
        """The id the latest other run of the same kind as ``run`` (simulated or live) kept for
        source ``provider:target`` (:meth:`source_resource_id`), or None."""
        row = self.conn.execute(
            "SELECT s.resource_id FROM run_sources s JOIN runs r ON r.id = s.run_id"
            " WHERE s.provider = ? AND s.target = ? AND s.run_id != ? AND r.simulate = ?"
            " AND s.resource_id IS NOT NULL ORDER BY s.rowid DESC LIMIT 1",
            (provider, target, run.id, int(run.simulate)),
        ).fetchone()
        return row[0] if row is not None and isinstance(row[0], str) and row[0] else None

    def keep_source_resource_id(
        self, run_id: str, provider: str, target: str, resource_id: str
    ) -> None:
        """Keep ``resource_id`` as the source's id in run ``run_id`` unless one is kept already:
        the first lookup's answer stands (a resume looks the source up by it)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE run_sources SET resource_id = COALESCE(resource_id, ?)"
                " WHERE run_id = ? AND provider = ? AND target = ?",
                (resource_id, run_id, provider, target),
            )

    def set_source_quota(self, run_id: str, source: str, remaining: int, limit: int | None) -> None:
        """The request quota the provider of ``source`` (``github:acme/rocket``) last
        reported in run ``run_id``: calls ``remaining`` of ``limit``."""
        provider, _, target = source.partition(":")
        with self.transaction() as conn:
            conn.execute(
                "UPDATE run_sources SET quota_remaining = ?, quota_limit = ? "
                "WHERE run_id = ? AND provider = ? AND target = ?",
                (remaining, limit, run_id, provider, target),
            )

    def commit_page(
        self,
        stream: StreamRecord,
        workspace: str,
        events: Sequence[SourceEvent],
        failures: Sequence[tuple[str, str]],
        *,
        fetched: int,
        cursor: str | None,
        done: bool,
        capped_at: str | None,
        api_calls: int,
        wait_s: float,
        item_notes: Sequence[tuple[str, str]] = (),
        note: str | None = None,
    ) -> PageResult:
        """Store one page's observations and its stream's checkpoint in one transaction.

        ``item_notes`` are (item key, reason) of items stored with a part the provider could
        not give; ``note`` is a plain line about an ordinary state the stream met. Raises a
        :class:`StorageError` or :class:`MirrorError` (nothing of the page stays).
        """
        page = PageWrite(
            stream, workspace, events, failures, fetched=fetched, cursor=cursor, done=done,
            capped_at=capped_at, api_calls=api_calls, wait_s=wait_s, item_notes=item_notes,
            note=note,
        )  # fmt: skip
        return self.commit_pages([page])[0]

    def commit_pages(self, pages: Sequence[PageWrite]) -> list[PageResult]:
        """Store several pages, each with its own stream's checkpoint, in ONE transaction: all
        of them or none (a group commit: the engine's writer thread takes every page queued
        while it was busy, engine/run.py). Returns each page's result, in order.

        One COMMIT instead of one per page: a commit writes the WAL and rewrites the same
        index pages each time, about 5 ms a page (bench/pipeline.py). Pages of one stream must
        be given in their order. Raises a :class:`StorageError` or :class:`MirrorError`
        (nothing of any page stays), or what building a page's rows raised, before anything is
        written.
        """
        at = now_iso()
        built = [(page, self._rows(page, at)) for page in pages]
        with self.transaction() as conn:
            before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM observations").fetchone()[0]
            results = [self._store_page(conn, page, rows, at) for page, rows in built]
            if any(result.new for result in results):
                _index_for_search(conn, before)
        if self._checkpoints is not None:
            self._checkpoints.committed(sum(len(rows) for _, rows in built))
        return results

    @staticmethod
    def _rows(page: PageWrite, at: str) -> list[tuple[Any, ...]]:
        run_id, workspace = page.stream.run_id, page.workspace
        return [
            observation_row(e, workspace, run_id, at, external_id)
            for e, external_id in zip(page.events, nanoids(len(page.events)), strict=True)
        ]

    @staticmethod
    def _store_page(
        conn: sqlite3.Connection, page: PageWrite, rows: list[tuple[Any, ...]], at: str
    ) -> PageResult:
        """Inside a transaction: a page's rows, fetched items, failures, notes, validator,
        checkpoint."""
        stream = page.stream
        new = 0
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            part = rows[start : start + _ROWS_PER_STATEMENT]
            values = [value for row in part for value in row]
            new += max(conn.execute(_insert_rows(len(part)), values).rowcount, 0)
        record_fetched(conn, stream.run_id, rows)
        if page.failures:
            conn.executemany(
                "INSERT INTO item_failures (run_id, stream_id, item_key, reason) VALUES (?,?,?,?)",
                [(stream.run_id, stream.id, key, reason) for key, reason in page.failures],
            )
        if page.item_notes:
            conn.executemany(
                "INSERT INTO item_notes (run_id, stream_id, item_key, reason) VALUES (?,?,?,?)",
                [(stream.run_id, stream.id, key, reason) for key, reason in page.item_notes],
            )
        if page.note is not None:
            conn.execute("UPDATE streams SET note = ? WHERE id = ?", (page.note, stream.id))
        if page.validator is not None:  # with the page that completes the stream, never after
            keep_validator(
                conn, page.workspace, stream.source, stream.entity, stream.run_id,
                *page.validator, at=at,
            )  # fmt: skip
        conn.execute(
            "UPDATE streams SET cursor = ?, status = ?, fetched = fetched + ?, new = new + ?,"
            " duplicates = duplicates + ?, failed = failed + ?, pages = pages + 1,"
            " api_calls = api_calls + ?, rate_limit_wait_s = rate_limit_wait_s + ?,"
            " capped = capped OR ?, capped_at = COALESCE(?, capped_at), updated_at = ?,"
            " ended_short = ended_short OR ?, estimate = COALESCE(estimate, ?),"
            " sized = CASE WHEN estimate IS NULL AND ? IS NOT NULL THEN 1 ELSE sized END"
            " WHERE id = ?",
            (
                page.cursor,
                StreamStatus.COMPLETED if page.done else StreamStatus.RUNNING,
                page.fetched,
                new,
                len(rows) - new,
                len(page.failures),
                page.api_calls,
                page.wait_s,
                int(page.capped_at is not None),
                page.capped_at,
                page.at or at,
                int(page.ended_short),
                page.estimate,
                page.estimate,
                stream.id,
            ),
        )
        return PageResult(new, len(rows) - new)

    def add_stream_calls(self, stream_id: int, api_calls: int, wait_s: float) -> None:
        with self.transaction() as conn:
            conn.execute(
                "UPDATE streams SET api_calls = api_calls + ?, rate_limit_wait_s = "
                "rate_limit_wait_s + ? WHERE id = ?",
                (api_calls, wait_s, stream_id),
            )

    def last_page_at(self, run_id: str) -> str | None:
        """When ``run_id`` last committed a page with its checkpoint (ISO 8601, the latest
        ``updated_at`` of its streams that stored a page), or None when none did."""
        row = self.conn.execute(
            "SELECT MAX(updated_at) FROM streams WHERE run_id = ? AND pages > 0", (run_id,)
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def item_failures(self, run_id: str) -> list[tuple[int, str, str]]:
        return self.conn.execute(
            "SELECT stream_id, item_key, reason FROM item_failures WHERE run_id = ? ORDER BY id",
            (run_id,),
        ).fetchall()

    # -- reading observations ------------------------------------------------------------------

    def source_ids(self, workspace: str, run_id: str | None = None) -> list[str]:
        sql = "SELECT source_id FROM observations WHERE workspace_id = ?"
        args: tuple[Any, ...] = (workspace,)
        if run_id is not None:
            sql += " AND run_id = ?"
            args += (run_id,)
        return [row[0] for row in self.conn.execute(sql, args)]

    def count_run_observations(self, run_id: str) -> int:
        """How many observations the run ``run_id`` stored first (``observations.run_id``)."""
        return int(
            self.conn.execute(
                "SELECT count(*) FROM observations WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
        )

    def count_observations(self, workspace: str | None = None) -> int:
        if workspace is None:
            return int(self.conn.execute("SELECT count(*) FROM observations").fetchone()[0])
        return int(
            self.conn.execute(
                "SELECT count(*) FROM observations WHERE workspace_id = ?", (workspace,)
            ).fetchone()[0]
        )


def _sources(run: RunRecord) -> list[tuple[str, str]]:
    return [tuple(spec.split(":", 1)) for spec in run.sources]  # type: ignore[misc]


def upgrade_notes() -> list[str]:
    """One line per older mirror this process upgraded on opening it since the last call (and
    forgets them): its path, the schema versions, and that older versions of backfill-tui can
    no longer open it. Opening upgrades an older mirror once, even for a command that only
    reads (its schema must be this version's to be read); the CLI says so on stderr as the
    mirror opens (``cli.options.open_mirror``) or as the command ends, where it used to happen
    without a word (fresh testers' findings)."""
    taken = list(_UPGRADED)
    del _UPGRADED[: len(taken)]
    return [
        f"{APP}: upgraded {escaped(str(path))} from mirror schema {before} to {SCHEMA_VERSION} "
        f"(done once: this version reads only its own); older versions of {APP} can no longer "
        "open it"
        for path, before in taken
    ]
