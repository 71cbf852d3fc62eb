"""How big a backfill will be, from the first page of each stream, before it starts.

For every stream the request asks for, :func:`estimate` fetches only the first page (through
the real connector and an :class:`ApiClient` built as the engine builds it), counts the items
in the window and, when there is a next page, extrapolates linearly over time from the oldest
item on the page: ``items ≈ n × (now − cutoff) / (now − oldest)``. API calls are the estimated
pages plus each source's setup call (and a stream's catch-up: ``Stream.catches_up``); quota is what the provider last reported. The terminal
app shows the result and uses it as the progress bars' totals. No Textual here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from ..connectors import provider
from ..connectors.base import provider_time
from ..errors import BackfillError
from ..http import ApiError, CallStats, WaitNotice, current_stats
from ..secrets_registry import redact
from .connection import open_client
from .environment import Environment, public_settings
from .mirror import Mirror
from .pages import extrapolate, first_page_estimate
from .resync import covering, resync_since
from .run import RunRequest, plan_streams
from .shared_ids import owner_note, shared_notes

#: Told of an estimate's wait: (provider label, until in clock seconds, reason).
EstimateWait = Callable[[str, float, str], None]

__all__ = [
    "Estimate",
    "EstimateWait",
    "SourceEstimate",
    "StreamEstimate",
    "estimate",
    "extrapolate",
    "resync_starts",
]


@dataclass(frozen=True)
class StreamEstimate:
    key: str  # "provider:target/entity", as StreamRecord.key
    items: int
    exact: bool  # the whole window fitted on the first page
    api_calls: int  # estimated pages
    #: A re-sync's start (ISO 8601 UTC): the stream fetches only what is newer (resync.py's gap
    #: rule), so ``items`` counts only that; None for a whole window.
    resync_since: str | None = None


@dataclass
class SourceEstimate:
    source: str
    streams: list[StreamEstimate] = field(default_factory=list)
    setup_calls: int = 1
    quota_remaining: int | None = None
    quota_limit: int | None = None
    calls_used: int = 0  # what the estimate itself cost
    error: str | None = None
    #: The account owning the source as its lookup found it (``Connector.owner``: Linear's
    #: organization id), or None.
    owner: str | None = None

    @property
    def items(self) -> int:
        return sum(s.items for s in self.streams)

    @property
    def api_calls(self) -> int:
        return self.setup_calls + sum(s.api_calls for s in self.streams)


@dataclass
class Estimate:
    sources: list[SourceEstimate]
    depth: int
    #: Sources sharing production's sourceIds with another of the request or the workspace
    #: (:func:`shared_id_notes`), each note once; set by the face that reads the mirror.
    notes: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(s.items for s in self.sources)

    @property
    def api_calls(self) -> int:
        return sum(s.api_calls for s in self.sources if s.error is None)

    @property
    def exact(self) -> bool:
        return all(st.exact for s in self.sources for st in s.streams)

    @property
    def failed(self) -> bool:
        """Every source failed: nothing was counted, so :attr:`items` and :attr:`api_calls`
        (0 and 0) are no estimate. The connect screen led with "0 items in 0 API calls over
        30 days." before the reason (a fresh tester's finding, after a TLS failure)."""
        return bool(self.sources) and all(s.error is not None for s in self.sources)

    def totals(self) -> dict[str, int]:
        """Estimated items per stream key (the dashboard's progress-bar totals)."""
        return {st.key: st.items for s in self.sources for st in s.streams}


def _tell_wait(on_wait: EstimateWait, label: str, notice: WaitNotice) -> None:
    on_wait(label, notice.until, notice.reason)


