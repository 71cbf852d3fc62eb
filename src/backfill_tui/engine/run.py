"""The engine: plans runs, drives every stream of every source concurrently, owns checkpoints.

Within a stream, pages go in order, and each page's observations are committed together with the
stream's checkpoint, so a crash loses at most the pages in flight (two a stream: one being
committed, the next queued behind it) and ``resume`` continues every unfinished stream from its
checkpoint. Progress is published as :mod:`progress` events to any
subscriber; the engine knows no face (it never imports Textual). Planning a request is
``engine/plan.py``; which runs may be continued, and in which environment, ``engine/runs.py``;
what of a page is kept under the cap, ``engine/pages.py``.

Past 400 lines on purpose: :class:`Engine` is one unit. Its run, per-source and per-stream
loops share the subscribers and the stop flag a full disk sets, and the stream loop's commit,
cap, paging guard and progress event are one transaction's story, read best in one place.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..connectors import Connector, Page, provider
from ..connectors.base import provider_time
from ..errors import BackfillError, CredentialsMissing, MirrorError, StorageError, UsageError
from ..http import (
    ApiClient,
    ApiError,
    CallStats,
    LinkElsewhere,
    PagingGuard,
    PagingStalled,
    PagingStuck,
    RetryNotice,
    WaitNotice,
    current_stats,
)
from ..http.tokens import TokenPool
from ..recording.transports import RecordingEnded
from ..secrets_registry import redact
from ..store import Mirror, PageResult, PageWrite, RunRecord, StreamRecord
from ..terms import (
    RunStatus,
    StreamCounters,
    StreamStatus,
    combined_status,
    masked_note,
    suggest,
)
from ..textsafe import one_line
from . import progress as ev
from . import resync
from .collector import collecting_less, handing_off_sooner
from .connection import open_client
from .environment import SIMULATE_HINT, Environment, left_out_settings, public_settings
from .pages import first_page_estimate, item_keys, kept_notes, within_cap
from .plan import (
    RunRequest,
    SourceSpec,
    canonical_source,
    check_request,
    new_run_id,
    plan_streams,
    run_window,
    validate_depth,
    validate_workspace,
)
from .runs import check_resumable
from .shared_ids import SHARED_ENTITIES, owner_note, shared_notes
from .unrecorded import Unrecorded

# The planning names stay importable from here (``engine.plan`` holds them).
__all__ = [
    "Engine",
    "LabelledStats",
    "RunRequest",
    "SourceSpec",
    "Subscriber",
    "new_run_id",
    "plan_streams",
    "validate_depth",
    "validate_workspace",
]

log = logging.getLogger("backfill_tui.engine.run")

#: Seconds a write may wait for the mirror's write lock before the run says so (a write takes
#: milliseconds; SQLite waits up to the mirror's busy timeout, 30 s, then the run stops).
MIRROR_WAIT_NOTICE_S = 2.0

Subscriber = Callable[[ev.ProgressEvent], None]


class Engine:
    def __init__(self, mirror: Mirror, environment: Environment) -> None:
        self.mirror = mirror
        self.environment = environment
        self._subscribers: list[Subscriber] = []
        #: Set when the mirror refused a write: every other stream stops at its next page.
        self._stopped: BackfillError | None = None
        #: The streams whose end this run has said (``StreamFinished``), by key.
        self._said: set[str] = set()
        #: The token pools of sources given several tokens, by source (calls and quota per
        #: token, by fingerprint, for the summary; http/tokens.py).
        self.token_pools: dict[str, TokenPool] = {}
        #: The thread pages are committed on during :meth:`run` (one: SQLite has one writer).
        self._writer: ThreadPoolExecutor | None = None
        #: Pages waiting for the writer thread, which commits all those queued at once.
        self._queued: deque[_QueuedPage] = deque()
        #: Streams (by id) a page of which could not be stored for its own reason (a bug, not
        #: the mirror): their pages queued behind it are not stored either (writer thread only).
        self._failed_streams: set[int] = set()
        #: Calls and waits of the run the mirror refused to take (a lock), added when it next
        #: takes a write (engine/unrecorded.py); a face may hand in those of an earlier try of
        #: the run (``RunOutcome.unrecorded``) before :meth:`run`.
        self.unrecorded: Unrecorded | None = None
        #: Sources sharing production's sourceId namespace with another, to their note
        #: (``engine/shared_ids.py``), set as :meth:`run` starts.
        self._shared: dict[str, str] = {}

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def _completed_empty(
        self,
        run_id: str,
        record: StreamRecord,
        counters: StreamCounters,
        note: str | None,
        client: ApiClient,
    ) -> None:
        """A stream that ends completed with no page left to store (answered 304 Not Modified,
        or its connector yielded no page): stored as completed, then its last line, with its
        source's budgets as last seen."""
        self.mirror.set_stream_status(record.id, StreamStatus.COMPLETED)
        self._emit(
            ev.StreamFinished(
                run_id,
                record.key,
                StreamStatus.COMPLETED,
                counters,
                note=note,
                **_budgets_seen(client),
            )
        )

    def _emit(self, event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.StreamFinished):
            self._said.add(event.stream)
            if event.quota_remaining is not None:  # kept for a reopened or resumed run's face
                with contextlib.suppress(StorageError, MirrorError):  # best effort, as calls
                    self.mirror.set_source_quota(
                        event.run_id,
                        event.stream.rpartition("/")[0],
                        event.quota_remaining,
                        event.quota_limit,
                    )
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a face's bug must not stop the run
                log.exception("progress subscriber failed")

    # -- planning --------------------------------------------------------------------------------

    def plan(
        self,
        request: RunRequest,
        *,
        simulator_text: str | None = None,
        started_at: datetime | None = None,
        recorded_to: Path | None = None,
    ) -> RunRecord:
        """Validate a request, take the source locks, and record the run and its streams.

        ``started_at`` fixes the run's "now" (a replay selects the recorded window); by default
        it is the environment clock's now. The cutoff is computed from it once, here.
        ``recorded_to``: the file the run is recorded to (``Recorder.path``), kept with the run
        so that resuming it can say the resumed part is not in that recording.
        """
        streams = check_request(request)
        self._check_sources(spec.provider for spec in request.sources)
        now, since = run_window(
            started_at or datetime.fromtimestamp(self.environment.clock.now(), UTC), request.depth
        )
        # A replay's id says when it was made, not its recording's instant (its start, the
        # window's end): the run id's prefix is read as when a run was made.
        made = datetime.now(UTC) if self.environment.recording is not None else now
        run = RunRecord(
            id=new_run_id(made),
            workspace=request.workspace,
            sources=list(dict.fromkeys(str(s) for s in request.sources)),
            depth_days=request.depth,
            since=since.isoformat(),
            entities=set(request.entities) if request.entities is not None else None,
            max_items=request.max_items,
            simulate=self.environment.simulated,
            simulator=public_settings(simulator_text),  # parsed, secrets left out
            simulator_left_out=left_out_settings(simulator_text),  # their names, to say so
            started_at=now.isoformat(),
        )
        # Locks first, in the same transaction: a refused run leaves no record behind.
        self.mirror.start_run(run, list(dict.fromkeys(streams)))
        replayed = self.environment.recording
        if not request.full and replayed is None:  # a replay asks what was recorded
            resync.plan_gaps(self.mirror, run)
        if replayed is not None:  # a replay: its resume must answer from the same file
            run.recording, run.recording_sha256 = replayed
            simulated = self.environment.recording_simulated
            masked = self.environment.recording_masked
            self.mirror.set_run_recording(run.id, *replayed, simulated=simulated, masked=masked)
            run.recording_simulated, run.recording_masked = simulated, masked
        if recorded_to is not None:
            run.recorded_to = str(recorded_to.resolve())
            self.mirror.set_run_recorded_to(run.id, run.recorded_to)
        return run

    # -- running ---------------------------------------------------------------------------------

    async def run(self, run_id: str) -> RunStatus:
        """Run (or resume) every unfinished stream of a run; returns the run's final status."""
        run = self.mirror.get_run(run_id)
        if run is None:
            raise UsageError(
                f"no run {run_id} in {self.mirror.path}; `{suggest('runs', self.mirror.path)}` "
                "lists them"
            )
        check_resumable(run, self.environment, self.mirror.path)  # before any credential
        # bad configuration is bad input: refuse before starting
        self._check_sources(spec.split(":", 1)[0] for spec in run.sources)
        # Runs recorded before sources had one spelling lock under their canonical one too.
        self.mirror.acquire(run.id, run.workspace, [canonical_source(s) for s in run.sources])
        if self.unrecorded is None or self.unrecorded.run_id != run.id:
            self.unrecorded = Unrecorded(run.id)
        # An earlier try's, now that the mirror takes writes: its span's end before the span
        # is counted.
        self.unrecorded.record(self.mirror)
        # A resume: the span before is kept in the run's time (``Mirror.begin_span``), on the
        # clock its start and end are taken on.
        begun = datetime.fromtimestamp(self.environment.clock.now(), UTC)
        self.mirror.begin_span(run.id, begun.replace(microsecond=0).isoformat())
        self.mirror.set_run_status(run.id, RunStatus.RUNNING)
        streams = [s for s in self.mirror.streams(run.id) if s.status != StreamStatus.COMPLETED]
        shared = self._shared_namespaces(run, streams)
        if run.recording is not None and run.recording_masked:  # a replay differs there
            shared += (masked_note(run.recording_masked),)
        self._emit(
            ev.RunStarted(run.id, run.workspace, run.since, tuple(s.key for s in streams), shared)
        )
        cutoff = datetime.fromisoformat(run.since)
        by_source: dict[tuple[str, str], list[StreamRecord]] = {}
        for stream in streams:
            by_source.setdefault((stream.provider, stream.target), []).append(stream)
        status = RunStatus.CANCELLED
        self._stopped, self._said, self._failed_streams = None, set(), set()
        stopped: BackfillError | None = None
        # The WAL checkpointed once, not every few pages; the garbage collector run less often;
        # the GIL handed between the loop and the writer thread sooner (engine/collector.py).
        with self.mirror.run_writes(), collecting_less(), handing_off_sooner():
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="mirror-writer")
            watch = _LockWatch(self, run.id)
            try:
                await _together(
                    self._run_source(run, p, t, group, cutoff)
                    for (p, t), group in by_source.items()
                )
            except (StorageError, MirrorError) as exc:
                stopped = exc  # the mirror refused a write: every stream has stopped
            finally:
                self._writer.shutdown(wait=True)  # a page being committed lands before the end
                self._writer = None
                watch.stop()
                stopped = stopped or self._stopped
                # On the clock the start was taken on: finished - started is the time. Taken
                # after any wait for the lock, which counts: it is time the run spent.
                end = datetime.fromtimestamp(self.environment.clock.now(), UTC)
                at = end.replace(microsecond=0).isoformat()
                ended = False
                try:
                    unfinished = [
                        s
                        for s in self.mirror.streams(run.id)
                        if s.status in (StreamStatus.PENDING, StreamStatus.RUNNING)
                    ]
                    if stopped is not None:  # the mirror stopped it, not the user: interrupted
                        status = RunStatus.INTERRUPTED
                        self.unrecorded.ended_at = at  # stored now if the lock has gone since
                        self.unrecorded.record(self.mirror)
                        ended = self.unrecorded.ended_at is None
                        for s in unfinished:
                            if s.key not in self._said:  # a source whose lookup never ended
                                self._interrupted(s, s.counters)
                        self._before_end(status, end.replace(microsecond=0))
                        self.mirror.set_run_interrupted(run.id)
                    else:
                        # Streams cancelled before their task started never ran their handlers.
                        self._mark(unfinished, StreamStatus.CANCELLED, None)
                        status = combined_status(s.status for s in self.mirror.streams(run.id))
                        self._before_end(status, end.replace(microsecond=0))
                        self.mirror.set_run_status(run.id, status, finished=True, at=at)
                        ended = True
                    self.mirror.release(run.id)
                except (StorageError, MirrorError) as exc:
                    # A full disk may refuse these too: the run stays "running" under a process
                    # that is gone, which `runs` shows as interrupted and `resume` continues.
                    log.warning("run %s: could not record its end: %s", run.id, exc)
                    stopped = stopped or exc
                    if not ended:  # kept, to be stored when the mirror takes writes again
                        self.unrecorded.ended_at = at
                self._emit(ev.RunFinished(run.id, status))
        if stopped is not None:
            raise stopped
        return status

    def _shared_namespaces(self, run: RunRecord, streams: list[StreamRecord]) -> tuple[str, ...]:
        """Note, on each stream whose sourceIds another source of the run or of its workspace
        shares (``engine/shared_ids.py``: two Sentry orgs' projects of one slug), that its
        items may be stored once for both; returns the notes, each once (the start line)."""
        self._shared = shared_notes(run.sources, self.mirror.workspace_sources(run.workspace))
        said: dict[str, None] = {}
        for record in streams:
            note = self._shared_note(record)
            if note is not None:
                said[note] = None
                if note not in (record.note or ""):
                    record.note = _joined(record.note, note)
                    self.mirror.set_stream_note(record.id, record.note)
        return tuple(said)

    def _owner_note(self, run: RunRecord, connector: Connector) -> str | None:
        """Record the owner the lookup found (``Connector.owner``: Linear's organization) and
        return the note on an earlier run of the workspace that found another for the same
        source (``shared_ids.owner_note``), or None."""
        if connector.owner is None:
            return None
        provider_name, target = connector.provider, connector.target
        self.mirror.set_source_owner(run.id, provider_name, target, connector.owner)
        others = self.mirror.other_owners(run.workspace, provider_name, target, connector.owner)
        return owner_note(f"{provider_name}:{target}", others)

    def _shared_note(self, record: StreamRecord) -> str | None:
        """The stream's shared-namespace note (:meth:`_shared_namespaces`), or None."""
        if record.entity not in SHARED_ENTITIES.get(record.provider, ()):
            return None
        return self._shared.get(f"{record.provider}:{record.target}")

    def _before_end(self, status: RunStatus, end: datetime) -> None:
        """What must come before the mirror says the run ended (``status``, at ``end``, as
        stored): its recording is sealed (``Environment.before_run_end``), so no kill between
        the two leaves a run stored completed whose recording is lost (a tester's finding:
        kill -9 there did)."""
        if self.environment.before_run_end is not None:
            self.environment.before_run_end(str(status), end.timestamp())

    def cancel_unstarted(self, run_id: str) -> bool:
        """Store a planned run that was stopped before it started (a Ctrl-C or SIGTERM between
        :meth:`plan` and :meth:`run`) as cancelled, with its streams, as a run cancelled later
        is: left ``running`` under a process that is gone, ``runs`` showed it "interrupted",
        the label of a process that died, while the command had said "cancelled" (a fresh
        tester's finding). Returns whether it did; a run that started (any stream not pending,
        or an end stored) is left as its own end left it. Never raises for a mirror that refuses
        the write (a full disk): the run then stays as it was, which ``resume`` continues."""
        try:
            run = self.mirror.get_run(run_id)
            streams = self.mirror.streams(run_id)
            if (
                run is None
                or run.status != RunStatus.RUNNING
                or run.finished_at is not None
                or any(s.status != StreamStatus.PENDING for s in streams)
            ):
                return False
            for stream in streams:
                self.mirror.set_stream_status(stream.id, StreamStatus.CANCELLED, None)
            end = datetime.fromtimestamp(self.environment.clock.now(), UTC)
            at = end.replace(microsecond=0).isoformat()
            self.mirror.set_run_status(run_id, RunStatus.CANCELLED, finished=True, at=at)
            self.mirror.release(run_id)  # its sources' locks, taken by the plan
        except (StorageError, MirrorError) as exc:
            log.warning("run %s: could not record its cancel: %s", run_id, exc)
            return False
        return True

    def _client(self, run: RunRecord, provider_name: str, target: str) -> ApiClient:
        info = provider(provider_name)
        source = f"{provider_name}:{target}"

        def on_wait(notice: WaitNotice) -> None:
            # A wait for a budget the streams share is the source's (stream None): Linear's
            # requests and complexity points are the key's, as GitHub's quota is the token's
            # (provider-apis.md §3.5), and every stream of the source waits for that reset.
            stats = current_stats.get()
            own = isinstance(stats, LabelledStats) and not notice.shared
            stream = stats.label if own and isinstance(stats, LabelledStats) else None
            self._emit(
                ev.RateLimitWait(
                    run.id, source, stream, notice.until, notice.seconds, notice.reason
                )
            )

        def on_retry(notice: RetryNotice) -> None:
            stats = current_stats.get()
            stream = stats.label if isinstance(stats, LabelledStats) else None
            self._emit(
                ev.RequestRetry(
                    run.id, source, stream, notice.attempt, notice.attempts, notice.problem
                )
            )

        client = open_client(
            self.environment,
            info,
            self.environment.credential(info),
            on_wait=on_wait,
            on_retry=on_retry,
        )
        if client.transport.tokens is not None:  # several tokens: kept for the summary
            self.token_pools[source] = client.transport.tokens
        return client

    async def _run_source(
        self,
        run: RunRecord,
        provider_name: str,
        target: str,
        streams: list[StreamRecord],
        cutoff: datetime,
    ) -> None:
        info = provider(provider_name)
        client = self._client(run, provider_name, target)
        connector: Connector = info.connector(target, client, cutoff)
        connector.started_at = datetime.fromisoformat(run.started_at)
        # the streams it reads: an empty Linear list waits on the others' (renamed_elsewhere)
        connector.streams_planned([s.entity for s in streams])
        resync.before_lookup(self.mirror, run, connector, streams)
        # The id the run's first lookup learned: a resume's lookup by name that answers 404
        # (renamed since) looks the source up by it (Connector.known_id)
        connector.known_id = self.mirror.source_resource_id(run.id, provider_name, target)
        if connector.known_id is None and self.environment.recording is None:
            # else an earlier run's, so that a lookup by name that finds nothing can say what
            # the source is called now (a replay asks only what its recording holds)
            connector.known_id = self.mirror.earlier_resource_id(run, provider_name, target)
            connector.known_earlier = connector.known_id is not None
        # A source whose every stream failed for a cause that does not pass by itself (a
        # rejected token, a source that does not exist: StreamRecord.mend) asks its lookup alone
        # first when resumed: if the cause stands, one call fails them all. Overlapped, a resume
        # of github:acme/nope spent the lookup and every stream's first page again (a tester's
        # finding); mended (a new token, access granted), it goes on after one round trip.
        overlap = connector.overlaps_lookup and not all(s.mend for s in streams)
        try:
            if overlap:  # the lookup's round trip overlaps the first pages
                await self._overlapped(run, connector, client, streams)
                return
            error = await self._lookup(run, connector, streams)
            try:
                if error is not None:
                    log.warning("%s:%s failed: %s", provider_name, target, error)
                    self._mark(streams, _ended_as(error), error, mend=_mend_of(error))
                    return
                await _together(self._run_stream(run, connector, client, s) for s in streams)
            finally:
                await client.aclose()
        finally:
            try:  # the time the source waited (its streams' waits overlap): the summary's figure
                self.mirror.add_source_waited(
                    run.id, provider_name, target, client.transport.waited_s
                )
            except (StorageError, MirrorError) as exc:
                log.warning("%s:%s: could not record its wait: %s", provider_name, target, exc)
                if self.unrecorded is not None:  # kept for when the mirror takes writes again
                    self.unrecorded.add_waited(provider_name, target, client.transport.waited_s)

    async def _lookup(
        self,
        run: RunRecord,
        connector: Connector,
        streams: list[StreamRecord],
        *,
        streams_started: bool = False,
    ) -> str | None:
        """Run the source's lookup (``prepare()``) and account for its calls; returns the
        failure's line (the source's streams fail with it), or ``None``. Cancelled, it marks
        the streams cancelled unless ``streams_started`` (they run beside it and say their own
        end: marking them here too printed each "cancelled" line twice)."""
        info = provider(connector.provider)
        stats = LabelledStats(label=None)
        token = current_stats.set(stats)
        error: str | None = None
        try:
            await connector.prepare()
        except RecordingEnded as exc:  # a replay past where its recorded run stopped
            error = _RecordingEndLine(_reason(str(exc)), cancelled=exc.cancelled)
        except ApiError as exc:
            error = _MendLine(_reason(str(exc)), mend=exc.mend)
        except asyncio.CancelledError:
            if not streams_started:
                self._mark(streams, StreamStatus.CANCELLED, None)
            raise
        except (StorageError, MirrorError) as exc:
            # not the source's: the recording's writes refused (a full disk) stop the run, as
            # the mirror's do (it was "an internal error in the connector", the run going on)
            self._stopped = self._stopped or exc
            if not streams_started:  # else each stream meets it waiting for the lookup
                for record in streams:
                    self._interrupted(record, record.counters, str(exc))
            raise
        except Exception as exc:  # a connector bug must not stop the other sources
            log.exception("%s:%s setup crashed", connector.provider, connector.target)
            error = _reason(
                f"internal error in the {info.label} connector ({type(exc).__name__}: {exc})"
            )
        finally:
            current_stats.reset(token)
            self.mirror.add_source_calls(
                run.id, connector.provider, connector.target, stats.api_calls,
                stats.wait_seconds, error,
            )  # fmt: skip
            if stats.api_calls and streams:
                self._emit(ev.SourceCalls(run.id, streams[0].source, stats.api_calls))
        if error is None:
            resync.after_lookup(self.mirror, run, connector)
            if connector.resource_id:  # kept for a resume (the first lookup's stands)
                self.mirror.keep_source_resource_id(
                    run.id, connector.provider, connector.target, connector.resource_id
                )
            owned = self._owner_note(run, connector)
            for record in streams:
                shares = (
                    owned if record.entity in SHARED_ENTITIES.get(record.provider, ()) else None
                )
                if connector.notes:  # the source's own state (moved, archived), on each stream
                    record.note = _joined(self._shared_note(record), shares, *connector.notes)
                elif shares is not None and shares not in (record.note or ""):
                    record.note = _joined(record.note, shares)
                else:
                    continue
                self.mirror.set_stream_note(record.id, record.note)
        return error

    async def _overlapped(
        self,
        run: RunRecord,
        connector: Connector,
        client: ApiClient,
        streams: list[StreamRecord],
    ) -> None:
        """Run the lookup beside the streams: each stream asks its first page at once and
        awaits the lookup (``connector.ready()``) before it needs its facts; a failed lookup
        fails every stream with its line, as when it ran first."""

        async def lookup() -> None:
            error = await self._lookup(run, connector, streams, streams_started=True)
            if error is not None:
                raise LookupFailed(error, ended=_ended_as(error), mend=_mend_of(error))

        task = asyncio.ensure_future(lookup())
        connector.lookup_started(task)
        try:
            await _together(
                [_quietly(task), *(self._run_stream(run, connector, client, s) for s in streams)]
            )
        finally:
            if not task.done():
                task.cancel()
            await client.aclose()

    async def _write(self, page: PageWrite) -> PageResult | None:
        """Commit a page on the mirror's writer thread and wait for it (:meth:`_submit`, then
        :meth:`_landed`). ``None``: not committed, because the mirror refused another stream's
        page first, or an earlier page of this stream could not be stored."""
        return await self._landed(self._submit(page))

    def _submit(self, page: PageWrite) -> concurrent.futures.Future[PageResult | None]:
        """Queue a page for the mirror's writer thread; its outcome arrives in the future.

        SQLite works (without the GIL) while the event loop fetches and transforms pages. The
        single writer thread commits pages in the order they were queued, each with its own
        stream's checkpoint, so a stream may queue its next page before the last one landed
        (engine/run.py ``_run_stream``): they still land in order. Pages queued while the
        writer is busy are committed together (:meth:`_commit_queued`). Without a writer
        thread (outside :meth:`run`) the page is committed at once.
        """
        result: concurrent.futures.Future[PageResult | None] = concurrent.futures.Future()
        if self._writer is None:
            result.set_running_or_notify_cancel()
            (outcome,) = self._outcomes([page])
            if isinstance(outcome, BaseException):
                result.set_exception(outcome)
            else:
                result.set_result(outcome)
            return result
        queued = _QueuedPage(page, result)
        self._queued.append(queued)
        try:
            self._writer.submit(self._commit_queued)
        except RuntimeError:  # the writer was shut down: the page must not wait for a later run
            with contextlib.suppress(ValueError):
                self._queued.remove(queued)
            raise
        return result

    @staticmethod
    async def _landed(
        result: concurrent.futures.Future[PageResult | None],
    ) -> PageResult | None:
        """The outcome of a page queued by :meth:`_submit` (raises what storing it raised).

        Cancelled while the writer thread commits this page: it lands all the same (a page not
        yet taken is left out: its future is cancelled). Wait for it, so that what the stream
        says next is what was stored (its last line was a page behind).
        """
        try:
            return await asyncio.wrap_future(result)
        except asyncio.CancelledError:
            if not result.cancelled():
                with contextlib.suppress(Exception):  # its own error is the run's to handle
                    await asyncio.wrap_future(result)
            raise

    def _commit_queued(self) -> None:
        """On the writer thread: commit every page queued so far in one transaction (a group
        commit: one COMMIT, one WAL write, for the pages of several streams), each page's
        result or error to its own stream. A page whose stream was cancelled before the writer
        took it is left out, as a job not yet started was. Later jobs find the queue empty.
        """
        batch: list[_QueuedPage] = []
        with contextlib.suppress(IndexError):
            while True:
                queued = self._queued.popleft()
                if not queued.result.set_running_or_notify_cancel():
                    continue
                if queued.page.stream.id in self._failed_streams:
                    queued.result.set_result(None)  # behind its stream's failed page: not stored
                else:
                    batch.append(queued)
        if not batch:
            return
        try:
            outcomes = self._outcomes([q.page for q in batch])
        except BaseException as exc:  # not an error of a page (an interrupt): none is stored
            for queued in batch:
                queued.result.set_exception(exc)
            raise
        for queued, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                queued.result.set_exception(outcome)
            else:
                queued.result.set_result(outcome)

    def _outcomes(self, pages: list[PageWrite]) -> list[PageResult | Exception | None]:
        """Commit pages in one transaction: each page's result, or what stopped it.

        When the mirror refuses (a :class:`StorageError` or :class:`MirrorError`), nothing is
        stored: the first page takes the error (its stream fails, as when it committed alone)
        and the others ``None`` (their streams stop, as after a refusal of another stream's
        page); so does every page once the mirror has refused. A page that cannot be built (a
        bug, not the mirror) is retried alone, so that it fails only its own stream; pages of that
        stream queued behind it are not stored (``None``): its checkpoint stays before them.
        """
        if self._stopped is not None:
            return [None for _ in pages]
        try:
            return list(self.mirror.commit_pages(pages))
        except (StorageError, MirrorError) as exc:
            self._stopped = self._stopped or exc
            return [exc, *(None for _ in pages[1:])]
        except Exception as exc:
            if len(pages) == 1:
                self._failed_streams.add(pages[0].stream.id)  # its later pages are not stored
                return [exc]
        outcomes: list[PageResult | Exception | None] = []
        for page in pages:  # one by one; a page behind its stream's failed page is left out
            failed = page.stream.id in self._failed_streams
            outcomes += [None] if failed else self._outcomes([page])
        return outcomes

    def _check_sources(self, providers: Iterable[str]) -> None:
        """Each provider's base URL and credential, checked before anything starts; raises
        :class:`UsageError` for a bad base URL, and one :class:`CredentialsMissing` naming every
        provider without a token (not only the first: a tester had to fix them one by one)."""
        missing: list[str] = []
        for name in dict.fromkeys(providers):
            info = provider(name)
            self.environment.base_url(info)
            try:
                self.environment.credential(info)
            except CredentialsMissing as exc:
                missing.append(str(exc).removesuffix(SIMULATE_HINT))
        if missing:  # "or try --simulate" is no help to a run on the simulator already
            hint = "" if self.environment.simulated else SIMULATE_HINT
            raise CredentialsMissing("; ".join(missing) + hint)

    def _mark(
        self,
        streams: Iterable[StreamRecord],
        status: StreamStatus,
        error: str | None,
        *,
        mend: str | None = None,
    ) -> None:
        line = None if error is None else str(error)  # a plain str in the events, pickled
        for stream in streams:
            self.mirror.set_stream_status(stream.id, status, line, mend=mend)
            self._emit(ev.StreamFinished(stream.run_id, stream.key, status, stream.counters, line))

    def _interrupted(
        self, record: StreamRecord, counters: StreamCounters, error: str | None = None
    ) -> None:
        """Say that ``record`` stopped because the mirror refused a write (a full disk, say:
        ``error``, on the stream that met it). The one label of a run the mirror stopped, for
        both faces: ``interrupted``, as ``runs`` shows it afterwards (terms.py), never
        "cancelled" (nobody cancelled) nor "failed" (nothing failed at the source). It stays
        stored ``running`` (``Mirror.set_run_interrupted`` says no process runs it), which is
        also what a disk that refuses every write leaves, and ``resume`` continues it."""
        if error is not None:
            with contextlib.suppress(StorageError, MirrorError):  # the disk may refuse it too
                self.mirror.set_stream_status(record.id, StreamStatus.RUNNING, error)
        self._emit(
            ev.StreamFinished(record.run_id, record.key, StreamStatus.INTERRUPTED, counters, error)
        )

    async def _run_stream(
        self, run: RunRecord, connector: Connector, client: ApiClient, record: StreamRecord
    ) -> None:
        """Read one stream to its end (:meth:`_read_stream`), then tell its connector it is
        over, however it ended: an empty Linear list waits on its siblings' ends
        (``LinearConnector.renamed_elsewhere``), and ``_together`` does not cancel them when
        one fails, so a stream that failed before its pages (a locked mirror refusing its
        status) and said nothing left them waiting for good."""
        try:
            await self._read_stream(run, connector, client, record)
        finally:
            connector.stream_over(record.entity)

    async def _read_stream(
        self, run: RunRecord, connector: Connector, client: ApiClient, record: StreamRecord
    ) -> None:
        stats = LabelledStats(label=record.key)
        current_stats.set(stats)  # this task's own context
        counters = record.counters
        page_notes: list[str] = []  # each page's own, once each: a later one adds, not replaces
        note = record.note
        validator: tuple[str, str] | None = None  # the first page's, kept when the stream ends
        ended_short = False  # a later page's state ended it: its window was not read whole
        # A stream begun without an estimate (the app's ctrl+s before its estimate came in;
        # every headless run) sizes itself from its first page as the estimate does, so its
        # bar and the run's ETA get a total (they were indeterminate to the end before).
        estimated = record.estimate
        sizing = estimated is None and record.cursor is None and counters.pages == 0
        committed_calls, committed_wait = 0, 0.0
        # Pages queued for the writer thread and not yet settled, in order (at most two: the
        # last one queued, and the one before it being awaited), and what the queued ones add.
        sending: deque[_Sending] = deque()
        sent_calls, sent_wait = 0, 0.0
        sent_fetched, sent_pages = counters.fetched, counters.pages

        def landed(one: _Sending, result: PageResult, *, say: bool = True) -> None:
            """A queued page was stored: count it (and say so)."""
            nonlocal counters, committed_calls, committed_wait
            committed_calls, committed_wait = one.calls, one.waited
            counters = StreamCounters(
                fetched=counters.fetched + one.taken,
                new=counters.new + result.new,
                duplicates=counters.duplicates + result.duplicates,
                failed=counters.failed + one.failed,
                pages=counters.pages + 1,
                api_calls=record.api_calls + stats.api_calls,
            )
            if not say:
                return
            self._emit(
                ev.PageStored(
                    run.id,
                    record.key,
                    counters,
                    page_new=result.new,
                    page_duplicates=result.duplicates,
                    estimate=estimated,
                    **_budgets_seen(client),
                )
            )

        async def settle(count: int) -> bool:
            """Await the first ``count`` queued pages in order; raises what storing one
            raised. False: one was not stored because the mirror refused another stream's
            page first (the stream has said it is interrupted)."""
            for _ in range(count):
                result = await self._landed(sending[0].result)
                one = sending.popleft()
                if result is None:
                    self._interrupted(record, _with_calls(counters, record, stats))
                    return False
                landed(one, result)
            return True

        async def fetch_next() -> Page | None:
            """The next page; while it is fetched, each page queued before it that is stored
            is counted and said as it lands. Its counts waited for the next page's fetch: a
            page stored while the next answered 500s or waited out a Retry-After still read 0
            on the dashboard (a fresh tester's finding). A page not stored (an error, a
            refusal) is left for :func:`settle` after the fetch, as before."""
            if not sending:
                return await pages.next()
            fetch = asyncio.ensure_future(pages.next())
            try:
                while sending and not fetch.done():
                    head = sending[0].result
                    if not head.done():
                        stored = asyncio.wrap_future(head)  # never cancelled: cancels the page
                        stored.add_done_callback(_retrieved)
                        await asyncio.wait((fetch, stored), return_when=asyncio.FIRST_COMPLETED)
                        if not head.done():
                            continue
                    if head.cancelled() or head.exception() is not None:
                        break
                    result = head.result()
                    if result is None:
                        break
                    landed(sending.popleft(), result)
            except BaseException:
                # The request too, as a cancel of the await did, and over before the pages close.
                fetch.cancel()
                await asyncio.wait((fetch,))
                if not fetch.cancelled():
                    fetch.exception()  # retrieved: a page no one will take
                raise
            return await fetch

        async def drain() -> None:
            """Before a stream ends on an error or a cancel: every page still queued lands
            (counted) or, not yet taken by the writer, is left out, as a crash would leave it;
            either way none lands after the stream's last word."""
            while sending:
                one = sending.popleft()
                if one.result.cancel():  # not taken: left out
                    continue
                with contextlib.suppress(Exception):  # its own error was the stream's to see
                    result = await asyncio.wrap_future(one.result)
                    if result is not None:
                        landed(one, result, say=False)  # the stream's last line says it

        # Every provider's pages pass here: a pointer that does not move ends the stream.
        guard, cursor = PagingGuard(record.key, record.cursor), record.cursor
        self.mirror.set_stream_status(record.id, StreamStatus.RUNNING)
        self._emit(ev.StreamStarted(run.id, record.key))
        try:
            unchanged = await resync.unchanged(self.mirror, run, record, client, connector)
            if unchanged is not None:  # a 304: nothing new since the run that covered it
                note = _joined(record.note, unchanged)
                self.mirror.set_stream_note(record.id, note)
                # The 304s carried the quota (GitHub sends x-ratelimit-* on them too): the
                # finished stream says it, or a re-sync's source line lost it.
                self._completed_empty(
                    run.id, record, _with_calls(counters, record, stats), note, client
                )
                return
            stream = resync.stream_for(connector, record)
            # A replay stops this stream after as many pages as its recorded stream stored
            # (its recording may hold the page read ahead when that run stopped: RunEnd.stops).
            end = self.environment.replay_end
            stop_at = end.stops.get(record.key) if end is not None else None
            if end is not None and stop_at is not None and counters.pages >= stop_at:
                raise RecordingEnded(end)
            async with contextlib.aclosing(_ReadAhead(stream.pages(record.cursor))) as pages:
                while True:
                    try:
                        page = await fetch_next()
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        # What fetching the next page raised comes after the pages queued
                        # before it have landed, as when each page was awaited in turn.
                        if not await settle(len(sending)):
                            return
                        raise
                    if page is None:
                        break
                    if self._stopped is not None:  # another stream met a full disk: stop here
                        if await settle(len(sending)):
                            self._interrupted(record, _with_calls(counters, record, stats))
                        return
                    events, failures, capped_at, done = within_cap(
                        page, run.max_items - sent_fetched
                    )
                    stalled: PagingStalled | None = None
                    # the last page is judged too: a repeat of an earlier one is no end
                    if not done or capped_at is None:
                        listed = len(page.events) + len(page.failures) + page.skipped
                        try:
                            if page.stalled is not None:  # the connector saw it cannot go on
                                kind = PagingStuck if page.stuck else PagingStalled
                                raise (LinkElsewhere if page.strayed else kind)(page.stalled)
                            keys, every = item_keys(page)
                            guard.check(page.next_cursor, listed, keys, every=every)
                        except PagingStalled as exc:
                            stalled = exc  # keep this page's items; resume from the last pointer
                            done = False
                    if not done and stalled is None:
                        cursor = page.next_cursor
                    last = stop_at is not None and sent_pages + 1 >= stop_at
                    if not done and stalled is None and not last:
                        pages.read_ahead()  # the next page's request overlaps this commit
                    taken = len(events) + len(failures)
                    sized: int | None = None
                    if sizing and not done and stalled is None:
                        # None when the page had nothing in the window: no rate to go by
                        sized = _first_page_size(run, record, page, self.environment.clock.now())
                        estimated = sized
                    sizing = False
                    validator = validator or page.validator
                    ended_short = ended_short or page.ended_short
                    if page.note and page.note not in page_notes:
                        page_notes = [*page_notes, page.note][:PAGE_NOTES_KEPT]
                    note = _joined(record.note, *page_notes)  # record.note: the lookup's
                    # Taken now: the page read ahead adds its own calls while this one commits.
                    calls, waited = stats.api_calls, stats.wait_seconds
                    # A 304 vouches for a whole read: the first page's validator is kept with
                    # the page that completes the stream uncapped, in its transaction. Kept
                    # after it, a full disk could refuse it once the stream was stored complete.
                    whole = done and capped_at is None and not ended_short
                    queued = self._submit(
                        PageWrite(
                            record,
                            run.workspace,
                            events,
                            [(f.key, f.reason) for f in failures],
                            fetched=taken,
                            cursor=None if done else cursor,
                            done=done,
                            capped_at=capped_at,
                            api_calls=calls - sent_calls,
                            wait_s=waited - sent_wait,
                            item_notes=kept_notes(page, events),
                            note=note,
                            ended_short=page.ended_short,
                            at=datetime.fromtimestamp(self.environment.clock.now(), UTC).isoformat(
                                timespec="seconds"
                            ),
                            validator=validator if whole else None,
                            estimate=sized,
                        )
                    )
                    sending.append(_Sending(queued, taken, len(failures), calls, waited))
                    sent_calls, sent_wait = calls, waited
                    sent_fetched, sent_pages = sent_fetched + taken, sent_pages + 1
                    final = done or stalled is not None or last
                    # This page is queued: the one before it is awaited now, so the writer may
                    # take both in one transaction (one COMMIT) while the next page is read.
                    if not await settle(len(sending) if final else len(sending) - 1):
                        return
                    if not final:
                        continue
                    if stalled is not None:
                        raise stalled
                    if done:
                        self._emit(
                            ev.StreamFinished(
                                run.id,
                                record.key,
                                StreamStatus.COMPLETED,
                                counters,
                                capped=capped_at is not None,
                                note=note,
                                **_budgets_seen(client),  # its source's quota, then stored
                            )
                        )
                        return
                    assert end is not None  # last: a replay's stream stops where its original did
                    raise RecordingEnded(end)
            # A stream whose connector yielded no page at all is complete and empty.
            if not await settle(len(sending)):
                return
            note = _joined(record.note, *page_notes)
            self._completed_empty(
                run.id, record, _with_calls(counters, record, stats), note, client
            )
        except (StorageError, MirrorError) as exc:  # the mirror, not the stream: stop the run
            self._stopped = self._stopped or exc
            await drain()
            log.warning("%s stopped: %s", record.key, exc)
            self._interrupted(record, _with_calls(counters, record, stats), str(exc))
            raise
        except Exception as exc:
            await drain()
            ended = StreamStatus.FAILED
            mend: str | None = None  # a permanent cause: resuming would fail the same way
            if isinstance(exc, ApiError):
                message = _reason(str(exc))
                mend = exc.mend
                if isinstance(exc, RecordingEnded) and exc.cancelled:
                    ended = StreamStatus.CANCELLED  # where the recorded run was cancelled
                elif isinstance(exc, LookupFailed):
                    ended = exc.ended
            else:  # a connector bug fails its own stream with a line, the traceback goes to the log
                log.exception("%s crashed", record.key)
                message = _reason(f"internal error ({type(exc).__name__}: {exc})")[:300]
            log.warning("%s %s: %s", record.key, ended, message)
            self.mirror.set_stream_status(record.id, ended, message, mend=mend)
            # its calls since the last page too (stored by ``finally`` below): a failed
            # stream's row said 0 calls while the summary counted them (a tester's finding)
            counters = _with_calls(counters, record, stats)
            self._emit(
                ev.StreamFinished(
                    run.id, record.key, ended, counters, message, **_budgets_seen(client)
                )
            )
        except asyncio.CancelledError:
            # A page being committed on the writer thread still lands (in order, with its
            # checkpoint; ``drain`` waits for it, and leaves out one not yet taken); if it was
            # the stream's last, the stream stays completed. The last line says what was
            # stored, that page included.
            await drain()
            self.mirror.set_stream_status(record.id, StreamStatus.CANCELLED, unless_completed=True)
            stored = next(one for one in self.mirror.streams(run.id) if one.id == record.id)
            counters = replace(stored.counters, api_calls=record.api_calls + stats.api_calls)
            completed = stored.status == StreamStatus.COMPLETED
            self._emit(
                ev.StreamFinished(
                    run.id,
                    record.key,
                    StreamStatus.COMPLETED if completed else StreamStatus.CANCELLED,
                    counters,
                    capped=completed and stored.capped,
                    note=stored.note if completed else None,
                    **_budgets_seen(client),
                )
            )
            raise
        finally:
            if stats.api_calls != committed_calls or stats.wait_seconds != committed_wait:
                calls, wait_s = (
                    stats.api_calls - committed_calls,
                    stats.wait_seconds - committed_wait,
                )
                try:
                    self.mirror.add_stream_calls(record.id, calls, wait_s)
                except (StorageError, MirrorError):  # a lock: kept, for when it is gone
                    if self.unrecorded is not None:
                        self.unrecorded.add_stream(record.id, calls, wait_s)


