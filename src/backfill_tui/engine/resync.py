"""Re-syncs: a second run of the same sources into the same mirror fetches what changed.

Two rules, both skipped by ``run --full`` (and by a replay, which must ask what was recorded):

- **Production's gap rule** (lightfast-data-model.md §9.2): a stream whose earlier completed,
  uncapped run in the same workspace already covered the requested window (its ``since`` at or
  before this run's, and it read that window whole: not ended short by a resource gone
  between two pages, ``Page.ended_short``) fetches only what is newer than that run's start,
  less :data:`RESYNC_OVERLAP` (:func:`resync_since`). :func:`plan_gaps` records the narrowed
  start on the stream (``streams.fetch_since``) when the run is planned, so a resume narrows
  it alike.
- **Conditional requests** (GitHub, "Best practices for using the REST API": a 304 to an
  authorized conditional request does not count against the primary rate limit): such a
  stream first asks the URL of its last first page again with ``If-None-Match`` and the stored
  ``ETag``. A 304 means the list's newest page is as it was, so nothing is new or updated
  where the list is newest first on its window field (GitHub's issues and pulls): the stream
  completes, storing nothing, for no quota. Otherwise it fetches its narrowed window. Where a
  first page cannot vouch for the rest (``Connector.first_page_vouches``: GitHub's commits
  once anything was pushed since; its releases keep a validator only for a one-page list),
  the 304 is not asked. A source's lookup (GitHub's repository) asks conditionally too, and
  reuses the stored body on a 304.

Hand-written validators rather than hishel's caching transport: hishel stores whole responses
(every page's body) in its own storage and turns a 304 back into the cached 200, so the stream
would re-read and re-store an unchanged page; here a 304 must *end* the stream, the validator
must belong to the workspace and the run that stored it (a mirror holds many), and the mirror is
already the one file a run writes. Called by ``engine/run.py`` at a few small hooks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ..connectors import Connector, KnownAnswer, Stream, provider
from ..http import ApiClient, ApiError
from ..store import Mirror, RunRecord, StreamRecord
from ..store.resync import LOOKUP, Coverage
from ..terms import UNCHANGED
from .environment import world_settings


def covering(
    mirror: Mirror,
    workspace: str,
    provider_name: str,
    target: str,
    entity: str,
    *,
    since: str,
    before_run: str,
    simulate: bool,
    simulator: str | None,
) -> Coverage | None:
    """The gap rule above for one stream: the earlier completed, uncapped run (not
    ``before_run``) that covered its window from ``since`` (ISO 8601 UTC), reading it whole
    (a stream a later page's 404 ended short covers nothing), in the same kind of
    environment (live, or a simulator holding the same history: ``world_settings``; latency,
    faults and limits aside), or None, also when its connector reads its whole window every
    time (for now).
    Used by :func:`plan_gaps` for a planned run and by ``estimate.resync_starts`` before one."""
    if not provider(provider_name).connector.narrows:
        return None
    world = world_settings(simulator)
    return mirror.covering_run(
        workspace,
        provider_name,
        target,
        entity,
        since=since,
        before_run=before_run,
        simulate=simulate,
        same_settings=lambda stored: world_settings(stored) == world,
    )


#: How far before the covering run's start a re-sync asks from. That start is this machine's
#: clock; an item the provider stamps a little earlier may not have been listed to that run:
#: a client clock ahead of the provider's, or an update the provider's replicas did not yet
#: list (a fresh tester's finding: an item updated 30 s before the first run, not in its list,
#: was never fetched by any re-sync, only by ``--full``). Items read again in the overlap are
#: duplicates by sourceId, stored once. Ten minutes: far past the skew of a synchronised clock
#: and GitHub's replica lag (seconds), and a few items at most on an active repository.
RESYNC_OVERLAP = timedelta(minutes=10)


def resync_since(covered_started_at: str, window_since: str) -> str:
    """Where a re-sync narrowed by the gap rule starts (ISO 8601 UTC, as both arguments): the
    covering run's start less :data:`RESYNC_OVERLAP`, never before the run's own window."""
    start = datetime.fromisoformat(covered_started_at) - RESYNC_OVERLAP
    return max(start, datetime.fromisoformat(window_since)).isoformat()


def plan_gaps(mirror: Mirror, run: RunRecord) -> int:
    """Narrow each stream of the just-planned ``run`` that an earlier completed run already
    covered (the gap rule above); returns how many were narrowed."""
    narrowed = 0
    for record in mirror.streams(run.id):
        covered = covering(
            mirror,
            run.workspace,
            record.provider,
            record.target,
            record.entity,
            since=run.since,
            before_run=run.id,
            simulate=run.simulate,
            simulator=run.simulator,
        )
        if covered is None or covered.started_at > run.started_at:
            continue
        since = resync_since(covered.started_at, run.since)
        mirror.set_fetch_since(record.id, since, covered.run_id)
        record.fetch_since, record.resync_of = since, covered.run_id
        narrowed += 1
    return narrowed


def stream_for(connector: Connector, record: StreamRecord) -> Stream:
    """The stream a run fetches: narrowed to ``fetch_since`` on a re-sync, else whole."""
    if record.fetch_since is None:
        return connector.stream(record.entity)
    return connector.stream_since(record.entity, datetime.fromisoformat(record.fetch_since))


async def unchanged(
    mirror: Mirror, run: RunRecord, record: StreamRecord, client: ApiClient, connector: Connector
) -> str | None:
    """Ask a re-synced stream's stored first page conditionally; on a 304, the plain line
    saying it is unchanged (the stream then completes, storing nothing), else ``None``.

    Only a stream not yet started (no checkpoint), narrowed by the gap rule, whose stored
    validator vouches for the very run that covered it, asks; any other answer than a 304
    (a 200, an error) leaves the stream to fetch as usual.
    """
    if record.fetch_since is None or record.resync_of is None or record.cursor is not None:
        return None
    known = mirror.validator(run.workspace, record.source, record.entity)
    if known is None or known.run_id != record.resync_of:
        return None
    try:
        vouches = await connector.first_page_vouches(
            record.entity, datetime.fromisoformat(record.fetch_since)
        )
    except ApiError:
        return None  # the lookup failed: the stream's own first page will meet it and say so
    if not vouches:
        return None
    try:
        answer = await client.get(known.url, etag=known.etag)
    except ApiError:
        return None  # the stream's own first page will meet it and say so
    if not answer.not_modified:
        return None
    mirror.revalidated(run.workspace, record.source, record.entity, run.id)
    label = provider(record.provider).label
    return (
        f"{UNCHANGED} {record.resync_of}: {label} answered 304 Not Modified, so nothing was "
        "fetched again"
    )


def before_lookup(
    mirror: Mirror, run: RunRecord, connector: Connector, streams: list[StreamRecord]
) -> None:
    """Give a re-synced source's lookup its stored answer (asked conditionally)."""
    if any(s.fetch_since is not None for s in streams):
        source = f"{connector.provider}:{connector.target}"
        known = mirror.validator(run.workspace, source, LOOKUP)
        if known is not None and known.body is not None:
            connector.known_lookup = KnownAnswer(known.url, known.etag, known.body)


def after_lookup(mirror: Mirror, run: RunRecord, connector: Connector) -> None:
    """Keep a lookup's validator and body for the next re-sync."""
    answer = connector.lookup_answer
    if answer is not None:
        source = f"{connector.provider}:{connector.target}"
        mirror.store_validator(
            run.workspace, source, LOOKUP, run.id, answer.url, answer.etag, answer.body
        )
