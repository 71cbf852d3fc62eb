"""The engine: plans runs, drives every stream of every source concurrently, owns checkpoints.

Within a stream, pages go in order, and each page's observations are committed together with the
stream's checkpoint, so a crash loses at most the page in flight and ``resume`` continues every
unfinished stream from its checkpoint. Progress is published as :mod:`progress` events to any
subscriber; the engine knows no face (it never imports Textual).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..connectors import Connector, ItemFailure, Page, provider
from ..connectors.identity import canonical_target
from ..errors import BackfillError, MirrorError, StorageError, UsageError
from ..http import (
    ApiClient,
    ApiError,
    CallStats,
    PagingGuard,
    PagingStalled,
    ResilientTransport,
    WaitNotice,
    current_stats,
)
from ..http.tokens import TokenPool, split_tokens
from ..models import DEFAULT_DEPTH, DEFAULT_MAX_ITEMS, DEPTHS, SourceEvent
from ..secrets_registry import public_settings, redact
from ..store import Mirror, RunRecord, StreamRecord, combined_status
from ..terms import suggest
from . import progress as ev
from .environment import Environment

if TYPE_CHECKING:
    from ..recording import Replay

log = logging.getLogger("backfill_tui.engine.run")

Subscriber = Callable[[ev.ProgressEvent], None]


@dataclass(frozen=True)
class SourceSpec:
    provider: str
    target: str
    #: This source's own choice of entities (the terminal app's per-source checkboxes).
    entities: frozenset[str] | None = None

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        name, sep, target = text.partition(":")
        if not sep or not name or not target:
            raise UsageError(
                f"'{text}' is not a source; write PROVIDER:TARGET, for example github:acme/rocket"
            )
        info = provider(name.strip().lower())
        # One spelling per source (connectors/identity.py): ACME/Rocket is acme/rocket.
        checked = info.connector.parse_target(target.strip())
        return cls(info.name, canonical_target(info.name, checked))

    def __str__(self) -> str:
        return f"{self.provider}:{self.target}"


@dataclass(frozen=True)
class RunRequest:
    workspace: str
    sources: tuple[SourceSpec, ...]
    depth: int = DEFAULT_DEPTH
    entities: frozenset[str] | None = None
    max_items: int = DEFAULT_MAX_ITEMS


def validate_workspace(text: str, *, name: str = "--workspace") -> str:
    """The workspace id ``text``, stripped; :class:`UsageError` (one line, naming ``name``) when
    it is empty or holds a control or format character (ESC, a newline, a zero-width or
    bidi mark...): such an id would be stored and sent to production unlike what the terminal
    shows, so it is refused rather than cleaned."""
    import unicodedata

    value = text.strip()
    if not value:
        raise UsageError(f"{name} is empty; give the workspace id the backfill is for")
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs"):
            raise UsageError(
                f"{name} holds a control character (U+{ord(char):04X}); a workspace id is "
                "printable text: type it again without it"
            )
    return value


def validate_depth(days: int) -> int:
    if days not in DEPTHS:
        raise UsageError(f"--days {days} is not offered; choose 7, 30 (recommended) or 90")
    return days


def plan_streams(request: RunRequest) -> list[tuple[str, str, str]]:
    """(provider, target, entity) for every stream the request asks for."""
    streams = []
    known: set[str] = set()
    for spec in request.sources:
        entities = provider(spec.provider).connector.entities
        known.update(entities)
        for entity in entities:
            if spec.entities is not None and entity not in spec.entities:
                continue
            if request.entities is None or entity in request.entities:
                streams.append((spec.provider, spec.target, entity))
    if request.entities is not None:
        unknown = sorted(request.entities - known)
        if unknown:
            raise UsageError(
                f"unknown entity {', '.join(unknown)} for these sources; choose from "
                f"{', '.join(sorted(known))}"
            )
    if not streams:
        raise UsageError("no stream to run: --entities selects none of these sources' entities")
    return streams


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class Engine:
    def __init__(self, mirror: Mirror, environment: Environment) -> None:
        self.mirror = mirror
        self.environment = environment
        self._subscribers: list[Subscriber] = []
        #: Set when the mirror refused a write: every other stream stops at its next page.
        self._stopped: BackfillError | None = None
        #: The token pools of sources given several tokens, by source (calls and quota per
        #: token, by fingerprint, for the summary; http/tokens.py).
        self.token_pools: dict[str, TokenPool] = {}

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def _emit(self, event: ev.ProgressEvent) -> None:
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
    ) -> RunRecord:
        """Validate a request, take the source locks, and record the run and its streams.

        ``started_at`` fixes the run's "now" (a replay selects the recorded window); by default
        it is the environment clock's now. The cutoff is computed from it once, here.
        """
        validate_depth(request.depth)
        validate_workspace(request.workspace)
        if request.max_items < 1:
            raise UsageError("--max-items must be at least 1")
        streams = plan_streams(request)
        for spec in request.sources:
            info = provider(spec.provider)
            self.environment.base_url(info)
            self.environment.credential(info)
        now = started_at or datetime.fromtimestamp(self.environment.clock.now(), UTC)
        now = now.astimezone(UTC).replace(microsecond=0)
        run = RunRecord(
            id=new_run_id(now),
            workspace=request.workspace,
            sources=list(dict.fromkeys(str(s) for s in request.sources)),
            depth_days=request.depth,
            since=(now - timedelta(days=request.depth)).isoformat(),
            entities=set(request.entities) if request.entities is not None else None,
            max_items=request.max_items,
            simulate=self.environment.simulated,
            simulator=public_settings(simulator_text),  # parsed, secrets left out
            started_at=now.isoformat(),
        )
        # Locks first, in the same transaction: a refused run leaves no record behind.
        self.mirror.start_run(run, list(dict.fromkeys(streams)))
        replayed = self.environment.recording
        if replayed is not None:  # a replay: its resume must answer from the same file
            run.recording, run.recording_sha256 = replayed
            self.mirror.set_run_recording(run.id, *replayed)
        return run

    # -- running ---------------------------------------------------------------------------------

    async def run(self, run_id: str) -> str:
        """Run (or resume) every unfinished stream of a run; returns the run's final status."""
        run = self.mirror.get_run(run_id)
        if run is None:
            raise UsageError(
                f"no run {run_id} in {self.mirror.path}; `{suggest('runs', self.mirror.path)}` "
                "lists them"
            )
        check_resumable(run, self.environment, self.mirror.path)  # before any credential
        for spec in run.sources:  # bad configuration is bad input: refuse before starting
            info = provider(spec.split(":", 1)[0])
            self.environment.base_url(info)
            self.environment.credential(info)
        # Runs recorded before sources had one spelling lock under their canonical one too.
        self.mirror.acquire(run.id, run.workspace, [_canonical(s) for s in run.sources])
        self.mirror.set_run_status(run.id, "running")
        streams = [s for s in self.mirror.streams(run.id) if s.status != "completed"]
        self._emit(ev.RunStarted(run.id, run.workspace, run.since, tuple(s.key for s in streams)))
        cutoff = datetime.fromisoformat(run.since)
        by_source: dict[tuple[str, str], list[StreamRecord]] = {}
        for stream in streams:
            by_source.setdefault((stream.provider, stream.target), []).append(stream)
        status = "cancelled"
        self._stopped = None
        stopped: BackfillError | None = None
        try:
            await _together(
                self._run_source(run, p, t, group, cutoff) for (p, t), group in by_source.items()
            )
        except (StorageError, MirrorError) as exc:
            stopped = exc  # the mirror refused a write: every stream has stopped
        finally:
            try:
                # Streams cancelled before their task started never ran their own handlers.
                unfinished = [
                    s for s in self.mirror.streams(run.id) if s.status in ("pending", "running")
                ]
                self._mark(unfinished, "cancelled", None)
                status = combined_status(s.status for s in self.mirror.streams(run.id))
                # On the clock the start was taken on: finished - started is the duration.
                end = datetime.fromtimestamp(self.environment.clock.now(), UTC)
                at = end.replace(microsecond=0).isoformat()
                self.mirror.set_run_status(run.id, status, finished=True, at=at)
                self.mirror.release(run.id)
            except (StorageError, MirrorError) as exc:
                # A full disk may refuse these too: the run stays "running" under a process
                # that is gone, which `runs` shows as interrupted and `resume` continues.
                log.warning("run %s: could not record its end: %s", run.id, exc)
                stopped = stopped or exc
            self._emit(ev.RunFinished(run.id, status))
        if stopped is not None:
            raise stopped
        return status

    def _client(self, run: RunRecord, provider_name: str, target: str) -> ApiClient:
        info = provider(provider_name)
        credential = self.environment.credential(info)
        source = f"{provider_name}:{target}"

        def on_wait(notice: WaitNotice) -> None:
            stats = current_stats.get()
            stream = stats.label if isinstance(stats, LabelledStats) else None
            self._emit(
                ev.RateLimitWait(
                    run.id, source, stream, notice.until, notice.seconds, notice.reason
                )
            )

        base_url = self.environment.base_url(info)
        tokens = split_tokens(credential.value) if credential else []
        pool = TokenPool(tokens, info.auth_header) if len(tokens) > 1 else None
        if pool is not None:  # several tokens in the variable: rotated by quota
            self.token_pools[source] = pool
        transport = ResilientTransport(
            self.environment.inner_transport(),
            provider_label=info.label,
            base_url=base_url,
            auth_header=info.auth_header(credential.value) if credential and not pool else None,
            tokens=pool,
            policy=info.policy(),
            clock=self.environment.clock,
            reserve_fraction=info.reserve_fraction,
            rules=self.environment.retry_rules,
            on_wait=on_wait,
        )
        return ApiClient(
            label=info.label, base_url=base_url, transport=transport, headers=info.extra_headers
        )

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
        stats = LabelledStats(label=None)
        token = current_stats.set(stats)
        error: str | None = None
        try:
            await connector.prepare()
        except ApiError as exc:
            error = redact(str(exc))
        except asyncio.CancelledError:
            self._mark(streams, "cancelled", None)
            raise
        except Exception as exc:  # a connector bug must not stop the other sources
            log.exception("%s:%s setup crashed", provider_name, target)
            error = redact(
                f"internal error in the {info.label} connector ({type(exc).__name__}: {exc})"
            )
        finally:
            current_stats.reset(token)
            self.mirror.add_source_calls(
                run.id, provider_name, target, stats.api_calls, stats.wait_seconds, error
            )
        try:
            if error is not None:
                log.warning("%s:%s failed: %s", provider_name, target, error)
                self._mark(streams, "failed", error)
                return
            if connector.notes:  # the source's own state (moved, archived), on each stream
                for record in streams:
                    record.note = "; ".join(connector.notes)
                    self.mirror.set_stream_note(record.id, record.note)
            await _together(self._run_stream(run, connector, client, s) for s in streams)
        finally:
            await client.aclose()

    def _mark(self, streams: Iterable[StreamRecord], status: str, error: str | None) -> None:
        for stream in streams:
            self.mirror.set_stream_status(stream.id, status, error)
            self._emit(
                ev.StreamFinished(stream.run_id, stream.key, status, _counters(stream), error)
            )

    async def _run_stream(
        self, run: RunRecord, connector: Connector, client: ApiClient, record: StreamRecord
    ) -> None:
        stats = LabelledStats(label=record.key)
        current_stats.set(stats)  # this task's own context
        stream = connector.stream(record.entity)
        counters = _counters(record)
        note = record.note
        committed_calls, committed_wait = 0, 0.0
        # Every provider's pages pass here: a pointer that does not move ends the stream.
        guard, cursor = PagingGuard(record.key, record.cursor), record.cursor
        self.mirror.set_stream_status(record.id, "running")
        try:
            async with contextlib.aclosing(stream.pages(record.cursor)) as pages:
                async for page in pages:
                    if self._stopped is not None:  # another stream met a full disk: stop here
                        with contextlib.suppress(StorageError, MirrorError):
                            self.mirror.set_stream_status(record.id, "cancelled")
                        self._emit(ev.StreamFinished(run.id, record.key, "cancelled", counters))
                        return
                    events, failures, capped_at, done = _within_cap(
                        page, run.max_items - counters.fetched
                    )
                    stalled: PagingStalled | None = None
                    if not done:
                        listed = len(page.events) + len(page.failures) + page.skipped
                        try:
                            guard.check(page.next_cursor, listed)
                        except PagingStalled as exc:
                            stalled = exc  # keep this page's items; resume from the last pointer
                    if not done and stalled is None:
                        cursor = page.next_cursor
                    taken = len(events) + len(failures)
                    if page.note is not None:
                        note = "; ".join(n for n in (record.note, page.note) if n)
                    result = self.mirror.commit_page(
                        record,
                        run.workspace,
                        events,
                        [(f.key, f.reason) for f in failures],
                        fetched=taken,
                        cursor=None if done else cursor,
                        done=done,
                        capped_at=capped_at,
                        api_calls=stats.api_calls - committed_calls,
                        wait_s=stats.wait_seconds - committed_wait,
                        item_notes=_kept_notes(page, events),
                        note=note,
                    )
                    committed_calls, committed_wait = stats.api_calls, stats.wait_seconds
                    counters = ev.StreamCounters(
                        fetched=counters.fetched + taken,
                        new=counters.new + result.new,
                        duplicates=counters.duplicates + result.duplicates,
                        failed=counters.failed + len(failures),
                        pages=counters.pages + 1,
                        api_calls=record.api_calls + stats.api_calls,
                    )
                    quota = client.transport.quota
                    budgets = tuple(
                        ev.BudgetLeft(q.name, q.remaining, q.limit)
                        for q in client.transport.quotas.values()
                    )
                    self._emit(
                        ev.PageStored(
                            run.id,
                            record.key,
                            counters,
                            page_new=result.new,
                            page_duplicates=result.duplicates,
                            quota_remaining=quota.remaining if quota else None,
                            quota_limit=quota.limit if quota else None,
                            budgets=budgets,
                        )
                    )
                    if stalled is not None:
                        raise stalled
                    if done:
                        capped = capped_at is not None
                        self._emit(
                            ev.StreamFinished(
                                run.id, record.key, "completed", counters, capped=capped, note=note
                            )
                        )
                        return
            # A stream whose connector yielded no page at all is complete and empty.
            self.mirror.set_stream_status(record.id, "completed")
            self._emit(ev.StreamFinished(run.id, record.key, "completed", counters, note=note))
        except (StorageError, MirrorError) as exc:  # the mirror, not the stream: stop the run
            self._stopped = self._stopped or exc
            log.warning("%s stopped: %s", record.key, exc)
            with contextlib.suppress(StorageError, MirrorError):
                self.mirror.set_stream_status(record.id, "failed", str(exc))
            self._emit(ev.StreamFinished(run.id, record.key, "failed", counters, str(exc)))
            raise
        except Exception as exc:
            if isinstance(exc, ApiError):
                message = redact(str(exc))
            else:  # a connector bug fails its own stream with a line, the traceback goes to the log
                log.exception("%s crashed", record.key)
                message = redact(f"internal error ({type(exc).__name__}: {exc})")[:300]
            log.warning("%s failed: %s", record.key, message)
            self.mirror.set_stream_status(record.id, "failed", message)
            self._emit(ev.StreamFinished(run.id, record.key, "failed", counters, message))
        except asyncio.CancelledError:
            self.mirror.set_stream_status(record.id, "cancelled")
            self._emit(ev.StreamFinished(run.id, record.key, "cancelled", counters))
            raise
        finally:
            if stats.api_calls != committed_calls or stats.wait_seconds != committed_wait:
                with contextlib.suppress(StorageError, MirrorError):  # accounting, best effort
                    self.mirror.add_stream_calls(
                        record.id,
                        stats.api_calls - committed_calls,
                        stats.wait_seconds - committed_wait,
                    )


