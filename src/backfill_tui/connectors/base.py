"""What every connector is: a provider's streams, and the pages they yield.

A :class:`Connector` serves one source (a provider resource such as ``github:acme/rocket``).
``prepare()`` makes the source-level calls (resolving ids), then ``stream(entity)`` gives a
:class:`Stream` whose ``pages(cursor)`` yields :class:`Page` objects in order. A page carries
its observations, the items that could not be transformed, and the cursor to resume from after
it (``None`` when the stream is done). Connectors know nothing of SQLite or Textual.

The stream GitHub's and Sentry's lists share (paged by ``Link`` headers) is
:class:`.linked_list.LinkedListStream`; what every stream uses (a transform run on one item, an
error answer that is an ordinary state) is here.
"""

from __future__ import annotations

import abc
import asyncio
import re
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from ..errors import UsageError
from ..http import ApiClient, ApiError, ApiResponse, RateLimitPolicy
from ..models import SourceEvent
from ..textsafe import excerpt
from .items import ItemFailure

#: Seconds before a scan's start from which a catch-up takes items again (a list ordered by a
#: field an update changes, read again after its last page: ``LinkedListStream._caught_up``,
#: ``LinearStream._caught_up``): the provider's stamps and its ``Date`` come from its own
#: clocks, a second or two apart at most; a minute keeps the rule well clear of that.
CATCH_UP_MARGIN_S = 60


def provider_time(value: Any) -> datetime | None:
    """A provider's timestamp (ISO 8601 text, with ``Z`` or any offset) as an aware datetime
    in UTC; one without an offset is read as UTC, the zone all four APIs document
    (provider-apis.md); None when absent or not a timestamp (the item's transform then fails
    it alone). A naive time compared with the run's aware cutoff raised TypeError and failed
    the whole stream (a fresh tester's finding), and so did ``9999-12-31T23:59:59-01:00``, past
    year 9999 in UTC (``OverflowError``: None now, as for any other time that is not one).

    The one rule a connector reads a provider's time by. An offset other than UTC
    (``2026-05-02T10:00:00+02:00``: GitHub gives some commit dates in the committer's zone,
    Linear can too) keeps its instant and is turned to UTC, the zone of the mirror's text
    (``models.mirror_time``, which the stored ``occurredAt`` goes through the same way):
    ``provider_time(v).isoformat()`` is the mirror's form. SourceIds never carry a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # past year 9999 or before year 1 once in UTC
        return None


@dataclass(frozen=True)
class StreamOrder:
    """How one stream's list is ordered and windowed, and when its scan may stop early.

    Every connector writes one per stream (``Connector.orders``); docs/real-world.md shows them
    as a table, and the conformance suite checks both. The rule (issue 9, item 1): stop early
    only where ``ordered_by`` proves that no later item can fall inside the window, i.e. the
    list is sorted descending on the very field the window is on; elsewhere read every page
    (bounded by ``--max-items``) and filter.
    """

    #: The field the provider orders the list by, newest first (with its source).
    ordered_by: str
    #: The field the backfill window is on (``field >= cutoff``).
    window_on: str
    #: What the request itself bounds on the server ("" when nothing).
    server_filter: str
    #: True only where the ordering proves no later item can be in the window.
    early_stop: bool
    #: The stop rule in words.
    stop_rule: str


@dataclass
class Page:
    events: list[SourceEvent] = field(default_factory=list)
    failures: list[ItemFailure] = field(default_factory=list)
    #: Items stored, but with a part the provider could not give (a GraphQL error pointing into
    #: one node), keyed by the stored sourceId: recorded against the item, not counted failed.
    item_notes: list[ItemFailure] = field(default_factory=list)
    #: A plain line about an ordinary state the stream met (an empty repository, issues turned
    #: off, a resource gone between two pages): shown by the summary, dashboard and report.
    note: str | None = None
    #: The stream ends here without having read its whole window: an error answer on a later
    #: page was an ordinary state (a resource deleted or hidden between two pages), so the
    #: pages after it were never read. The stream completes, but does not count as covering
    #: its window for a re-sync's gap rule (engine/resync.py; ``streams.ended_short``): a
    #: passing 404 on page 2 was a hole no re-sync filled (a fresh tester's finding).
    ended_short: bool = False
    next_cursor: str | None = None
    #: Items returned by the API but outside the window or not of this stream (PRs in issues).
    skipped: int = 0
    #: The keys of skipped items, where the stream knows them (``LinkedListStream``): with
    #: them the paging guard can tell a page of nothing but items already read (a server
    #: ignoring the cursor) from one with new items it skipped (``PagingGuard.check``).
    skipped_keys: list[str] = field(default_factory=list)
    #: The window field's value (the provider's text) of each taken item, by sourceId, where
    #: the stream knows it (Linear's ``updatedAt``, not ``occurredAt``, its creation; GitHub
    #: releases' ``published_at``): "capped at" names it for the last item a cap kept
    #: (``engine.pages.within_cap``).
    windowed: dict[str, str] = field(default_factory=dict)
    #: The window timestamp (ISO) of the last item the page listed: how far back in the
    #: provider's ordering the page reached. Estimates extrapolate from it (an item's
    #: occurredAt can be much older, e.g. a Linear issue created long ago, updated today).
    reached: str | None = None
    #: On a stream's first page: (the URL asked, its ETag) when the provider sent one; a
    #: re-sync asks that URL again with ``If-None-Match`` to learn whether anything changed.
    validator: tuple[str, str] | None = None
    #: Why the stream cannot go on after this page though the provider says more follow
    #: (Linear: ``hasNextPage`` without an ``endCursor``): the engine stores the page, then
    #: fails the stream with this line, as it does a pointer that repeats (``PagingGuard``).
    stalled: str | None = None
    #: Whether ``stalled`` is met again by a resume (Vercel's ``until`` not falling, Linear's
    #: more without a cursor): ``http.PagingStuck``, not resume. False: it may pass.
    stuck: bool = False
    #: Whether ``stalled`` is a next-page link to another list (``http.LinkElsewhere``).
    strayed: bool = False


@dataclass(frozen=True)
class KnownAnswer:
    """An answer kept from an earlier run: the URL asked, its ETag and its JSON body. Given to
    a connector's lookup, which then asks conditionally and reuses the body on a 304."""

    url: str
    etag: str
    body: Any


