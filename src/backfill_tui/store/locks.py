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
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import RunConflict
from .rows import now_iso

if TYPE_CHECKING:
    from .records import RunRecord

__all__ = ["RunLocks", "pid_running", "process_alive"]


def process_alive(pid: int, host: str, since: str | None = None) -> bool:
    """Whether the process that holds a lock still runs (on another host: assume it does).
    ``since``: when it took the lock (ISO 8601); a process of that id started later is
    another one (:func:`pid_running`)."""
    return host != socket.gethostname() or pid_running(pid, since)


def pid_running(pid: int, since: str | None = None) -> bool:
    """Whether process ``pid`` of this host exists (signal 0; another user's counts), is not a
    zombie, and, given ``since`` (ISO 8601, when the process we look for was known to run),
    started before it. A process id is reused (after a reboot, or a busy machine's wrap), and
    a killed child not yet waited for stays a zombie: either kept a crashed run "running" for
    good, its sources locked, and "stop it first" named an unrelated process (a fresh tester's
    finding). The start time and state are Linux's ``/proc/PID/stat``; elsewhere only
    existence is known."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started, state = _proc_start(pid)
    if state == "Z":
        return False
    if started is not None and since:
        try:
            known = datetime.fromisoformat(since).timestamp()
        except ValueError:
            return True
        return started <= known + _START_SLACK_S
    return True


#: Seconds a process may seem to have started after it took a lock: the lock's time and the
#: boot time are whole seconds, and the wall clock may have been stepped since (NTP). A process
#: id reused after a reboot started minutes or days after the lock.
_START_SLACK_S = 60.0


def _proc_start(pid: int) -> tuple[float | None, str | None]:
    """(start time in epoch seconds, state letter) of process ``pid`` from ``/proc``, or
    (None, None) where there is no ``/proc`` or it cannot be read (proc(5): fields 3 and 22
    of ``/proc/PID/stat``, the start in clock ticks since boot; ``btime`` in ``/proc/stat``)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()  # after "(comm)", which may hold ")"
        state, ticks = fields[0].decode(), int(fields[19])
        with open("/proc/stat", "rb") as whole:
            boot = next(int(line.split()[1]) for line in whole if line.startswith(b"btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK"), state
    except (OSError, ValueError, IndexError, StopIteration):
        return None, None


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
                "SELECT run_id, pid, host, acquired_at FROM run_locks"
                " WHERE workspace_id = ? AND source = ?",
                (workspace, source),
            ).fetchone()
            if row and row[0] != run_id and process_alive(row[1], row[2], row[3]):
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
        """A run marked running whose process is gone was interrupted (killed or crashed): as
        :func:`process_alive` says, by the time its process took the run's locks (a resume
        takes them again); with no lock of that process, by whether it exists."""
        if run.pid is None or run.host is None:
            return False
        taken = self.conn.execute(
            "SELECT MAX(acquired_at) FROM run_locks WHERE run_id = ? AND pid = ?",
            (run.id, run.pid),
        ).fetchone()
        return process_alive(run.pid, run.host, taken[0] if taken else None)
