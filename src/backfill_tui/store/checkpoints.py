"""While a run writes, the WAL is copied into the mirror's file on a thread of its own.

A run's writer connection lets the WAL grow (``mirror.RUN_WAL_AUTOCHECKPOINT``) and
checkpoints it once at the end (``Mirror.run_writes``), so all of a run's pages were synced
and copied after its last page, while nothing else went on: the WAL's ``fdatasync``, the copy
into the file, the file's ``fdatasync``, about 45 ms of a four-provider replay's half second
(12 MB of mirror, bench/replay.py). :class:`BackgroundCheckpoints` runs a ``PASSIVE``
checkpoint on a connection of its own every ``EVERY_ROWS`` observations committed, while the
event loop reads and transforms the next pages: SQLite copies and syncs without the GIL, and a
``PASSIVE`` checkpoint takes no lock that a writer waits on (sqlite.org/wal.html,
"Concurrency"; sqlite.org/c3ref/wal_checkpoint_v2.html). The end's checkpoint then copies only
the pages committed since the last one.

Durability and what is stored are unchanged: a commit is durable in the WAL as before
(``synchronous=NORMAL``), and a checkpoint copies only committed pages into the file.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress
from pathlib import Path

__all__ = ["BackgroundCheckpoints"]


class BackgroundCheckpoints:
    """A thread that checkpoints the WAL of the mirror at ``path`` once ``EVERY_ROWS``
    observations have been committed since its last checkpoint (:meth:`committed`). One
    checkpoint at a time: rows committed while one runs are copied by the next. Nothing waits
    on a timer. SQLite's refusals are ignored: the run's end checkpoints the WAL again.
    """

    #: Observations committed between two checkpoints (about 3 MB of WAL: ten pages of 100
    #: items). After every commit, each checkpoint copied the same index pages back into the
    #: file again: 13% more CPU on a 50,000-item replay (bench/pipeline.py).
    EVERY_ROWS = 1000

    def __init__(self, path: Path) -> None:
        """Connect to the mirror at ``path`` (opened and migrated already: nothing is checked
        or created) and start the thread; raises ``sqlite3.Error`` if SQLite refuses."""
        self._conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
        self._rows = 0  # committed since the last checkpoint was asked for (writer thread)
        self._changed = threading.Condition()
        self._asked = 0  # checkpoints asked for, and run, so far (under _changed)
        self._done = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="mirror-checkpoints", daemon=True)
        self._thread.start()

    def committed(self, rows: int) -> None:
        """``rows`` observations were committed (by the one writing thread): once
        ``EVERY_ROWS`` have been since the last checkpoint was asked for, ask for one."""
        self._rows += rows
        if self._rows < self.EVERY_ROWS:
            return
        self._rows = 0
        with self._changed:
            self._asked += 1
            self._changed.notify_all()

    def settle(self) -> None:
        """Return once every checkpoint asked for so far has run (or the thread stopped)."""
        with self._changed:
            self._changed.wait_for(lambda: self._done >= self._asked or self._stopping)

    def _loop(self) -> None:
        try:
            while True:
                with self._changed:
                    self._changed.wait_for(lambda: self._stopping or self._done < self._asked)
                    if self._stopping:
                        return
                    asked = self._asked
                with suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                with self._changed:
                    self._done = asked
                    self._changed.notify_all()
        finally:
            self._conn.close()

    def stop(self) -> None:
        """End the thread, after the checkpoint it is running if any (one asked for and not
        begun is left to the run's end), and close its connection."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join()