class Stream(abc.ABC):
    """One entity of one source: its own cursor, checkpoint, counters and status."""

    entity: str
    #: Whether a scan of two pages or more reads its list's front again after its last page
    #: (``LinkedListStream._caught_up``, ``LinearStream._caught_up``): one call more, estimated.
    catches_up: bool = False

    @abc.abstractmethod
    def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        """Yield pages in order, starting after ``cursor`` (``None``: from the beginning)."""


#: What a stream makes of an error answer to one of its pages: a plain line naming the ordinary
#: account state it is (the stream then ends there, completed, with what it read), or ``None``
#: for a real failure. Its second argument says whether the page was the first this scan asked
#: (for a resumed scan, its stored cursor's page).
StateRule = Callable[[ApiError, bool], "str | None"]


def gone_between_pages(label: str, what: str, error: ApiError, first: bool) -> str | None:
    """A 404/410 on a later page: the resource was deleted (or hidden) while being read.

    The pages before it were real and are kept; the stream ends completed with this line.
    On the first page the same answer means the resource is not there at all: a failure.
    So is one on a page whose link was rebased onto the configured origin
    (:attr:`ApiError.rebased_from`, ``ApiClient.follow``): the URL asked is this client's
    reading of the provider's link, not the provider's own, and its 404 cannot tell a
    resource deleted from a link that does not map onto the base URL. Read as deleted, the
    stream completed and the pages after it were lost without a word (a fresh tester's
    finding); failed, the pages read are kept and a resume reads on. A resumed scan's first
    page (its stored link, maybe rebased by an earlier run's client) counts as ``first``.
    """
    if first or error.status not in (404, 410) or error.rebased_from:
        return None
    said = f" ({label}: {error.said})" if error.said else ""
    return f"{what} was deleted or hidden from this token while it was being read{said}; kept what came before"