def _first_page_size(run: RunRecord, record: StreamRecord, page: Page, now: float) -> int | None:
    """Items ``record``'s window holds, judged from its first ``page`` at ``now`` (epoch
    seconds on the run's clock): ``pages.first_page_estimate`` over the run's window, or over
    what a re-sync fetches (``fetch_since``), at most the run's ``max_items``; None when the
    page held nothing in the window (more pages follow, at no rate it could tell)."""
    items = first_page_estimate(
        page,
        now=datetime.fromtimestamp(now, UTC),
        cutoff=datetime.fromisoformat(run.since),
        since=provider_time(record.fetch_since),
        max_items=run.max_items,
    ).items
    return items or None


def _with_calls(
    counters: StreamCounters, record: StreamRecord, stats: LabelledStats
) -> StreamCounters:
    """``counters`` with every call the stream made (those since its last page included), as
    its ``StreamFinished`` says them: the live table's calls add up to the summary's."""
    return replace(counters, api_calls=record.api_calls + stats.api_calls)


def _budgets_seen(client: ApiClient) -> dict[str, Any]:
    """The source's budgets as its last answer reported them (the transport keeps the last
    known when an answer has none), as a progress event's fields."""
    transport = client.transport
    quota = transport.quota
    return {
        "quota_remaining": quota.remaining if quota else None,
        "quota_limit": quota.limit if quota else None,
        "budgets": tuple(
            ev.BudgetLeft(q.name, q.remaining, q.limit) for q in transport.quotas.values()
        ),
        "tokens": _tokens_left(transport.tokens),
    }


