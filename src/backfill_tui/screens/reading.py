"""The screens' read connection to the mirror, for their workers (``@work(thread=True)``).

Store reads behind screens (search, the runs list, diff, the export preview, an observation's
detail, the day chart) run in thread workers and come back as messages, so the UI's loop never
waits on SQLite. They share one read-only connection, opened on first use and used by one
thread at a time (a lock); the run writes through its own connection on its own thread
(``engine.background``), and the mirror's WAL lets readers see each committed page.

SQLite's refusals inside a read become the CLI's lines (``store.failures.translate``): a damaged
page met by the day chart's count said "internal error (DatabaseError)" where the CLI says the
mirror is corrupt and names ``backfill-tui verify`` (a fresh tester's finding).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..engine.mirror import Mirror, said_as_lines, text_shown

__all__ = ["MirrorReader"]


class MirrorReader:
    """``with reader() as mirror:`` a read-only connection to ``mirror``
    (``Mirror.another_connection``), held by the calling thread until the block ends. A
    ``sqlite3.Error`` raised in the block leaves it as the ``BackfillError`` the CLI would say
    (``store.failures.said_as_lines``: ``MirrorCorrupt`` naming ``verify``, ``FileLocked``, ...)."""

    def __init__(self, mirror: Mirror) -> None:
        self.source = mirror
        self._lock = threading.Lock()
        self._mirror: Mirror | None = None

    @contextmanager
    def __call__(self) -> Iterator[Mirror]:
        with self._lock:
            if self._mirror is None:
                self._mirror = self.source.another_connection(readonly=True)
                # One text that is not UTF-8 (a hand edit in any column, say `source`) failed
                # every query that read it: the observations list, the day chart, the facets
                # (a fresh tester's finding). Shown with U+FFFD instead; pages are small.
                self._mirror.conn.text_factory = text_shown
            with said_as_lines(self.source.path):
                yield self._mirror

    def close(self) -> None:
        with self._lock:
            if self._mirror is not None:
                self._mirror.close()
                self._mirror = None