@dataclass(frozen=True)
class ProviderInfo:
    """How to reach and authenticate with a provider, and its connector class."""

    name: str
    label: str
    token_env: str
    base_url_env: str
    default_base_url: str
    connector: type[Connector]
    policy: Callable[[], RateLimitPolicy]
    #: Fraction of the provider's quota left untouched (wait for the reset instead).
    reserve_fraction: float = 0.0
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    #: The path every request's own path begins with (Sentry's ``/api/0``): a base URL ending
    #: in it, as the provider's documents write the base, is taken without it
    #: (``environment.checked_base_url``), not asked ``/api/0/api/0/...``.
    request_prefix: str = ""
    #: What a base URL of the provider's own server ends in (GitHub Enterprise's ``/api/v3``):
    #: given twice at the end, it is taken once.
    base_suffix: str = ""

    def auth_header(self, token: str) -> str:
        return self.connector.auth_header(token)


class Connector(abc.ABC):
    provider: ClassVar[str]
    #: The provider's name as written in prose ("GitHub"), as ``ProviderInfo.label``.
    label: ClassVar[str]
    entities: ClassVar[tuple[str, ...]]
    target_pattern: ClassVar[re.Pattern[str]]
    target_help: ClassVar[str]

    #: Per stream: the list's ordering field, the window's field and the stop rule.
    orders: ClassVar[Mapping[str, StreamOrder]]
    #: Plain lines about the source's state found by ``prepare()`` (archived, moved): shown on
    #: every stream of the source, like a stream's own note.
    notes: list[str]

    #: The run's "now" (its window ends there); the engine sets it from the run record, so a
    #: resumed or replayed run asks for the same window as the original.
    started_at: datetime | None = None

    def resumed_since(self) -> datetime | None:
        """Whence a resumed stream catches up on its list (``LinkedListStream._caught_up``,
        ``LinearStream._caught_up``): the run's start (:attr:`started_at`) less
        :data:`CATCH_UP_MARGIN_S`, or None when it is not set. An item updated while the run
        was stopped moved to the front of its list, ahead of where the scan resumes. This
        clock's time, not the provider's: the margin covers a machine's usual skew."""
        if self.started_at is None:
            return None
        return self.started_at - timedelta(seconds=CATCH_UP_MARGIN_S)

    #: Whether streams may start before ``prepare()`` has answered (issue 13, item 2): each of
    #: this connector's streams then awaits :meth:`ready` before it needs the lookup's facts,
    #: so the lookup's round trip overlaps the first pages instead of running alone.
    overlaps_lookup: ClassVar[bool] = False

    #: What this provider's stored cursor (``streams.cursor``) is: ``"link"`` the next page's
    #: URL from its ``Link`` header, ``"until"`` Vercel's ``pagination.next`` (milliseconds),
    #: ``"opaque"`` any text (Linear's ``endCursor``). :meth:`cursor_fault` checks one.
    cursor_form: ClassVar[str] = "opaque"

    @classmethod
    def cursor_fault(cls, cursor: str) -> str | None:
        """None when ``cursor`` has this provider's cursor form (:attr:`cursor_form`), else
        what such a cursor is, in the user's words. A resume refuses a hand-edited one before
        the run is marked running: GitHub read ``{{{not json`` as a path, met a 404, and
        completed the stream with "the repository was deleted or hidden" (a tester's finding);
        Vercel's failed as an internal ValueError."""
        if cls.cursor_form == "link":  # absolute as given, or a path on the configured origin
            import httpx

            try:
                url = httpx.URL(cursor)
            except (httpx.InvalidURL, TypeError, ValueError):
                url = None
            absolute = url is not None and url.scheme in ("http", "https") and bool(url.host)
            if absolute or (url is not None and cursor.startswith("/") and not url.host):
                return None
            return "the next page's URL (https://… or /path), as the provider's Link header gave it"
        if cls.cursor_form == "until":
            if cursor.isascii() and cursor.isdigit() and len(cursor) <= 16:
                return None
            return "the next page's until, a whole number of milliseconds"
        return None if cursor.strip() else "the provider's next-page cursor, as text"

    #: Whether :meth:`stream_since` narrows a stream to a later start (a re-sync's gap rule,
    #: engine/resync.py); where it does not, a re-sync reads the whole window as before.
    narrows: ClassVar[bool] = False

    #: The lookup's answer from an earlier run, set by the engine before ``prepare()``: a
    #: lookup that supports it asks conditionally and reuses the body on a 304.
    known_lookup: KnownAnswer | None = None
    #: Set by ``prepare()`` when its answer carried a validator: kept for the next run.
    lookup_answer: KnownAnswer | None = None
    #: Set by ``prepare()`` when the lookup found it renamed or moved (:meth:`moved_note`).
    lookup_moved: bool = False
    #: The source's id from the run's first lookup (``run_sources.resource_id``), set before a
    #: resume's ``prepare()``, or (``known_earlier``) an earlier run's, only to name a rename.
    known_id: str | None = None
    known_earlier = False
    resource_id: str | None = None  # the id ``prepare()`` found, kept with the run
    owner: str | None = None  # its account where the name leaves it out (Linear's organization)

    def __init__(self, target: str, client: ApiClient, cutoff: datetime) -> None:
        self.target = target
        self.client = client
        self.cutoff = cutoff
        self.notes = []
        self._lookup: asyncio.Future[None] | None = None

    def lookup_started(self, lookup: asyncio.Future[None]) -> None:
        """Told by the engine: ``lookup`` (its task running ``prepare()``) is in flight."""
        self._lookup = lookup

    @property
    def lookup_overlapped(self) -> bool:
        """Whether the lookup runs beside the streams (:meth:`lookup_started` was told)."""
        return self._lookup is not None

    async def ready(self) -> None:
        """Wait for the source's lookup (``prepare()``) when it runs beside the streams;
        raises its error (an :class:`ApiError`), so a stream fails as the source did."""
        if self._lookup is not None:
            await asyncio.shield(self._lookup)

    @classmethod
    def parse_target(cls, target: str) -> str:
        """``target`` as the provider names it; :class:`UsageError` for one the provider's
        pattern refuses, or a name that is ``.`` or ``..``: the patterns allow dots, and
        ``github:a/..`` asked ``GET /repos``, then ``/repos/pulls``, the token sent to paths
        that are no source (a tester's finding; GitHub and Vercel refuse such names)."""
        if not cls.target_pattern.fullmatch(target) or {".", ".."} & set(target.split("/")):
            raise UsageError(
                f"'{excerpt(f'{cls.provider}:{target}')}' is not a valid {cls.label} source; "
                f"write it as {cls.target_help}"
            )
        return target

    @staticmethod
    def auth_header(token: str) -> str:
        return f"Bearer {token}"

    async def prepare(self) -> None:  # noqa: B027 - optional hook
        """Source-level calls made once per run (and again on resume)."""

    @abc.abstractmethod
    def stream(self, entity: str) -> Stream: ...

    def stream_since(self, entity: str, since: datetime) -> Stream:
        """The stream narrowed to what is newer than ``since`` (a re-sync's gap rule); by
        default the whole window (a connector that can narrow overrides this)."""
        return self.stream(entity)

    def moved_note(self, what: str, answer: ApiResponse) -> str | None:
        """A stream's note for a page answered from where ``what`` (``repository
        acme/rocket``) moved for good while it was being read (``answer.moved``: GitHub's 301
        of a repository renamed mid-run, Sentry's 302 ``resource-moved``), in the words of the
        lookup's note for a move found before the run. Every GET follows a redirect on the
        configured origin (``ApiClient.get``), the lookup's and the streams' alike; a list's
        301 or 307 failed its stream (a fresh tester's finding). None when no redirect said
        the resource moved, or when the lookup found the move (:attr:`lookup_moved`: its note
        is on every stream already)."""
        hop = answer.moved
        if hop is None or self.lookup_moved:
            return None
        return (
            f"{what} was renamed or moved while it was being read: {self.label} answered "
            f"{hop.said}; read from there"
        )

    def streams_planned(self, entities: Sequence[str]) -> None:  # noqa: B027 - optional hook
        """Told by the engine before any stream of the source starts: the ``entities`` this
        run reads of it (Linear's rename check waits on the others, ``LinearConnector``)."""

    def stream_over(self, entity: str) -> None:  # noqa: B027 - optional hook
        """Told by the engine when ``entity``'s stream ended, however it ended (completed,
        failed, stopped by a cap or a replay's end, cancelled)."""

    async def first_page_vouches(self, entity: str, since: datetime) -> bool:
        """Whether ``entity``'s first page answering 304 (as it was for the run that started
        at ``since``) proves that nothing in the window is new or changed, so a re-sync may
        complete the stream on it (engine/resync.py). True where a list is newest first on
        the field it is windowed on, as GitHub's issues and pulls (sorted by ``updated``)
        are; a connector says where that is not so. May wait for the source's lookup; raises
        its :class:`ApiError`."""
        return True