def _canonical(source: str) -> str:
    """A recorded ``provider:target`` in its canonical spelling (as it was typed if invalid)."""
    try:
        return str(SourceSpec.parse(source))
    except UsageError:
        return source


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


def _within_cap(
    page: Page, room: int
) -> tuple[list[SourceEvent], list[ItemFailure], str | None, bool]:
    """The part of a page that fits under ``--max-items``: (events, failures, capped_at, done).

    ``capped_at`` says how far a capped stream got (the last kept item's time); a page that
    exactly fills the cap on the stream's last page is not a cap.
    """
    done = page.next_cursor is None
    count = len(page.events) + len(page.failures)
    if count < room or (count == room and done):
        return page.events, page.failures, None, done
    events = page.events[: max(0, room - len(page.failures))]
    failures = page.failures[: room - len(events)]
    reached = events[-1].occurredAt if events else page.reached or "the first page"
    return events, failures, reached, True


def _kept_notes(page: Page, events: list[SourceEvent]) -> list[tuple[str, str]]:
    """(sourceId, reason) of the page's partly read items that were kept under the cap."""
    kept = {e.sourceId for e in events}
    return [(n.key, n.reason) for n in page.item_notes if n.key in kept]


@dataclass
class LabelledStats(CallStats):
    label: str | None = None


