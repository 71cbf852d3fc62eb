"""Saying what a PostgreSQL export waits for: a lock another session holds.

An export's statement that waits on a lock (the target table locked by an open transaction in
``psql``, the workspace's advisory lock held by another export) left the command silent for as
long as the other session kept it (a fresh tester's finding; an Inngest server that says
nothing is said after 5 s, ``event_api.SILENCE_NOTICE_S``). While an export runs with a face
listening (``ExportTarget.on_retry``), :class:`LockWatch` looks every :data:`POLL_S` seconds,
once the export has gone :data:`SILENCE_NOTICE_S` seconds, on a short connection of its own,
for a session of this export waiting on a lock (``pg_stat_activity.wait_event_type = 'Lock'``)
and asks the server which sessions block it (``pg_blocking_pids``, PostgreSQL 9.6+); the face
is told once per wait (a :class:`~.target.LockWait`). A quick export never opens it.

It also stops the export's statements when asked to (``ExportTarget.stop_when``: the app's
escape, its quit): a statement waiting on a lock blocks its thread in the driver, so an app
quitting during a waiting dry run left a blank screen and a live process until the lock went
(a fresh tester's finding). Within :data:`POLL_S` of ``stop()`` turning true, each session's
statement is cancelled on the server (``Connection.cancel_safe``, libpq's cancel request),
which ends it with ``QueryCanceled``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg

from .target import LockWait, SendNotice

__all__ = ["POLL_S", "SILENCE_NOTICE_S", "LockWatch"]

log = logging.getLogger("backfill_tui.export.pg_waits")

#: Seconds a statement waits on a lock before that is said.
SILENCE_NOTICE_S = 5.0
#: Seconds between two looks.
POLL_S = 1.0

#: Sessions of ours waiting on a lock for long enough, each with a session blocking it: the
#: waiting pid, when its statement began, then the blocker's pid, application name, state and
#: seconds in its transaction (NULL where the server hides another role's session).
_WAITING = """
SELECT w.pid, w.query_start, b.pid, b.application_name, b.state,
       extract(epoch FROM now() - coalesce(b.xact_start, b.query_start))::float8
FROM pg_stat_activity AS w
CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS x(pid)
JOIN pg_stat_activity AS b ON b.pid = x.pid
WHERE w.pid = ANY(%s) AND w.wait_event_type = 'Lock'
  AND w.query_start <= now() - make_interval(secs => %s)
ORDER BY w.pid, b.pid
"""


class LockWatch:
    """Watches the sessions :meth:`add`\\ ed until :meth:`stop`: tells ``told`` (if any) of
    each wait on a lock once, and cancels their statements once ``cancel()`` (if any) is true.
    ``conninfo`` reaches the same database, ``where`` names it as the export's lines do
    (``PostgreSQL at HOST:PORT/DB``, never the password). Its own connection is made only when
    the export has gone :data:`SILENCE_NOTICE_S` with a face told; when it cannot be made,
    nothing is said (the export goes on as before)."""

    def __init__(
        self,
        conninfo: str,
        where: str,
        told: Callable[[SendNotice], object] | None,
        cancel: Callable[[], bool] | None = None,
    ) -> None:
        self._conninfo, self._where, self._told, self._cancel = conninfo, where, told, cancel
        self._sessions: list[psycopg.Connection[Any]] = []
        self._said: set[tuple[int, Any]] = set()
        self._started = time.monotonic()
        #: The export's statements were cancelled on request (``cancel()`` turned true).
        self.cancelled = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="pg-lock-watch", daemon=True)
        self._thread.start()

    def add(self, conn: psycopg.Connection[Any]) -> None:
        """Watch ``conn``'s session too (the export's main one, its merge's, a second)."""
        self._sessions.append(conn)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=POLL_S + 5)

    def _watch(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        try:
            while not self._stop.wait(POLL_S):
                if self._cancel is not None and not self.cancelled and self._cancel():
                    self._cancel_statements()
                if self._told is None or self.cancelled or not self._sessions:
                    continue
                if time.monotonic() - self._started < SILENCE_NOTICE_S:
                    continue
                if conn is None:
                    conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
                pids = sorted({s.info.backend_pid for s in self._sessions if not s.closed})
                rows = conn.execute(_WAITING, (pids, SILENCE_NOTICE_S)).fetchall()
                self._say(rows)
        except psycopg.Error as exc:  # a look it cannot take: the export itself goes on
            log.info("could not look for lock waits at %s: %s", self._where, type(exc).__name__)
        finally:
            if conn is not None:
                conn.close()

    def _cancel_statements(self) -> None:
        """Cancel what each watched session is running (a statement waiting on a lock); a
        session with nothing running ignores it."""
        self.cancelled = True
        for session in list(self._sessions):
            if not session.closed:
                with contextlib.suppress(psycopg.Error):
                    session.cancel_safe(timeout=5)

    def _say(self, rows: list[tuple[Any, ...]]) -> None:
        """Tell of each wait not told yet: (waiting pid, its statement's start) once."""
        holders: dict[tuple[int, Any], list[tuple[int, str, str, float | None]]] = {}
        for pid, since, blocker, app, state, seconds in rows:
            holders.setdefault((pid, since), []).append((blocker, app or "", state or "", seconds))
        for key, found in holders.items():
            if key in self._said or self._stop.is_set():
                continue
            self._said.add(key)
            waited = time.monotonic() - self._started
            if self._told is not None:
                self._told(LockWait(self._where, waited, tuple(found)))