def _tokens_left(pool: TokenPool | None) -> tuple[ev.TokenLeft, ...]:
    """Calls and request quota per token of a source given several (by fingerprint)."""
    if pool is None:
        return ()
    return tuple(
        ev.TokenLeft(row["token"], row["calls"], row["remaining"], row["limit"], row["dropped"])
        for row in pool.summary()
    )


#: Distinct page notes a stream keeps (a note is one line beside the stream, not a log): a
#: later page's note used to replace the one before, and "read in pages of 50" was lost.
PAGE_NOTES_KEPT = 4


def _joined(*notes: str | None) -> str | None:
    """Plain lines about a stream, joined with '; ' (``None`` when there is none), each one
    line (:func:`_reason`: a note may quote the provider, a 409's or 410's message)."""
    return "; ".join(one_line(n) for n in notes if n) or None


def _reason(text: str) -> str:
    """A stream's or a source's failure line, as every face shows it (the mirror, the events,
    so the app, the headless display, the summary and the report): credentials redacted and
    provider text in it kept on one line (``textsafe.one_line``: a 403's message holding
    ``\\r\\nFAKE: completed, 99 fetched`` printed a status line of its own, a tester's
    finding)."""
    return one_line(redact(text))


class _ReadAhead:
    """A stream's pages, where the next one may be asked for while the engine stores this one.

    :meth:`read_ahead` starts fetching the next page (its request, its transform) as a task of
    its own, so a page's commit and the next page's round trip overlap, as a parallelized dlt
    resource does (bench/api_time_dlt.py); the engine calls it only when the stream goes on
    (not capped, not done, its pointer moved), so no request is made that a run would not
    make. A page read ahead is not stored before the engine takes it, so a crash still loses
    at most the pages in flight and resume asks them again from the checkpoint.
    """

    def __init__(self, pages: AsyncGenerator[Page, None]) -> None:
        self._pages = pages
        self._next: asyncio.Future[Page | None] | None = None

    def read_ahead(self) -> None:
        if self._next is None:
            self._next = asyncio.ensure_future(anext(self._pages, None))

    async def next(self) -> Page | None:
        """The next page (``None`` after the last); raises what fetching it raised."""
        if self._next is None:
            return await anext(self._pages, None)
        task, self._next = self._next, None
        return await task

    async def aclose(self) -> None:
        """Cancel a page being read ahead (its request), then close the pages."""
        task, self._next = self._next, None
        if task is not None:
            task.cancel()
            await asyncio.wait([task])  # our own cancellation still propagates
            if not task.cancelled():
                task.exception()  # retrieved: a failure of a page no one will take
        await self._pages.aclose()


