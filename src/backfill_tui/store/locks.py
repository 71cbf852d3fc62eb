"""One run per (workspace, source) at a time, across processes: the ``run_locks`` table.

A mixin of :class:`~backfill_tui.store.Mirror` (``self.conn``, ``self.transaction``). A lock
whose process is gone (on this host) is taken over; one on another host is assumed alive.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from ..errors import RunConflict
from .rows import now_iso

if TYPE_CHECKING:
    from .records import RunRecord

__all__ = ["RunLocks", "pid_running", "process_alive"]


def process_alive(pid: int, host: str) -> bool:
    """Whether the process that holds a lock still runs (on another host: assume it does)."""
    return host != socket.gethostname() or pid_running(pid)


def pid_running(pid: int) -> bool:
    """Whether process ``pid`` of this host exists (signal 0; another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunLocks:
    """Taking and releasing a run's per-(workspace, source) locks."""

    conn: sqlite3.Connection

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def acquire(self, run_id: str, workspace: str, sources: Iterable[str]) -> None:
        """Take the per-(workspace, source) locks for a run, or refuse if a live run holds one."""
        with self.transaction() as conn:
            self._take_locks(conn, run_id, workspace, sources)

    @staticmethod
    def _take_locks(
        conn: sqlite3.Connection, run_id: str, workspace: str, sources: Iterable[str]
    ) -> None:
        me, host = os.getpid(), socket.gethostname()
        for source in sources:
            row = conn.execute(
                "SELECT run_id, pid, host FROM run_locks WHERE workspace_id = ? AND source = ?",
                (workspace, source),
            ).fetchone()
            if row and row[0] != run_id and process_alive(row[1], row[2]):
                raise RunConflict(
                    f"workspace '{workspace}' already has a backfill of {source} running "
                    f"(run {row[0]}, process {row[1]} on {row[2]}); wait for it to finish "
                    "or stop it first"
                )
            conn.execute(
                "INSERT OR REPLACE INTO run_locks VALUES (?,?,?,?,?,?)",
                (workspace, source, run_id, me, host, now_iso()),
            )

    def release(self, run_id: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM run_locks WHERE run_id = ?", (run_id,))

    def run_is_live(self, run: RunRecord) -> bool:
        """A run marked running whose process is gone was interrupted (killed or crashed)."""
        return run.pid is not None and run.host is not None and process_alive(run.pid, run.host)