def _counters(stream: StreamRecord) -> ev.StreamCounters:
    return ev.StreamCounters(
        stream.fetched, stream.new, stream.duplicates, stream.failed, stream.pages, stream.api_calls
    )


# -- which environment may continue a run ----------------------------------------------------------


def check_resumable(run: RunRecord, environment: Environment, mirror_path: Path) -> None:
    """Refuse (:class:`UsageError`, one line) to run ``run`` in an environment of another kind
    than the one it was made in: a replayed run only from its own recording (same SHA-256), never
    live; a run made with the simulator only with it, and a live run never with it (or a
    recording). ``mirror_path`` names the mirror in the suggested command."""
    if run.recording_sha256 is not None:
        if environment.recording is None or environment.recording[1] != run.recording_sha256:
            raise UsageError(replayed_line(run, mirror_path))
        return
    if environment.recording is not None:
        raise UsageError(
            f"run {run.id} was not replayed from a recording; continue it with "
            f"`{suggest(f'resume {run.id}', mirror_path)}`"
        )
    if run.simulate != environment.simulated:
        made = "on the simulator (--simulate)" if run.simulate else "against the live API"
        raise UsageError(
            f"run {run.id} was made {made} and continues only there: "
            f"`{suggest(f'resume {run.id}', mirror_path)}`"
        )