async def _estimate_source(
    environment: Environment,
    provider_name: str,
    target: str,
    entities: list[str],
    now: datetime,
    cutoff: datetime,
    max_items: int,
    resync: dict[str, str],
    on_wait: EstimateWait | None = None,
) -> SourceEstimate:
    info = provider(provider_name)
    result = SourceEstimate(f"{provider_name}:{target}")
    stats = CallStats()
    reset = current_stats.set(stats)
    told: Callable[[WaitNotice], None] | None = None
    if on_wait is not None:
        told = partial(_tell_wait, on_wait, info.label)
    try:
        client = open_client(environment, info, environment.credential(info), on_wait=told)
    except BackfillError as exc:
        current_stats.reset(reset)
        result.error = str(exc)
        return result
    try:
        connector = info.connector(target, client, cutoff)
        await connector.prepare()
        result.owner = connector.owner
        for entity in entities:
            stream = connector.stream(entity)
            pages = stream.pages(None)
            try:
                page = await anext(pages, None)
            finally:
                await pages.aclose()
            key = f"{provider_name}:{target}/{entity}"
            since = resync.get(key)
            if page is None:
                result.streams.append(StreamEstimate(key, 0, True, 1, since))
                continue
            sized = first_page_estimate(
                page,
                now=now,
                cutoff=cutoff,
                since=provider_time(since),
                max_items=max_items,
            )
            calls = sized.api_calls
            if stream.catches_up and calls > 1 and sized.items < max_items:
                calls += 1  # its list's front read again after its last page
            result.streams.append(StreamEstimate(key, sized.items, sized.exact, calls, since))
    except ApiError as exc:
        result.error = redact(str(exc))
    finally:
        current_stats.reset(reset)
        quota = client.transport.quota
        if quota is not None:
            result.quota_remaining, result.quota_limit = quota.remaining, quota.limit
        result.calls_used = stats.api_calls
        await client.aclose()
    return result


async def estimate(
    environment: Environment,
    request: RunRequest,
    *,
    now: datetime | None = None,
    resync: dict[str, str] | None = None,
    on_wait: EstimateWait | None = None,
) -> Estimate:
    """First page of every stream of the request, concurrently per source. ``resync``: the
    start (ISO 8601 UTC) of each stream a re-sync narrows, by stream key
    (:func:`resync_starts`); such a stream counts only what is newer. ``on_wait``: told of
    each rate-limit or quota wait as it starts, with the provider's label ("Vercel"), the
    moment it ends (the environment clock's seconds) and the reason ("rate limited (429)"),
    as a run's ``RateLimitWait`` is."""
    moment = now or datetime.fromtimestamp(environment.clock.now(), UTC)
    cutoff = moment - timedelta(days=request.depth)
    by_source: dict[tuple[str, str], list[str]] = {}
    for provider_name, target, entity in plan_streams(request):
        by_source.setdefault((provider_name, target), []).append(entity)
    sources = await asyncio.gather(
        *(
            _estimate_source(
                environment,
                p,
                t,
                entities,
                moment,
                cutoff,
                request.max_items,
                resync or {},
                on_wait,
            )
            for (p, t), entities in by_source.items()
        )
    )
    return Estimate(list(sources), request.depth)


def shared_id_notes(
    mirror: Mirror, request: RunRequest, found: Estimate | None = None
) -> list[str]:
    """What a run of ``request`` would say of its sources sharing production's sourceIds with
    another of the request or of its workspace's earlier runs (``engine/shared_ids.py``:
    two Sentry organizations' projects of one slug), each once, in the short form: the connect
    screen says it beside the estimate, before the run. ``found``: the estimate made, whose
    lookups found each source's owner (Linear's organization): one the workspace's earlier
    runs found another for is said too (``shared_ids.owner_note``). Reads the mirror."""
    sources = [str(s) for s in request.sources]
    notes = list(
        shared_notes(sources, mirror.workspace_sources(request.workspace), brief=True).values()
    )
    for source in found.sources if found is not None else ():
        if source.owner is not None:
            name, _, target = source.source.partition(":")
            others = mirror.other_owners(request.workspace, name, target, source.owner)
            notes.append(owner_note(source.source, others, brief=True) or "")
    return [note for note in dict.fromkeys(notes) if note]


def resync_starts(
    mirror: Mirror,
    environment: Environment,
    request: RunRequest,
    simulator_text: str | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """The streams of ``request`` a run planned now would narrow (``resync.covering``, the gap
    rule ``plan_gaps`` applies: an earlier completed, uncapped run of the workspace covered the
    window), each with the start (ISO 8601 UTC) of the run that covered it, by stream key;
    none for a ``full`` request (``--full``, or a run to record: ``Recorder.request_for``),
    which fetches every window whole. Reads the mirror."""
    if request.full:  # a recorded run's estimate said "↻ a re-sync" and fetched it all
        return {}
    moment = (now or datetime.fromtimestamp(environment.clock.now(), UTC)).replace(microsecond=0)
    since = (moment - timedelta(days=request.depth)).isoformat()
    starts: dict[str, str] = {}
    for provider_name, target, entity in plan_streams(request):
        covered = covering(
            mirror,
            request.workspace,
            provider_name,
            target,
            entity,
            since=since,
            before_run="",
            simulate=environment.simulated,
            simulator=public_settings(simulator_text),
        )
        if covered is not None:
            starts[f"{provider_name}:{target}/{entity}"] = resync_since(covered.started_at, since)
    return starts
