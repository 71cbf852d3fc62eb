"""Progress events: what the engine tells any face (headless display, Textual app, tests).

Events are small frozen dataclasses carrying cumulative counters, so a face that drops or
coalesces some still shows the truth from the next one. The engine never imports a face.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..terms import RunStatus, StreamCounters, StreamStatus

__all__ = [
    "BudgetLeft",
    "MirrorWait",
    "PageStored",
    "ProgressEvent",
    "RateLimitWait",
    "RequestRetry",
    "RunFinished",
    "RunStarted",
    "SourceCalls",
    "StreamCounters",
    "StreamFinished",
    "StreamStarted",
    "TokenLeft",
]


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    workspace: str
    since: str
    streams: tuple[str, ...]  # stream keys "provider:target/entity"
    #: Notes said as the run starts, each once: sources sharing production's sourceIds
    #: (``engine/shared_ids.py``), a replay's recording that masked text (``masked_note``).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BudgetLeft:
    """One rate-limit budget of a source as the last answer reported it.

    ``name`` is ``requests`` (every provider) or ``complexity`` (Linear's complexity points).
    """

    name: str
    remaining: int
    limit: int


@dataclass(frozen=True)
class TokenLeft:
    """One token of a source given several (issue 14), by fingerprint (``tok:`` + 8 hex, never
    the token): the calls sent with it so far, its request budget as its last answer reported
    it (None before its first answer), and whether a 401 dropped it from the rotation."""

    fingerprint: str
    calls: int
    remaining: int | None
    limit: int | None
    dropped: bool = False


@dataclass(frozen=True)
class PageStored:
    run_id: str
    stream: str
    counters: StreamCounters
    page_new: int
    page_duplicates: int
    quota_remaining: int | None = None
    quota_limit: int | None = None
    #: Every budget the provider reports (Linear: requests and complexity), as last seen.
    budgets: tuple[BudgetLeft, ...] = ()
    #: A source given several tokens: calls and quota per token, as last seen (else empty).
    tokens: tuple[TokenLeft, ...] = ()
    #: Items the stream is expected to hold (its estimate, or one judged from its first page
    #: when it had none); None: not known. On every page, as the latest is what a face keeps.
    estimate: int | None = None


@dataclass(frozen=True)
class RateLimitWait:
    run_id: str
    source: str
    stream: str | None
    until: float  # epoch seconds on the run's clock
    seconds: float
    reason: str


@dataclass(frozen=True)
class SourceCalls:
    """``source``'s own lookup (GitHub's repository, Sentry's project, ...) made ``api_calls``
    requests, retries included: not a stream's, so a face adds them to the run's total as the
    summary and the report do (the dashboard said 24 calls where they said 30: a tester's
    finding)."""

    run_id: str
    source: str
    api_calls: int


@dataclass(frozen=True)
class StreamStarted:
    """``stream`` began: its first request (or its source's lookup) is on its way. A face shows
    it running from here, as the mirror does, not pending until its first page is stored (the
    live table said "pending" while a slow first answer was in flight: a tester's finding)."""

    run_id: str
    stream: str


@dataclass(frozen=True)
class RequestRetry:
    """A request of ``stream`` (None: the source's own lookup) is tried again after an error:
    ``problem`` as the log words it (a slow answer past the whole-request deadline, a 5xx),
    ``attempt`` the try now going (2 for the first retry) of at most ``attempts``. Until the
    stream's next page or its end, a face shows it as retrying (a slow answer was retried
    only in the log file, the live table showing "pending" for minutes: a tester's finding)."""

    run_id: str
    source: str
    stream: str | None
    attempt: int
    attempts: int
    problem: str

    def line(self) -> str:
        """The one line every face shows for it (without the stream or source)."""
        return f"retrying after {self.problem} (try {self.attempt} of {self.attempts})"


@dataclass(frozen=True)
class StreamFinished:
    run_id: str
    stream: str
    status: StreamStatus  # completed | failed | cancelled | interrupted (the mirror stopped it)
    counters: StreamCounters
    error: str | None = None
    capped: bool = False
    #: A plain line about an ordinary state the stream met (an empty repository): not a failure.
    note: str | None = None
    #: The source's budgets as its last answer reported them, as on :class:`PageStored`: a
    #: stream that stored no page (a re-sync's 304 Not Modified, a failure) still says them.
    quota_remaining: int | None = None
    quota_limit: int | None = None
    budgets: tuple[BudgetLeft, ...] = ()
    tokens: tuple[TokenLeft, ...] = ()


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    status: RunStatus  # completed | partial | failed | cancelled | interrupted (as above)


@dataclass(frozen=True)
class MirrorWait:
    """The run has waited ``seconds`` (so far) to write to the mirror: another process holds
    its write lock (``holders``: their pids where the platform tells, else empty). The run goes
    on when the lock is free, or stops with "the mirror is locked" after ``limit`` seconds."""

    run_id: str
    seconds: float
    limit: float
    holders: tuple[int, ...] = ()

    def line(self) -> str:
        """The one line every face shows for it."""
        who = (
            f"another process holds its write lock (process {', '.join(map(str, self.holders))})"
            if self.holders
            else "another process may hold its write lock"
        )
        return (
            f"waiting for the mirror: {who}; the run goes on when it is free, "
            f"or stops if it is still locked after {self.limit:.0f} s"
        )


ProgressEvent = (
    RunStarted
    | SourceCalls
    | StreamStarted
    | PageStored
    | RateLimitWait
    | RequestRetry
    | MirrorWait
    | StreamFinished
    | RunFinished
)