@dataclass(frozen=True)
class _QueuedPage:
    """A page waiting for the writer thread, and where its stream awaits the outcome."""

    page: PageWrite
    result: concurrent.futures.Future[PageResult | None]


@dataclass(frozen=True)
class _Sending:
    """A page a stream queued for the writer thread (``result``), and what it adds once
    stored: its items taken and failed, and the stream's calls and wait when it was queued."""

    result: concurrent.futures.Future[PageResult | None]
    taken: int
    failed: int
    calls: int
    waited: float


class LookupFailed(ApiError):
    """A source's lookup failed while its streams were starting: each stream fails with it
    (``ended``: cancelled instead when a replay's lookup met where its recorded run was
    cancelled)."""

    def __init__(
        self, message: str, *, ended: StreamStatus = StreamStatus.FAILED, mend: str | None = None
    ) -> None:
        super().__init__(message)
        self.ended = ended
        self._mend = mend

    @property
    def mend(self) -> str | None:  # the lookup's own cause's (http/errors.py ApiError.mend)
        return self._mend


class _MendLine(str):
    """A lookup's failure line with what to mend when its cause is permanent (``mend``:
    ``ApiError.mend``; ``None`` when resuming may succeed)."""

    mend: str | None

    def __new__(cls, text: str, *, mend: str | None) -> _MendLine:
        line = super().__new__(cls, text)
        line.mend = mend
        return line

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, str | None]]:
        # Pickled across the app's run-process pipe: without this its keyword was lost, and
        # the app said the run's process had stopped (a second fresh tester's finding).
        return (str(self),), {"mend": self.mend}


