"""A stream over a JSON list paged by ``Link`` headers: GitHub's and Sentry's lists.

Both answer a list request with a JSON array and the next page's URL in a ``Link`` header;
:class:`LinkedListStream` reads such a list for a connector, which gives it what is its own:
which items to take, skip or stop at (a :data:`Decision`), the transform, and which error
answers are ordinary account states (a :data:`~.base.StateRule`). Linear (GraphQL) and Vercel
(an ``until`` time) page otherwise and write their streams themselves.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Literal, TypeGuard

import httpx

from ..http import (
    ApiClient,
    ApiError,
    ApiResponse,
    RetriesExhausted,
    answer_date,
    link_strays,
    next_link,
    unread_next,
)
from ..http.errors import NotAList
from ..models import SourceEvent
from .base import (
    CATCH_UP_MARGIN_S,
    Page,
    StateRule,
    Stream,
)
from .items import ItemFailure, json_kind, listed_key, not_an_object, transform_item

#: What a stream does with one listed item: keep it, pass over it, or end the scan there.
Decision = Literal["take", "skip", "stop"]

#: The smallest page a stream asks for when the provider keeps timing out on larger ones.
SMALLEST_PAGE = 10

#: Tries of a page that could still be asked in smaller pages, on the provider's timeout
#: (:func:`timed_out`; any other 5xx gets the whole bound), before it is: a second timeout in
#: a row at one size is the provider's answer for that size (GitHub takes about ten seconds
#: to time out, and the transport's full bound, six tries and their back-off, spent a minute
#: or more at each size before shrinking). A page at the smallest size gets the full bound.
TRIES_BEFORE_SHRINKING = 2


class PagesTimedOut(ApiError):
    """The provider timed out on a list's pages down to :data:`SMALLEST_PAGE`-sized ones (its
    timeout, :func:`timed_out`, past the retry bound at every size): asking again meets the
    same answer, so the hint is not a resume."""

    @property
    def mend(self) -> str | None:
        return (
            "the provider cannot list these items even in small pages; try again later, and "
            'if it persists report it to the provider (GitHub: "contact us if the problem '
            'persists")'
        )


def timed_out(error: ApiError) -> TypeGuard[RetriesExhausted]:
    """Whether ``error`` is a page the server kept failing to answer in time: past the retry
    bound on answers the provider's policy reads as a timeout (``RetriesExhausted.timed_out``;
    ``GitHubPolicy.timed_out``: a 504, or a 502 saying "We couldn't respond to your request in
    time"; GitHub's advice, REST docs "Troubleshooting": ask for fewer items a page). A plain
    502 burst (``{"message": "Server Error"}``, an outage) is not one: it was shrunk to the
    smallest pages and failed as :class:`PagesTimedOut`, saying a resume would fail the same
    way, where a resume after the burst worked (a fresh tester's finding)."""
    return isinstance(error, RetriesExhausted) and error.timed_out


def smaller_page(
    url: str, params: Mapping[str, Any] | None, floor: int = SMALLEST_PAGE
) -> tuple[str, Mapping[str, Any] | None, int, int] | None:
    """The same place in a list paged by number, asked in smaller pages: ``(url, params,
    size, smaller)``, or None when ``smaller`` would fall below ``floor``.

    The page asked (``page`` N, default 1, of ``per_page`` items, from ``params`` or the
    URL's query; GitHub's default size is 30) begins after (N−1)·size items. The new size is
    the largest divisor of the old one at most half of it and at least ``floor`` (100 → 50 →
    25), so that offset is a whole number of new pages: page (N−1)·size/smaller + 1 (page N
    of 100 is page 2N−1 of 50), and no item is skipped or read twice.
    """
    asked = httpx.URL(url)
    merged: dict[str, Any] = {**dict(asked.params), **(params or {})}
    try:
        size, number = int(merged.get("per_page", 30)), int(merged.get("page", 1))
    except (TypeError, ValueError):
        return None
    smaller = next((d for d in range(size // 2, floor - 1, -1) if size % d == 0), None)
    if smaller is None or number < 1:
        return None
    page = (number - 1) * size // smaller + 1
    if params is not None and "per_page" in params and "page" not in asked.params:
        return url, {**params, "per_page": smaller, "page": page}, size, smaller
    moved = asked.copy_set_param("per_page", smaller).copy_set_param("page", page)
    return str(moved), None, size, smaller


def _date_less_margin(answer: ApiResponse) -> str | None:
    """The answer's ``Date`` header (``http.answer_date``) less :data:`CATCH_UP_MARGIN_S`, as
    GitHub writes its stamps (``2026-11-28T12:00:00Z``), or None without a readable one."""
    moment = answer_date(answer.headers)
    if moment is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment - CATCH_UP_MARGIN_S))


class LinkedListStream(Stream):
    """A stream over a JSON list paged by ``Link`` headers (GitHub, Sentry).

    Each item is decided in list order: taken (transformed; a malformed one is a counted
    failure), skipped (outside the window, or not of this stream), or "stop", which ends the
    scan: no page is fetched after it. A connector answers "stop" only where its
    :class:`~.base.StreamOrder` says the list is sorted on the window's own field. An error answer is
    given to ``state`` first: an ordinary account state ends the stream completed with its note.
    The cursor is the provider's next URL, followed verbatim (the HTTP layer checks its host)
    if it pages this list: another path (``same_list`` read) or a filter changed stores the page
    and fails the stream (``http.link_strays``).
    A page with no next link whose ``Link`` header did not read whole is not the last: it is
    stored and the stream stops there (``Page.stalled``, :func:`~..http.unread_next`).
    A page answered from elsewhere (the HTTP layer follows a redirect on the configured origin)
    is read as any other; ``moved`` gives it its note when the resource moved for good (the
    connector's :meth:`~.base.Connector.moved_note`).
    """

    def __init__(
        self,
        client: ApiClient,
        entity: str,
        path: str | Callable[[], str],
        params: Mapping[str, Any],
        decide: Callable[[dict[str, Any]], Decision],
        transform: Callable[[Any], SourceEvent],
        key: Callable[[Any], str],
        position: Callable[[dict[str, Any]], Any] | None = None,
        state: StateRule | None = None,
        ready: Callable[[], Awaitable[None]] | None = None,
        *,
        validated_whole_only: bool = False,
        moved: Callable[[ApiResponse], str | None] | None = None,
        catch_up: bool = False,
        resumed_since: Callable[[], datetime | None] | None = None,
        shrinks: bool = False,
        same_list: Callable[[str], str] | None = None,
        window: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.entity = entity
        #: Pages are numbered (``page``, ``per_page``): a page the server keeps timing out on
        #: (:func:`timed_out`) is asked again in smaller pages (:func:`smaller_page`), and
        #: the stream goes on at that size (GitHub's ``Link`` URLs keep the ``per_page``).
        self._shrinks = shrinks
        #: The list is newest first on the field ``position`` reads, a field an update changes
        #: (GitHub's issues and pulls by ``updated``, Sentry's issues by ``lastSeen``): an item
        #: updated while the list is read moves to its front, ahead of the pages still to
        #: read, and is caught up (:meth:`_caught_up`) after any scan of two pages or more and
        #: after any resumed scan.
        self._catch_up = self.catches_up = catch_up and position is not None
        #: Whence a resumed scan catches up (``Connector.resumed_since``: the run's start): what
        #: was updated while the run was stopped is at the list's front.
        self._resumed_since = resumed_since
        self._position = position
        #: Keep the first page's validator only when that page is the whole list (no next
        #: link): where the list is not newest first on its window field, a 304 on page 1 says
        #: nothing of page 2 (GitHub's releases, listed by creation: a fresh tester's finding).
        self._validated_whole_only = validated_whole_only
        self._state = state
        self._client = client
        self._path = path
        #: Awaited after the first answer and before any item is decided: the source's lookup
        #: (the connector's ``ready``), which may still be in flight when the first page is
        #: asked. ``path`` may be a callable, read when the first page is asked: by then a
        #: lookup that ran first has found the name the list answers at (a renamed
        #: repository), saving the redirect's round trip.
        self._ready = ready
        self._moved = moved
        self._params = params
        self._decide = decide
        self._transform = transform
        self._key = key
        #: The list a path names, in one form (GitHub's ``/repositories/{id}/…``): a next
        #: link to any other list ends the stream (:meth:`_strays`).
        self._same_list = same_list
        #: The window field's value of an item, where ``position`` (the list's order) is not
        #: it (GitHub's releases: listed by creation, windowed on publication).
        self._window = window or position

    def _strays(self, link: str, answered: str) -> str | None:
        """Why ``link``, the next link of the page that answered at ``answered``, does not
        page this list (``http.link_strays``): one line for ``Page.stalled``, else None."""
        first = httpx.URL(self._first_path())  # a path, joined to the base URL's as httpx does
        base = httpx.URL(self._client.base_url).path.rstrip("/")
        paths = [first.path if first.is_absolute_url else base + first.path]
        page = httpx.URL(answered)
        paths.append(page.path)
        try:
            self._client.follow(link)
        except ApiError:  # another host's, or a credential outside the query: refused when asked
            return None
        why = link_strays(link, paths, page.params, self._same_list)
        if why is None:
            return None
        return (
            f"{self._client.label}: a next-page link leaves the list: {why}; paging stopped, "
            "its items not read"
        )

    def _first_path(self) -> str:
        return self._path() if callable(self._path) else self._path

    async def pages(self, cursor: str | None) -> AsyncGenerator[Page, None]:
        url: str | None = cursor or self._first_path()
        params: Mapping[str, Any] | None = None if cursor else self._params
        first = cursor is None
        waiting = self._ready
        resumed = cursor is not None
        # When the scan began, less CATCH_UP_MARGIN_S: the first answer's Date, or for a
        # resumed scan the run's start (what changed while the run was stopped moved too)
        began = self._run_began() if resumed and self._catch_up else None
        read = 0  # pages read by this scan
        #: Keys of the items this scan took listed at or after ``began`` (a catch-up that
        #: always comes passes over them: read again, they were counted duplicates).
        recent: set[str] = set()
        shrunk: list[str] = []  # notes of sizes given up since the last page
        while url is not None:
            shrinkable = self._shrinks and smaller_page(url, params) is not None
            try:
                answer = await self._client.get(
                    url, params, timeout_tries=TRIES_BEFORE_SHRINKING if shrinkable else None
                )
            except ApiError as exc:
                if self._shrinks and timed_out(exc):
                    smaller = smaller_page(url, params)
                    label, said = self._client.label, f": {exc.said}" if exc.said else ""
                    if smaller is None:
                        size = {**httpx.URL(url).params, **(params or {})}.get("per_page")
                        pages = f"{size}-item pages" if size else "the smallest pages"
                        raise PagesTimedOut(
                            f"{label}: {self._first_path()} kept timing out even in "
                            f"{pages} ({exc.problem}{said})"
                        ) from None
                    url, params, size, fewer = smaller
                    # a catch-up reads the first page again at this size
                    self._params = {**self._params, "per_page": fewer}
                    shrunk.append(
                        f"{label} timed out on {size}-item pages; read in pages of {fewer}"
                    )
                    continue
                if waiting is not None:  # the lookup's own failure, if any, is the stream's
                    await waiting()
                    waiting = None
                # ``read == 0``: a resumed scan's first request is a link an earlier run stored,
                # rebased or not by that run's client (ApiClient.follow): its 404 cannot say the
                # resource went while it was being read (gone_between_pages)
                note = self._state(exc, read == 0) if self._state is not None else None
                if note is None:
                    raise
                # On the first page the state is the whole window's (an empty repository);
                # on a later one the pages after it were never read.
                yield Page(note=note, ended_short=not first)
                return
            if waiting is not None:
                await waiting()
                waiting = None
            # a stored link (an older version's, or an edited mirror's) pages this list too
            if cursor and read == 0 and (why := self._strays(cursor, self._first_path())):
                yield Page(stalled=why, strayed=True)
                return
            if not isinstance(answer.json, list):
                raise NotAList(
                    f"{self._client.label} answered {self._first_path()} with "
                    f"{json_kind(answer.json)}, not a list"
                )
            page = Page()
            if answer.redirects and self._moved is not None:  # the lookup has answered by now
                page.note = self._moved(answer)
            if shrunk:
                page.note = "; ".join([*([page.note] if page.note else []), *shrunk])
                shrunk = []
            whole = not self._validated_whole_only or next_link(answer) is None
            if first and answer.etag and whole:
                page.validator = (answer.url, answer.etag)
            if read == 0 and began is None:  # without a Date, the run's start (a margin wider)
                began = _date_less_margin(answer) or (self._run_began() if self._catch_up else None)
            first = False
            read += 1
            stop = False
            for index, item in enumerate(answer.json, 1):
                if (odd := not_an_object(item, f"item {index} of page {read}")) is not None:
                    page.failures.append(odd)
                    continue
                if (decision := self._decide(item)) == "stop":
                    stop = True
                    break
                if decision == "skip":
                    page.skipped += 1
                    if skipped := listed_key(self._key, item):
                        page.skipped_keys.append(skipped)
                    continue
                self._take(item, page)
                if self._catch_up and self._listed_since(item, began):
                    recent.add(listed_key(self._key, item))
            page.next_cursor = None if stop else next_link(answer)
            if not stop and page.next_cursor is None:  # a Link header that did not read
                page.stalled = unread_next(answer, self._client.label)
            elif page.next_cursor and (why := self._strays(page.next_cursor, answer.url)):
                page.next_cursor, page.stalled, page.strayed = None, why, True  # resumes meet it
            page.reached = self._reached(answer.json)
            whole = read > 1 or resumed
            if (
                page.next_cursor is None
                and page.stalled is None
                and self._catch_up
                and whole
                and began is not None
            ):
                await self._caught_up(page, began, recent)
            yield page
            url, params = page.next_cursor, None

    async def _caught_up(self, page: Page, began: str, recent: set[str]) -> None:
        """Read the list again from its front, after the last page, into ``page``: items
        listed since the scan began (their ``position`` at or after ``began``), page after
        page until an older one, less ``recent`` (keys this scan took, listed since it began).

        An item updated while the list is read moves to its front. Paged by number (GitHub's
        issues and pulls), every later item shifts one place and the one that moved from an
        unread page is never listed to the scan (a fresh tester's finding: a pull request
        updated mid-scan was missing from a completed run); when another item leaves a page
        already read at the same time, the two shifts cancel and nothing repeats to show it
        (a later tester's finding). Paged by a cursor on the sort field (Sentry's issues),
        the item is passed over with no trace at all. A resumed scan starts mid-list: what
        was updated while the run was stopped is at the front too (``began`` is then the
        run's start). What is read again is a duplicate by sourceId; an error answer leaves
        the page as it was (the items are a re-sync's to fetch). A page of recent items whose
        ``Link`` header did not read stalls ``page`` (:func:`~..http.unread_next`)."""
        url: str | None = self._first_path()
        params: Mapping[str, Any] | None = self._params
        asked: set[str] = set()  # a next link that comes again ends it: never a loop
        while url is not None and url not in asked:
            asked.add(url)
            try:
                answer = await self._client.get(url, params)
            except ApiError:
                return
            if not isinstance(answer.json, list):
                return
            for item in answer.json:
                if not isinstance(item, dict):
                    continue
                listed = self._position(item) if self._position is not None else None
                if not isinstance(listed, str) or listed < began:
                    return  # newest first: the rest were listed before the scan began
                if self._decide(item) == "take" and listed_key(self._key, item) not in recent:
                    self._take(item, page)
            url, params = next_link(answer), None
            if url is not None and (why := self._strays(url, answer.url)):
                page.stalled, page.strayed = why, True
                return
            if url is None:  # every item was recent: a header that did not read may hide more
                page.stalled = unread_next(answer, self._client.label)

    def _run_began(self) -> str | None:
        """``resumed_since`` as GitHub writes its stamps (``2026-11-28T12:00:00Z``), or None
        when it is not known (the resumed scan's first answer's ``Date`` is taken then)."""
        since = self._resumed_since() if self._resumed_since is not None else None
        return None if since is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", since.utctimetuple())

    def _listed_since(self, item: Any, began: str | None) -> bool:
        """Whether ``item``'s position is at or after ``began`` (a catch-up would read it)."""
        if began is None or not isinstance(item, dict) or self._position is None:
            return False
        listed = self._position(item)
        return isinstance(listed, str) and listed >= began

    def _take(self, item: Any, page: Page) -> None:
        """Transform ``item`` into ``page``: an event, or a counted failure if malformed."""
        result = transform_item(item, self._transform, self._key)
        if isinstance(result, ItemFailure):
            page.failures.append(result)
        else:
            page.events.append(result)
            value = self._window(item) if self._window and isinstance(item, dict) else None
            if isinstance(value, str):
                page.windowed[result.sourceId] = value

    def _reached(self, items: list[Any]) -> str | None:
        if self._position is None or not items or not isinstance(items[-1], dict):
            return None
        try:
            value = self._position(items[-1])
        except (KeyError, TypeError, AttributeError):
            return None
        return value if isinstance(value, str) else None