def replayed_line(run: RunRecord, mirror_path: Path, why: str = "") -> str:
    """The one line refusing to continue a replayed run otherwise than from its recording."""
    import shlex

    path = run.recording or "its recording"
    because = f" ({why})" if why else ""
    again = suggest(f"replay {shlex.quote(path)}", mirror_path)
    return f"run {run.id} was replayed from {path}{because}; replay it again: `{again}`"


def resume_environment(
    run: RunRecord,
    mirror_path: Path,
    *,
    simulator_text: str | None = None,
    current: Environment | None = None,
) -> tuple[Environment, Replay | None]:
    """The environment that continues ``run`` as it was made (the rule: :func:`check_resumable`).

    ``current`` is returned when it fits. A replayed run answers from its recording again when
    the file is still at its stored path with the stored SHA-256 (the :class:`Replay` is returned
    too, for the caller to close), else :class:`UsageError` saying to replay it again. A run made
    with the simulator gets a simulator on ``simulator_text`` (default: the run's own stored
    settings); a live run the live environment. Never a live API for a replayed run.
    """
    if current is not None:
        try:
            check_resumable(run, current, mirror_path)
        except UsageError:
            pass
        else:
            return current, None
    if run.recording_sha256 is not None:
        from ..errors import BackfillError
        from ..recording import Replay

        try:
            replay = Replay.open(run.recording or "")
        except BackfillError as exc:
            raise UsageError(replayed_line(run, mirror_path, _first_clause(str(exc)))) from None
        environment = replay.environment()
        if environment.recording is None or environment.recording[1] != run.recording_sha256:
            replay.close()
            raise UsageError(replayed_line(run, mirror_path, "the file has changed since"))
        return environment, replay
    text = simulator_text if simulator_text is not None else run.simulator or ""
    return Environment.create(simulate=run.simulate, simulator_config=text), None


def _first_clause(message: str) -> str:
    """The reason a recording was refused, without its own advice after the first ';'."""
    return message.split(";", 1)[0]
