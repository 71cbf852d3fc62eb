"""A run as a live face shows it: per-stream and per-source state folded from progress events.

The terminal app subscribes an :class:`EventBuffer` to the engine (appending is all the
engine's callback costs; the run goes on its own thread, so the buffer is thread-safe) and, a few
times a second, drains it on the UI's thread into a :class:`RunProgress`,
which the dashboard renders. Counters in events are cumulative, so the buffer keeps only the
latest :class:`~progress.PageStored` per stream. No Textual here; times come from the caller.

Past 400 lines on purpose: the buffer, the folded state (runs, sources, streams) and the log
lines it words are one model, read together by the dashboard and kept in step by one fold.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from ..store import RunRecord, StreamRecord
from ..terms import (
    STREAM_FINISHED,
    RunStatus,
    StreamCounters,
    StreamStatus,
    plural,
    shown_stream_status,
)
from ..textsafe import clean
from . import progress as ev

__all__ = [
    "EventBuffer",
    "RunProgress",
    "SourceState",
    "StreamState",
    "run_seconds",
    "source_of",
]

FINISHED = STREAM_FINISHED


def source_of(stream_key: str) -> str:
    """``github:acme/rocket`` from ``github:acme/rocket/pull_request``."""
    return stream_key.rsplit("/", 1)[0]


def clock_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%H:%M:%S")


@dataclass
class StreamState:
    key: str
    entity: str
    status: StreamStatus = StreamStatus.PENDING
    counters: StreamCounters = field(default_factory=StreamCounters)
    total: int | None = None  # the estimate
    error: str | None = None
    capped: bool = False
    #: A plain line about an ordinary state (an empty repository): shown, not a failure.
    note: str | None = None
    #: Pages it had stored when this stretch of the run began (the ETA's pace counts only
    #: this stretch's pages).
    pages_at_start: int = 0
    #: ``total`` was judged from the stream's own first page, no estimate made before it
    #: (``StreamRecord.sized``): a stopped stream is said by its count, not a share of it.
    sized: bool = False

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def shown_status(self) -> StreamStatus:
        """The status a face shows (``terms.shown_stream_status``: ``capped`` for a stream the
        per-stream limit stopped)."""
        return shown_stream_status(self.status, capped=self.capped)

    def bar(self) -> tuple[float | None, float]:
        """(total, progress) for a progress bar; total None means indeterminate (animated),
        which only a stream that is running right now gets."""
        done = self.counters.fetched
        if self.status == StreamStatus.COMPLETED:
            return float(max(done, 1)), float(max(done, 1))
        if self.total is None:
            if self.status == StreamStatus.RUNNING:
                return None, float(done)
            return float(max(done, 1)), float(done)
        return float(max(self.total, done, 1)), float(done)


@dataclass
class SourceState:
    source: str
    streams: list[str] = field(default_factory=list)
    quota_remaining: int | None = None
    quota_limit: int | None = None
    #: Every budget the provider reports, by name: (remaining, limit). Linear adds "complexity".
    budgets: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: A source given several tokens: calls and quota per token (by fingerprint), as last seen.
    tokens: tuple[ev.TokenLeft, ...] = ()
    wait_until: float | None = None
    wait_reason: str = ""
    #: Requests of the source's own lookup, not of a stream (``SourceCalls``): in the totals.
    setup_calls: int = 0

    def waiting(self, now: float) -> bool:
        return self.wait_until is not None and now < self.wait_until

    def take_budgets(self, event: ev.PageStored | ev.StreamFinished) -> None:
        """The budgets an event reports; one that reports none keeps the last known (a
        re-sync's streams answered 304 store no page, and the quota went with them)."""
        if event.quota_remaining is not None:
            self.quota_remaining = event.quota_remaining
            self.quota_limit = event.quota_limit
        for budget in event.budgets:
            self.budgets[budget.name] = (budget.remaining, budget.limit)
        if event.tokens:
            self.tokens = event.tokens


class RunProgress:
    """Everything the dashboard shows about one run, updated from events."""

    def __init__(
        self,
        run: RunRecord,
        streams: Iterable[StreamRecord],
        started_at: float,
        totals: dict[str, int] | None = None,
    ) -> None:
        self.run = run
        self.started_at = started_at
        self.finished_at: float | None = None
        #: Seconds the run went in its earlier stretches shown here (before a retry): elapsed
        #: time goes on from them (it started over at 00:00 on a retry: a tester's finding).
        self.earlier_s = 0.0
        #: A stretch before this one was shown (a retry): the dashboard then gives this
        #: stretch's time beside the whole (an earlier stretch may have taken under a second).
        self.retried = False
        self.status: RunStatus = run.status
        self.streams: dict[str, StreamState] = {}
        self.sources: dict[str, SourceState] = {}
        self.log: list[str] = []
        self.version = 0  # bumped on every change, so a face redraws only when needed
        totals = totals or {}
        for record in streams:
            state = StreamState(
                record.key,
                record.entity,
                record.status,
                record.counters,
                totals.get(record.key, record.estimate),  # a resumed run keeps its estimate
                record.error,
                record.capped,
                clean(record.note) if record.note else None,
                sized=record.key not in totals and record.sized,
            )
            self.streams[record.key] = state
            self.sources.setdefault(record.source, SourceState(record.source)).streams.append(
                record.key
            )

        self._start_stretch()
        span = stored_span(run)
        if span is not None:  # a finished run: its own duration, not time since it was opened
            self.started_at, self.finished_at = span
        # A resumed run: its spans before the latest (``RunRecord.ran_s``) count in its time,
        # which is given beside the latest's, as after a retry here.
        self.earlier_s = max(0.0, run.ran_s)
        self.retried = run.resumed_at is not None

    def recall_quotas(self, sources: Iterable[Mapping[str, Any]]) -> None:
        """From the mirror's ``run_sources`` rows (provider, target, api_calls, quota_remaining,
        quota_limit): the calls each source's own lookup made so far (read as the run is opened,
        before the events of a resume add more), and the quota it last reported, for a source
        with none seen yet: a reopened run, or a resumed one whose streams of that source were
        all done, showed none (a fresh tester's finding)."""
        for row in sources:
            state = self.sources.get(f"{row['provider']}:{row['target']}")
            if state is not None and row.get("api_calls"):  # its lookup's calls so far
                state.setup_calls = int(row["api_calls"])
                self.version += 1
            remaining = row.get("quota_remaining")
            if state is not None and remaining is not None and state.quota_remaining is None:
                state.quota_remaining, state.quota_limit = remaining, row.get("quota_limit")
                self.version += 1

    def begin(self, now: float) -> None:
        """A (re)start of the run at ``now``: the ETA's rate starts over; elapsed time goes on
        from the stretch shown before, if any (:attr:`earlier_s`)."""
        self.version += 1
        if self.finished_at is not None:
            self.earlier_s += max(0.0, self.finished_at - self.started_at)
            self.retried = True
        self.started_at = now
        self.finished_at = None
        self.status = RunStatus.RUNNING
        self._start_stretch()

    def _start_stretch(self) -> None:
        """A stretch of the run begins: each stream's pace counts its pages from here."""
        for stream in self.streams.values():
            stream.pages_at_start = stream.counters.pages

    def settle(self, run: RunRecord) -> None:
        """``run`` (as the mirror holds it) has ended: its elapsed time becomes the one the
        mirror holds, which reopening it, ``runs`` and the summary give
        (:func:`run_seconds`): its spans before its latest (``ran_s``) and its latest, from its
        start or resume to its ``finished_at`` (its end, or the stop a lock kept out until
        then: ``Mirror.end_span``), in the whole seconds runs are stored in. This face's clock
        counts fractions of a second, so the two rounded apart: ``completed 00:09`` here and
        ``00:08`` in ``runs`` (a fresh tester's finding). A replay runs on its recording's
        clock (``clock.ReplayClock``: the recorded run's instants, its waits not waited), so
        the seconds this face watched it were not the run's at all: it showed 00:01 at its end
        and 00:10 once reopened (a tester's finding). A run with no end stored (the mirror
        still locked) keeps the time as shown."""
        if not run.finished_at or not span_start(run):
            return
        try:
            start = datetime.fromisoformat(span_start(run)).timestamp()
            end = datetime.fromisoformat(run.finished_at).timestamp()
        except ValueError:
            return
        if end < start:
            return
        self.version += 1
        self.started_at, self.finished_at = start, end
        self.earlier_s = max(0.0, run.ran_s)
        self.retried = run.resumed_at is not None

    def mark_interrupted(
        self, last_page_at: str | None = None, *, reason: str | None = None
    ) -> None:
        """The run's process is gone: it and its unfinished streams show ``interrupted``
        (nothing of it is running, so nothing animates). ``last_page_at``: when it last
        committed a page with its checkpoint (``Mirror.last_page_at``, on the run's own clock);
        given, its elapsed time is from its ``started_at`` to then, the time it is known to have
        run (it showed 00:00 when opened: a tester's finding). A kill leaves no end time.
        ``reason``: the line the run stopped with (the mirror locked by another process), the
        reason of each stream it interrupted that has none: the rows said "interrupted" and the
        reason was only in the log, the mirror having refused to store it (a fresh tester's
        finding)."""
        self.version += 1
        if last_page_at is not None and span_start(self.run):
            try:
                start = datetime.fromisoformat(span_start(self.run)).timestamp()
                end = datetime.fromisoformat(last_page_at).timestamp()
            except ValueError:
                pass
            else:  # a last page before its latest span began: that span ran for no page
                self.started_at, self.finished_at = start, max(start, end)
        self.status = RunStatus.INTERRUPTED
        for stream in self.streams.values():
            stream.status = shown_stream_status(stream.status, run_gone=True)
            if reason and stream.status == StreamStatus.INTERRUPTED and not stream.error:
                stream.error = clean(reason)
        for source in self.sources.values():  # no countdown: nothing will resume at its end
            source.wait_until = None

    # -- folding events ------------------------------------------------------------------------

    def _stream(self, key: str) -> StreamState:
        if key not in self.streams:
            self.streams[key] = StreamState(key, key.rsplit("/", 1)[-1])
            self.sources.setdefault(source_of(key), SourceState(source_of(key))).streams.append(key)
        return self.streams[key]

    def apply(self, event: ev.ProgressEvent, now: float) -> None:
        self.version += 1
        if isinstance(event, ev.RunStarted):
            self.status = RunStatus.RUNNING
            self.finished_at = None
            for key in event.streams:
                stream = self._stream(key)
                stream.status, stream.error = StreamStatus.PENDING, None
            self._log(
                now,
                f"run {event.run_id}: {plural(len(event.streams), 'stream')} since {event.since}",
            )
            for note in event.notes:  # sources sharing production's sourceIds
                self._log(now, f"note: {clean(note)}")
        elif isinstance(event, ev.SourceCalls):
            self.sources.setdefault(
                event.source, SourceState(event.source)
            ).setup_calls += event.api_calls
        elif isinstance(event, ev.StreamStarted):
            stream = self._stream(event.stream)
            if stream.status == StreamStatus.PENDING:
                stream.status = StreamStatus.RUNNING
        elif isinstance(event, ev.PageStored):
            stream = self._stream(event.stream)
            stream.status, stream.counters = StreamStatus.RUNNING, event.counters
            if stream.total is None:  # judged from its first page: a run begun without one
                stream.total = event.estimate
                stream.sized = event.estimate is not None
            source = self.sources[source_of(event.stream)]
            source.take_budgets(event)
            if source.wait_until is not None and now >= source.wait_until:
                source.wait_until = None
        elif isinstance(event, ev.RateLimitWait):
            source = self.sources.setdefault(event.source, SourceState(event.source))
            source.wait_until, source.wait_reason = event.until, clean(event.reason)
            self._log(
                now,
                f"{event.source}: {source.wait_reason}, resuming at {clock_time(event.until)}",
            )
        elif isinstance(event, ev.RequestRetry):
            self._log(now, f"{event.stream or event.source}: {event.line()}")
        elif isinstance(event, ev.MirrorWait):
            self._log(now, event.line())
        elif isinstance(event, ev.StreamFinished):
            stream = self._stream(event.stream)
            self.sources[source_of(event.stream)].take_budgets(event)
            cancelled = event.status == StreamStatus.CANCELLED
            if not cancelled or event.counters.fetched >= stream.counters.fetched:
                stream.counters = event.counters
            stream.status = event.status
            stream.error = clean(event.error) if event.error else None
            stream.capped = stream.capped or event.capped
            stream.note = clean(event.note) if event.note else stream.note
            self._log(now, _end_line(stream, event.status, event.counters, event.capped))
        elif isinstance(event, ev.RunFinished):
            self.status = event.status
            self.finished_at = now
            for source in self.sources.values():
                source.wait_until = None
            self._log(now, f"run {event.run_id} {event.status}")

    def sync(self, records: Iterable[StreamRecord]) -> None:
        """Take the mirror's word for every stream (after a run: it also counts the calls of a
        page that was in flight when the run was cancelled), but for calls it holds fewer of
        than were seen made: those of pages never committed, when the mirror's lock refused
        recording them too, were made all the same (the dashboard's calls went from 20 to 19
        as a run stopped on a locked mirror: a fresh tester's finding)."""
        self.version += 1
        for record in records:
            stream = self._stream(record.key)
            stream.status = record.status
            stream.error = clean(record.error) if record.error else None
            stream.capped = record.capped
            stream.note = clean(record.note) if record.note else None
            made = stream.counters.api_calls
            stream.counters = record.counters
            if made > record.counters.api_calls:
                stream.counters = replace(record.counters, api_calls=made)

    def _log(self, now: float, text: str) -> None:
        self.log.append(f"{clock_time(now)}  {clean(text)}")

    def take_log(self) -> list[str]:
        lines, self.log = self.log, []
        return lines

    def recall(
        self, failures: Iterable[tuple[str, str, str]] = (), now: float | None = None
    ) -> None:
        """The log of a past run, from what the mirror knows of it, worded as its live log
        was: how it started, each finished stream's end (counts, or why it failed), the items
        that failed (``failures``: stream key, item key, reason; the first
        :data:`RECALLED_FAILURES`) and how it ended. A past run opened from F5 showed an empty
        log (a fresh tester's finding). Times are the run's start and end; an interrupted
        run's end is ``now``, when it was found so (it was stamped with the run's start: a fresh
        tester's finding), and its streams' with its last page (:meth:`mark_interrupted`)."""
        span = stored_span(self.run)
        end = span[1] if span is not None else (self.finished_at or self.started_at)
        try:
            start = datetime.fromisoformat(self.run.started_at).timestamp()
        except ValueError:
            start = span[0] if span is not None else self.started_at
        keys = list(self.streams)
        self._log(start, f"run {self.run.id}: {plural(len(keys), 'stream')} since {self.run.since}")
        for key in keys:
            stream = self.streams[key]
            if stream.status in (StreamStatus.PENDING, StreamStatus.RUNNING):
                continue
            self._log(end, _end_line(stream, stream.status, stream.counters, stream.capped))
        failures = list(failures)
        for stream_key, item, reason in failures[:RECALLED_FAILURES]:
            said = reason if reason.startswith(f"{item} ") else f"item {item} failed: {reason}"
            self._log(end, f"{stream_key}: {said}")
        if len(failures) > RECALLED_FAILURES:
            self._log(end, f"… and {len(failures) - RECALLED_FAILURES} more failed items")
        if self.status != RunStatus.RUNNING:
            found = now if now is not None and self.status == RunStatus.INTERRUPTED else end
            self._log(found, f"run {self.run.id} {self.status}")

    # -- what the overall line shows -----------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.status == RunStatus.RUNNING and self.finished_at is None

    def totals(self) -> StreamCounters:
        """The streams' counters summed; ``api_calls`` also counts the sources' own lookups, as
        the summary and the report do."""
        t = [s.counters for s in self.streams.values()]
        return StreamCounters(
            sum(c.fetched for c in t),
            sum(c.new for c in t),
            sum(c.duplicates for c in t),
            sum(c.failed for c in t),
            sum(c.pages for c in t),
            sum(c.api_calls for c in t) + sum(s.setup_calls for s in self.sources.values()),
        )

    def elapsed(self, now: float) -> float:
        """Seconds the run has gone: this stretch, and those shown before it (a retry)."""
        return self.earlier_s + self.stretch(now)

    def stretch(self, now: float) -> float:
        """Seconds of this stretch of the run (since its last start or resume)."""
        return max(0.0, (self.finished_at or now) - self.started_at)

    def expected(self) -> int | None:
        """Items the whole run should fetch, or None when a running stream has no estimate."""
        total = 0
        for stream in self.streams.values():
            if stream.finished:
                total += stream.counters.fetched
            elif stream.total is None:
                return None
            else:
                total += max(stream.total, stream.counters.fetched)
        return total

    def eta(self, now: float) -> float | None:
        """Seconds left: the longest chain of pages still to fetch, each at its stream's pace so
        far, and at least the longest wait in progress; None when unknown.

        Streams fetch side by side, each page after the last, so the run ends with its slowest
        chain: per unfinished stream, the pages its estimate leaves (at the items per page it
        has seen) times the seconds per page it took in this stretch (its source's, while its
        own first page is on its way). A rate of items for the whole run said 17:12 at 00:06 of
        a 25 s run, while slow first pages were in flight, then ran out early, while one
        stream's long chain went on (a tester's finding). Unknown while a stream with items
        left has no pace, its own or its source's, or once the run is past its estimate (not
        "00:00")."""
        if not self.running:
            return None
        expected = self.expected()
        elapsed = self.stretch(now)
        if expected is None or elapsed <= 0 or expected <= self.totals().fetched:
            return None
        paced: dict[str, tuple[float, float]] = {}  # stream -> (items a page, seconds a page)
        for key, stream in self.streams.items():
            pages_now = stream.counters.pages - stream.pages_at_start
            if pages_now > 0 and stream.counters.fetched > 0:
                per_page = stream.counters.fetched / stream.counters.pages
                paced[key] = (per_page, elapsed / pages_now)
        longest = 0.0
        for key, stream in self.streams.items():
            left = (stream.total or 0) - stream.counters.fetched
            if stream.finished or left <= 0:
                continue
            pace = paced.get(key) or self._source_pace(key, paced)
            if pace is None:
                return None  # neither it nor its source has a page of this stretch yet
            per_page, seconds = pace
            longest = max(longest, math.ceil(left / per_page) * seconds)
        waits = [
            s.wait_until - now
            for s in self.sources.values()
            if s.wait_until is not None and s.wait_until > now
        ]
        return max([longest, *waits])

    def _source_pace(
        self, key: str, paced: Mapping[str, tuple[float, float]]
    ) -> tuple[float, float] | None:
        """A stream with no page of this stretch yet goes at its source's pace (the same host
        and page size): the largest page and the mean seconds a page of its source's streams
        that have one; None when none has."""
        source = source_of(key)
        kin = [pace for other, pace in paced.items() if source_of(other) == source]
        if not kin:
            return None
        return max(p for p, _ in kin), sum(s for _, s in kin) / len(kin)


class EventBuffer:
    """The engine's subscriber: cheap appends now, coalesced events when drained.

    Thread-safe: the engine appends on its run's thread (``background.BackgroundRun``) while a
    face drains on its own; a lock guards the swap, so no event is lost or seen twice.
    """

    def __init__(self) -> None:
        self._pending: list[ev.ProgressEvent] = []
        self._lock = threading.Lock()
        self.received = 0
        #: Names of the threads that delivered events (the app's tests check that a run's
        #: events, each sent right after its page's commit, come from the run's own thread).
        self.producers: set[str] = set()

    def __call__(self, event: ev.ProgressEvent) -> None:
        with self._lock:
            self._pending.append(event)
            self.received += 1
            self.producers.add(threading.current_thread().name)

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def drain(self) -> list[ev.ProgressEvent]:
        """Pending events in order, keeping only the newest PageStored of each stream."""
        with self._lock:
            pending, self._pending = self._pending, []
        seen: set[str] = set()
        kept: list[ev.ProgressEvent] = []
        for event in reversed(pending):
            if isinstance(event, ev.PageStored):
                if event.stream in seen:
                    continue
                seen.add(event.stream)
            kept.append(event)
        kept.reverse()
        return kept


#: Item failures a recalled log names (the rest are counted); ``report`` lists them all.
RECALLED_FAILURES = 20


def _end_line(stream: StreamState, status: StreamStatus, c: StreamCounters, capped: bool) -> str:
    """A stream's end as the log says it (its error and note already on ``stream``)."""
    note = " (capped by the per-stream limit)" if capped else ""
    reason = f": {stream.error}" if stream.error else ""
    if stream.note:
        reason += f" ({stream.note})"
    if status == StreamStatus.CANCELLED:  # a page in flight may still land: the row shows
        return f"{stream.key} cancelled; what it stored is kept{reason}"  # the mirror's count
    if status == StreamStatus.FAILED and stream.error:  # the cause first: it read "failed:
        return (  # 0 fetched · … · 0 failed: GitHub has no …" (a tester's finding)
            f"{stream.key} failed{note}{reason} ({c.fetched} fetched · {c.new} new · "
            f"{c.duplicates} dup · {plural(c.failed, 'item')} not stored)"
        )
    return (
        f"{stream.key} {status}{note}: {c.fetched} fetched · {c.new} new · "
        f"{c.duplicates} dup · {c.failed} failed{reason}"
    )


def span_start(run: RunRecord) -> str:
    """When ``run``'s latest span began (ISO 8601): its resume's instant, else its start."""
    return run.resumed_at or run.started_at


def run_seconds(run: RunRecord, now: float, last_page_at: str | None, *, gone: bool) -> float:
    """Seconds ``run`` ran: its spans before its latest (``ran_s``, kept by
    ``Mirror.begin_span`` as it resumed) and its latest, from its start or resume to its
    ``finished_at``; while it runs, to ``now`` (epoch seconds); when its process is ``gone``
    (interrupted), to the stop it stored (``Mirror.end_span``: a run the mirror's lock
    stopped), else to ``last_page_at`` (``Mirror.last_page_at``: the time it is known to have
    run, 0 when none came in this span). The time it lay killed is not counted: a resume
    showed only the time since it ("completed 00:01"), and reopened, the hours between the
    kill and the resume as if it had run (a fresh tester's finding)."""
    try:
        start = datetime.fromisoformat(span_start(run)).timestamp()
    except ValueError:
        return max(0.0, run.ran_s)
    end: float | None = now
    if run.finished_at and run.status != RunStatus.RUNNING:
        end = _instant(run.finished_at)
    elif gone:  # its stop, when stored (``Mirror.end_span``), else its last page
        known = run.finished_at or last_page_at
        end = _instant(known) if known else start
    latest = max(0.0, end - start) if end is not None else 0.0
    return max(0.0, run.ran_s) + latest


def _instant(text: str) -> float | None:
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def stored_span(run: RunRecord) -> tuple[float, float] | None:
    """A finished run's latest span, (start, end) in epoch seconds, from its stored
    ``resumed_at`` (else ``started_at``) and ``finished_at``; None while it runs, when either
    is missing, or when they disagree (``RunRecord.ran_s`` holds its spans before)."""
    if run.status == RunStatus.RUNNING or not span_start(run) or not run.finished_at:
        return None
    try:
        start = datetime.fromisoformat(span_start(run)).timestamp()
        end = datetime.fromisoformat(run.finished_at).timestamp()
    except ValueError:
        return None
    return (start, end) if end >= start else None