def _mend_of(error: str) -> str | None:
    """What to mend before a source whose lookup failed with ``error`` can succeed."""
    return error.mend if isinstance(error, _MendLine) else None


class _RecordingEndLine(str):
    """A lookup's failure line that is a replay reaching where its recorded run stopped
    (``recording.RecordingEnded``): its streams end cancelled when that run was cancelled."""

    cancelled: bool

    def __new__(cls, text: str, *, cancelled: bool) -> _RecordingEndLine:
        line = super().__new__(cls, text)
        line.cancelled = cancelled
        return line

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, bool]]:
        return (str(self),), {"cancelled": self.cancelled}  # picklable, as _MendLine


def _ended_as(error: str) -> StreamStatus:
    """How the streams of a source whose lookup failed with ``error`` end: cancelled where a
    replay met the end of a cancelled run's recording, else failed."""
    if isinstance(error, _RecordingEndLine) and error.cancelled:
        return StreamStatus.CANCELLED
    return StreamStatus.FAILED


def _retrieved(stored: asyncio.Future[PageResult | None]) -> None:
    """Mark a page's outcome seen (``_run_stream``'s ``fetch_next`` may not await it): its
    error is its stream's to raise, through ``settle``."""
    if not stored.cancelled():
        stored.exception()


async def _quietly(lookup: asyncio.Future[None]) -> None:
    """Wait for an overlapped lookup; its failure is reported by the streams awaiting it."""
    with contextlib.suppress(LookupFailed):
        await lookup


