"""A destination of an export, as the walk (``common.py``) drives it, and the export's errors.

:class:`ExportTarget` is what Postgres (``postgres.py``) and Inngest (``inngest.py``) implement:
say which rows it already holds, make a row ready to send (or refuse it), send a batch.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import EXIT_INCOMPLETE, BackfillError
from ..store.exports import ObservationRow

__all__ = [
    "COUNTED",
    "ExportError",
    "ExportFailed",
    "ExportTarget",
    "LockWait",
    "Prepared",
    "RetryNotice",
    "SendNotice",
    "Sent",
    "Stopped",
    "WaitNotice",
]


class ExportError(BackfillError):
    """An export could not start: bad input, found before anything was sent; one line, no
    secret (exit status 2)."""


class ExportFailed(ExportError):
    """The destination failed after the input was accepted (a dropped connection, a server
    that keeps failing, a refused key); one line with the reason (exit status 1)."""

    exit_status = EXIT_INCOMPLETE


@dataclass(frozen=True)
class Prepared:
    """One observation made ready for a destination: the cleaned row, what is sent for it
    (Postgres: a tuple of column texts; Inngest: the encoded event) and its size in bytes
    where the destination limits request bytes (0 elsewhere)."""

    row: ObservationRow
    payload: Any
    size: int = 0


@dataclass
class Sent:
    """What a destination did with one batch."""

    delivered: list[ObservationRow]
    present: int = 0  #: rows it turned out to hold already (another writer got there first)
    refused: list[tuple[str, str]] = field(default_factory=list)  #: (sourceId, reason)
    changes: list[str] = field(default_factory=list)  #: values changed while sending


#: A row a dry run found storable as it stands and only counts (see ``walk.walk``).
COUNTED = Prepared(row=None, payload=None)  # type: ignore[arg-type]


@dataclass(frozen=True)
class RetryNotice:
    """A request about to be tried again: what the endpoint did, which retry comes, and after
    how long (seconds). :meth:`line` says it as the log and the faces do."""

    #: ``Inngest at HOST[:PORT]`` (never the key).
    where: str
    #: What the last try met: ``answered 429: slow down``, ``could not connect``
    #: (redacted).
    problem: str
    #: This retry's number (1 for the first retry) and how many retries there are at most.
    retry: int
    retries: int
    #: Seconds until the retry.
    wait_s: float

    def line(self) -> str:
        """``Inngest at H answered 429: slow down; retry 1 of 5 in 3.0s``"""
        return (
            f"{self.where} {self.problem}; retry {self.retry} of {self.retries} in "
            f"{self.wait_s:.1f}s"
        )


@dataclass(frozen=True)
class WaitNotice:
    """A request under way that has had no answer for a while: a server that takes the
    connection and says nothing left the command silent for its whole timeout, then a retry
    line (a fresh tester's finding). Said once per request. :meth:`line` says it as the log and
    the faces do."""

    #: ``Inngest at HOST[:PORT]`` (never the key).
    where: str
    #: Seconds since the request was started.
    waited_s: float
    #: Seconds of silence after which the request is given up (and retried, if tries are left).
    timeout_s: float
    #: Which try this request is, of how many the retry policy makes: "gives up after 30s"
    #: read as the whole command's limit, which went on for six such tries (3 min 11 s against
    #: a server that never answers: a fresh tester's finding).
    attempt: int = 1
    attempts: int = 1

    def line(self) -> str:
        """``waiting for Inngest at H: no answer after 5s (try 1 of 6, each given up after 30s
        of silence)``; a single try: ``(given up after 30s of silence)``."""
        limit = f"given up after {self.timeout_s:.0f}s of silence"
        tries = (
            f"try {self.attempt} of {self.attempts}, each {limit}" if self.attempts > 1 else limit
        )
        return f"waiting for {self.where}: no answer after {self.waited_s:.0f}s ({tries})"


class Stopped(ExportError):
    """Sending was asked to stop (``ExportTarget.stop_when``: escape, a quit) while a request
    was retried (Inngest) or a statement waited (Postgres): no more tries. What was delivered
    before stays delivered and recorded."""


@dataclass(frozen=True)
class LockWait:
    """A statement of a PostgreSQL export waits on a lock other sessions hold (``holders``:
    each one's pid, application name, state, and seconds in its transaction, empty or None
    where the server hides another role's session): the command sat silent for as long as they
    kept it (a fresh tester's finding). Said once per wait (``export/pg_waits.py``)."""

    #: ``PostgreSQL at HOST:PORT/DB`` (never the password).
    where: str
    #: Seconds since the export began.
    waited_s: float
    holders: tuple[tuple[int, str, str, float | None], ...]

    def line(self) -> str:
        """``waiting for PostgreSQL at H: a lock held by another session (pid 4242, psql, idle
        in transaction for 95s); the export goes on once that session commits or ends``."""
        pid, app, state, seconds = self.holders[0]
        facts = [f"pid {pid}"] + [fact for fact in (app, state) if fact]
        if seconds is not None and state:
            facts[-1] += f" for {seconds:.0f}s"
        more = f" and {len(self.holders) - 1} more" if len(self.holders) > 1 else ""
        return (
            f"waiting for {self.where}: a lock held by another session ({', '.join(facts)}){more};"
            " the export goes on once that session commits or ends"
        )


#: What a face is told while a batch waits: a retry coming, an answer slow in coming, or a
#: lock another session holds.
SendNotice = RetryNotice | WaitNotice | LockWait


class ExportTarget(abc.ABC):
    """A destination: opened for a plan (read-only) or for an apply, then closed."""

    kind: str = ""
    #: Why a skipped observation is skipped, in the user's words.
    skip_reason: str = ""
    #: Whether :meth:`present` needs the mirror's ledger (Inngest) or asks the target (Postgres).
    uses_ledger: bool = False
    #: Whether an apply may walk the mirror ahead of the sends, in another thread (see
    #: ``walk.steps``): :meth:`present` and :meth:`prepare` are then called from that
    #: thread while :meth:`send` runs, and must not depend on the ledger or on earlier sends.
    read_ahead: bool = False
    #: At most this many rows, and (where not None) this many bytes of payload, per send.
    max_batch_rows: int = 500
    max_batch_bytes: int | None = None
    #: Whether :meth:`holds_all` can tell cheaply that every sourceId is held (``presence.py``).
    presence: bool = False

    @property
    @abc.abstractmethod
    def target_id(self) -> str:
        """Names the destination without secrets (known once opened)."""

    @abc.abstractmethod
    def open(self, *, apply: bool) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    @abc.abstractmethod
    def present(self, workspace: str, source_ids: Sequence[str], recorded: set[str]) -> set[str]:
        """Which of ``source_ids`` (cleaned, see ``values.py``) the destination already holds;
        ``recorded`` is what the mirror's ledger says among them (only if :attr:`uses_ledger`).
        Successive calls of one walk get successive chunks of the mirror's sourceIds in
        ascending byte order (apart from the rare id cleaning changed)."""

    def holds_all(self, workspace: str, count: int, source_ids: Iterable[list[str] | None]) -> bool:
        """Whether the destination holds, for ``workspace``, every one of the ``count``
        distinct sourceIds that ``source_ids`` yields in chunks (the mirror's: the workspace's,
        or one run's), by the same equality :meth:`present` uses, whatever else it holds. A
        None chunk holds an id the export would clean: the answer is then False, as it is
        wherever the destination cannot tell (``presence.py``). Called, where
        :attr:`presence`, once per walk before :meth:`present`; raises :class:`ExportError`
        when the destination fails."""
        return False

    @abc.abstractmethod
    def prepare(
        self, workspace: str, row: ObservationRow, *, checked: bool = False
    ) -> tuple[Prepared, list[str]]:
        """``row`` (already cleaned) made ready to send, and any further values changed to fit
        the destination; raises :class:`~backfill_tui.export.values.Refused` if it cannot be
        held at all. ``checked``: SQLite already found every text within :meth:`limits`."""

    def limits(self) -> dict[str, int]:
        """The most characters each text column holds (Postgres: varchar(n)); none by default."""
        return {}

    def check(self, workspace: str) -> None:
        """Raises :class:`ExportError` if the destination cannot take this workspace's rows at
        all (Postgres: a workspace_id too long, or missing where a foreign key points)."""
        return None

    def prepare_schema(self) -> None:
        """Called once by an apply before the first batch (Postgres: ``--create-schema``)."""
        return None

    @abc.abstractmethod
    def send(self, workspace: str, batch: Sequence[Prepared]) -> Sent:
        """Deliver one batch; raises :class:`ExportError` when the destination fails."""

    def stop_when(self, stop: Callable[[], bool]) -> None:
        """Let a batch being retried end early once ``stop()`` is true (a quit), raising
        :class:`Stopped` from :meth:`send`; by default a batch
        is sent to its end (Postgres: one transaction)."""
        return None

    def on_retry(self, told: Callable[[SendNotice], object]) -> None:
        """Have ``told`` called before each wait for a retry of a batch (Inngest: a 429, a 5xx
        or no answer; a :class:`RetryNotice`) and when a request has had no answer for a few
        seconds (a :class:`WaitNotice`), so a face can say why nothing moves; by default
        nothing is retried or waited for."""
        return None

    def plan_details(self) -> dict[str, Any]:
        """Target-specific facts for the plan (e.g. that the table would be created)."""
        return {}

    def stats(self) -> dict[str, Any]:
        """Target-specific counters for the result (e.g. HTTP requests and retries)."""
        return {}
