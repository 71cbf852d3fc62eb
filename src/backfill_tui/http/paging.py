"""Next-page pointers, read the way each provider writes them, and the guard on all of them.

GitHub and Sentry both page with an RFC 8288 ``Link`` header; Sentry marks the last page with
``results="false"`` on its ``rel="next"`` link, which GitHub never sends; a header that could not
be read says nothing of a next page (:func:`unread_next`). Vercel's pointer is in
the body (``pagination.next``) and Linear's in ``pageInfo``; their connectors read those. Where a
``Link`` URL may be requested is :meth:`ApiClient.follow`'s rule. :class:`PagingGuard` is run by
the engine's page loop, the one loop every provider's stream goes through.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Collection

import httpx

from ..secrets_registry import TOKEN_SHAPES, redact
from ..terms import plural
from ..textsafe import excerpt, one_line
from .client import ApiResponse
from .errors import PagingStuck


def next_link(answer: ApiResponse) -> str | None:
    """The ``rel="next"`` URL, unless the provider says it leads to no results."""
    following = answer.links.get("next", {})
    if following.get("results") == "false":
        return None
    return following.get("url")


#: Query parameters that move a list through its pages: GitHub's ``page``, ``per_page``,
#: ``before`` and ``after`` (REST docs, "Using pagination"), Sentry's ``cursor``, ``limit`` and
#: ``per_page`` (its ``build_cursor_link``). A next link may change these, and only these.
PAGING_PARAMS = frozenset({"page", "per_page", "cursor", "limit", "before", "after"})


def _shown(text: str, width: int = 80) -> str:
    """``text`` as a refusal names it: one line, token shapes masked, redacted, cut."""
    return excerpt(redact(TOKEN_SHAPES.sub("***", one_line(text))), width)


def link_strays(
    link: str,
    paths: Collection[str],
    asked: httpx.QueryParams,
    same: Callable[[str], str] | None = None,
) -> str | None:
    """Why ``link``, a list page's next-page URL, does not page that list, or None when it does.

    ``paths``: the list's path as asked, and the path of the page that gave ``link`` (where a
    redirect on the configured origin led); ``asked``: that page's query; ``same``: the list a path
    names, in one form (GitHub's ``/repositories/{id}/…`` as ``/repos/{owner}/{name}/…``).
    GitHub and Sentry build a next link from the request itself: the same path, the same
    query but its paging parameters (:data:`PAGING_PARAMS`) (GitHub REST docs "Using
    pagination": ``<https://api.github.com/repositories/1300192/issues?page=4>; rel="next"``;
    Sentry's ``build_cursor_link``: ``request.path`` and the query less ``cursor``, then
    ``&cursor=…``). A link to another path lists something else: a stand-in GitHub's
    ``/repos/evil/other/issues`` was followed and its items stored under the repository
    asked (a fresh tester's finding). A filter given a different value (``state=open`` for
    ``state=all``) narrows or moves the window and is refused too; one left out is not
    (stand-ins' links carry only ``page``; left as a known gap). Paths and values named are
    masked and cut to 80 characters."""
    keyed = same or (lambda path: path)
    url = httpx.URL(link)
    if url.path and keyed(url.path) not in {keyed(path) for path in paths}:
        listed = next(iter(paths), "")
        return f"it names {_shown(url.path)}, not {_shown(listed)}, the list it pages"
    for name in asked:
        given, expected = url.params.get_list(name), asked.get_list(name)
        if name not in PAGING_PARAMS and given and sorted(given) != sorted(expected):
            return (
                f"its {_shown(name, 30)} is {_shown(','.join(given), 40)}, not "
                f"{_shown(','.join(expected), 40)} as the list was asked"
            )
    return None


def unread_next(answer: ApiResponse, label: str) -> str | None:
    """Why ``answer``, a list page with no ``next`` link (:func:`next_link` is None), may still
    not be the last: one line naming the parts of its ``Link`` header that could not be read
    (``ApiResponse.unread_links``; redacted, token shapes masked, cut to 80 characters), for
    the stream to stop on (``Page.stalled``); None where the page is provably the last.

    RFC 8288 §3.3: every link names its relation in a ``rel``, so a header that reads whole
    without ``next`` ends the list (GitHub's last page: only ``prev``, ``first``; no header
    at all for a single page, REST docs "Using pagination"), as does Sentry's ``next`` with
    ``results="false"``. A part that does not read may have been the ``next``, unless a
    ``last`` link that was read names this very page. ``Link: garbage`` was read as the last
    page, and the stream completed with 100 of 230 items (a fresh tester's finding)."""
    if not answer.unread_links or "next" in answer.links:
        return None
    last = answer.links.get("last", {}).get("url")
    if last is not None and _same_url(last, answer.url):
        return None
    parts = ", ".join(answer.unread_links)
    shown = excerpt(redact(TOKEN_SHAPES.sub("***", one_line(parts))), 80)
    return (
        f"{label}'s Link header could not be read ({shown!r}), so it may name a next page; "
        "stopped rather than call the list complete"
    )


def _same_url(one: str, other: str) -> bool:
    """Whether two URLs name the same page (their query parameters in any order)."""
    try:
        a, b = httpx.URL(one), httpx.URL(other)
    except Exception:  # a URL that does not parse names no page
        return False
    return (a.scheme, a.host, a.port, a.path) == (b.scheme, b.host, b.port, b.path) and sorted(
        a.params.multi_items()
    ) == sorted(b.params.multi_items())


#: How many pages' item keys :class:`PagingGuard` keeps to tell a page of repeats by.
RECENT_PAGES = 2


class PagingGuard:
    """Ends a stream whose next-page pointer does not move, so no server answer can loop a run.

    A pointer is a stream's checkpoint cursor, whatever the provider: a next-page URL (GitHub,
    Sentry), an ``until`` (Vercel) or an ``after`` cursor (Linear). Three answers stop a stream
    (provider-apis.md §6): a pointer this stream has already read (Sentry can answer an empty
    page with ``results="true"`` and the same cursor again), an empty page that still claims
    more pages (``--max-items`` counts items, so it alone would never end such a loop), and a
    page after the first that lists only items this stream already read in this run, with a
    new pointer: the server ignores the cursor (Sentry answered the same 100 events on every
    page, each time with a new cursor, until ``--max-items``: 900 duplicates, a fresh tester's
    finding). One item read again on a page of new ones is a list that shifted (an item moved
    to the front between two pages), not a loop: only a page of nothing but repeats stops.
    A page, the last one included, that lists exactly the items of an earlier page of this run
    stops the stream too: a broken proxy or cache answering page 1 again as the last page (no
    ``next``) completed the stream, the repeats counted duplicates (a fresh tester's finding).
    Items that moved between pages as new ones arrived fill a page only partly, so only the
    whole of an earlier page, item for item, counts; each page is kept as a 16-byte digest.
    The guard keeps the keys of the items of the last :data:`RECENT_PAGES` pages read in this
    run (a few hundred strings: a set of every key read grew the run's peak memory by 14 MB at
    100,000 items, bench/pipeline.py); a server that ignores the cursor answers the same page
    again, which they hold. A resumed stream starts afresh. The messages do not name the stream: every
    line that says them does (it read "sentry:acme/rocket/error: failed, …:
    sentry:acme/rocket/error: …", a fresh tester's finding).
    """

    def __init__(self, stream: str, start: str | None) -> None:
        self.stream = stream
        self._read: set[str] = set() if start is None else {start}
        self._recent: deque[frozenset[str]] = deque(maxlen=RECENT_PAGES)
        self._pages = 0
        #: The digest of each page read whole (``every``), to the first page that listed it.
        self._digests: dict[bytes, int] = {}

    def check(
        self,
        following: str | None,
        listed: int,
        keys: Collection[str] = (),
        *,
        every: bool = True,
    ) -> None:
        """Record the pointer to the next page; raise :class:`PagingStuck` if it cannot move.

        ``following`` is the page's next-page pointer (None: the last page); ``listed`` counts
        the items the page held, skipped ones included. ``keys`` are the page's item keys
        (its events' sourceIds; its failed and skipped items' keys); ``every``: whether they
        are all the items it listed (a skipped item whose key the stream does not know leaves
        the page unjudged, as a new item might be among them).
        """
        self._pages += 1
        page = frozenset(keys)
        repeated = bool(page) and page <= frozenset().union(*self._recent)
        self._recent.append(page)
        earlier = self._earlier_page(page) if every and page else None
        if following is None:
            if earlier is not None:
                raise PagingStuck(self._repeats(earlier, page))
            return
        shown = _short(following)
        if listed == 0:
            raise PagingStuck(
                f"the provider answered an empty page that claims more follow "
                f"(next: {shown}); stopped here rather than ask again"
            )
        if following in self._read:
            raise PagingStuck(
                f"the provider's next-page pointer repeats one already read "
                f"({shown}); stopped here rather than read the same pages in a loop"
            )
        if self._pages > 1 and every and repeated:
            raise PagingStuck(
                f"the provider's next page repeated only items already read "
                f"(page {self._pages} of this run, {plural(len(set(keys)), 'item')}): the "
                "server ignores the cursor; stopped here rather than read them again"
            )
        if earlier is not None:
            raise PagingStuck(self._repeats(earlier, page))
        self._read.add(following)

    def _earlier_page(self, page: frozenset[str]) -> int | None:
        """The number of the earlier page of this run that listed exactly ``page``'s items,
        or None (and ``page`` is remembered as this one)."""
        digest = hashlib.blake2b(digest_size=16)
        for key in sorted(page):
            digest.update(f"{len(key)}:{key}".encode("utf-8", "surrogatepass"))
        found = self._digests.get(digest.digest())
        if found is None:
            self._digests[digest.digest()] = self._pages
        return found

    def _repeats(self, earlier: int, page: frozenset[str]) -> str:
        return (
            f"page {self._pages} repeats page {earlier} of this run, item for item "
            f"({plural(len(page), 'item')}): a proxy or cache answering an earlier page "
            "again; stopped rather than call the list complete"
        )


def _short(pointer: str, limit: int = 160) -> str:
    text = "".join(ch for ch in pointer if ch.isprintable())
    return text if len(text) <= limit else text[: limit - 1] + "…"