async def _together(coroutines: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run coroutines concurrently and wait for them all (``asyncio.gather``), then raise the
    first error any of them raised, a refusal of the mirror (a full disk, say) first.

    Cancelling the caller cancels them all at once, as ``gather`` does.
    """
    results = await asyncio.gather(*coroutines, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    for error in errors:
        if isinstance(error, StorageError | MirrorError):
            raise error
    if errors:
        raise errors[0]


@dataclass
class LabelledStats(CallStats):
    label: str | None = None


class _LockWatch:
    """While a run goes, a thread that says (``MirrorWait``, once per wait) when a write has
    waited ``MIRROR_WAIT_NOTICE_S`` for the mirror's write lock, naming the processes that
    hold the mirror open where the platform tells. A thread, not the event loop: a status write
    on the loop's own thread blocks the loop while SQLite waits."""

    POLL_S = 0.25

    def __init__(self, engine: Engine, run_id: str) -> None:
        self.engine, self.run_id = engine, run_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="mirror-lock-watch", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        from ..store import opening
        from ..store.failures import lock_holders

        mirror, said = self.engine.mirror, None
        while not self._stop.wait(self.POLL_S):
            since = mirror.lock_wait_since
            if since is None or since == said:
                continue
            waited = time.monotonic() - since
            if waited >= MIRROR_WAIT_NOTICE_S:
                said = since
                holders = tuple(lock_holders(mirror.path))
                limit = opening.RUN_BUSY_TIMEOUT_S
                self.engine._emit(ev.MirrorWait(self.run_id, waited, limit, holders))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
