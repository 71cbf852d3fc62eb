"""``ApiClient``: the one way connectors talk to a REST API.

It owns an ``httpx.AsyncClient`` on top of :class:`ResilientTransport`, joins paths to the
configured base URL, follows a provider's next-page URLs (under the one rule of
:meth:`ApiClient.follow`) and redirects on the configured origin (every GET, under the one rule
of :meth:`ApiClient.get`), and turns answers a connector cannot use into :mod:`errors` with one
clear line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .. import __version__
from ..secrets_registry import holds_credential, redact, without_userinfo
from ..terms import plural
from .answers import error_for, not_json
from .errors import HostNotAllowed, NotJson, RedirectLoop, UnexpectedResponse
from .links import LinkHeader, read_links
from .transport import PARSED_JSON, TIMEOUT_TRIES, ResilientTransport, origin, origin_differences

log = logging.getLogger("backfill_tui.http")

USER_AGENT = f"backfill-tui/{__version__} (+https://github.com/lightfastai)"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: Next-page URLs :meth:`ApiClient.follow` remembers the answer for (then it starts afresh).
FOLLOWED_KEPT = 256
#: Answers that send a GET elsewhere (RFC 9110 §15.4; GitHub's REST docs, "HTTP redirects":
#: any request may be redirected): 301 and 308 for good, 302, 303 and 307 for this request.
REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Redirects one GET follows in a row at most: a repository renamed, then transferred, is two.
#: RFC 9110 §15.4 asks a client to detect cycles; RFC 2068 §10.3 set five as the limit.
MAX_REDIRECTS = 5


def unbind(response: httpx.Response) -> None:
    """Untie a read, closed answer from its stream: httpx's client binds each answer's stream
    to it (``BoundAsyncStream(response=...)``), a cycle only the garbage collector frees, with
    the answer's bytes and all it holds. Its stream becomes its bytes (``httpx.ByteStream``);
    an answer not yet read is left as it is."""
    if not response.is_closed:
        return
    try:
        content = response.content
    except httpx.ResponseNotRead:
        return
    response.stream = httpx.ByteStream(content)


@dataclass(frozen=True)
class Redirect:
    """A redirect one GET followed: the answer's status, the URL asked and where it pointed."""

    status: int
    asked: str
    location: str
    #: Whether the answer says the resource moved for good: 301 or 308 (RFC 9110 §15.4.2 and
    #: §15.4.9; GitHub: "use the new URL from now on"), or Sentry's 302 whose body's
    #: ``detail.code`` is ``resource-moved`` (its project endpoints after a rename).
    moved: bool

    @property
    def said(self) -> str:
        """``301 for /repos/acme/rocket/issues, pointing to /repositories/4242/issues``."""
        asked, location = httpx.URL(self.asked).path, httpx.URL(self.location).path
        return redact(f"{self.status} for {asked[:120]}, pointing to {location[:120]}")


@dataclass(frozen=True)
class ApiResponse:
    """A successful answer: its parsed JSON body, headers and parsed ``Link`` header."""

    url: str
    json: Any
    headers: httpx.Headers
    links: dict[str, dict[str, str]]
    #: True when a conditional request (``If-None-Match``) was answered 304 Not Modified:
    #: ``json`` is then ``None`` (the caller holds the body it stored with the ETag).
    not_modified: bool = False
    #: The redirects followed to get this answer, in order (``url`` is where the last pointed).
    redirects: tuple[Redirect, ...] = ()
    #: The parts of the ``Link`` header that could not be read (``links.LinkHeader.unread``),
    #: as sent: with any of them, no ``next`` in ``links`` does not say this is the last page.
    unread_links: tuple[str, ...] = ()

    @property
    def moved(self) -> Redirect | None:
        """The first redirect followed that says the resource moved for good, if any."""
        return next((hop for hop in self.redirects if hop.moved), None)

    @property
    def etag(self) -> str | None:
        """The answer's ``ETag`` validator as sent (weak ``W/"..."`` kept), if any."""
        tag: str | None = self.headers.get("etag")
        return tag


class ApiClient:
    """A REST API at one configured base URL (``https://api.github.com``, a self-hosted
    Sentry's ``https://errors.example.com/sentry``): every request, next pages included, goes
    there and nowhere else."""

    def __init__(
        self,
        *,
        label: str,
        base_url: str,
        transport: ResilientTransport,
        headers: Mapping[str, str] | None = None,
        concurrency: int = 5,
        request_prefix: str = "",
    ) -> None:
        """``request_prefix``: the path every request's own path begins with (Sentry's
        ``/api/0``, ``ProviderInfo.request_prefix``): a next-page link is rebased only where
        its path lies under the base path and this prefix (:meth:`follow`)."""
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.transport = transport
        self._base = httpx.URL(self.base_url)
        self._origin = origin(self._base)
        self._base_path = self._base.path.rstrip("/")
        prefix = request_prefix.strip("/")
        self._api_path = f"{self._base_path}/{prefix}" if prefix else self._base_path
        self._rebasing_logged = False
        #: URL -> the URL it is requested at, for URLs :meth:`follow` let through.
        self._followed: dict[str, str] = {}
        #: A URL :meth:`follow` rebased -> the origin its link named (at most FOLLOWED_KEPT).
        self._rebased: dict[str, str] = {}
        self._gate = asyncio.Semaphore(concurrency)
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=TIMEOUT,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment must not route around our transport
        )

    def follow(self, url: str) -> str:
        """The URL at which a provider's next-page URL is requested; refuses what cannot be.

        The one rule for every provider's pointer (provider-apis.md §6): credentials go only to
        the configured base URL. A next-page URL on the configured origin whose path lies under
        the configured base path is followed as given. One whose origin differs (scheme, host
        or port) but whose path lies under the base path is *rebased*: its path and query are
        requested on the configured origin. Self-hosted Sentry builds ``Link`` URLs from its own
        ``system.url-prefix`` and sentry.io from the organisation's domain, so these routinely
        differ from the address the client was given. Only a path under the base path and the
        provider's request prefix is rebased (Sentry's ``/api/0``: a plain-host base counts
        every path as under it, and a proxy's ``/internal/api/0/…`` link became a 404 at
        ``/internal/api/0/…`` on the base host, read as the project deleted: a fresh tester's
        finding). Anything else, and any scheme but http and https (an ``ftp://`` link became
        a GET of its path on the base host), raises :class:`HostNotAllowed` naming exactly what
        differs. A relative URL is joined to the base.
        (Vercel's ``until`` and Linear's ``after`` cursors are parameters, not URLs: their
        requests are always built on the base URL.)

        The answer is remembered per URL (at most ``FOLLOWED_KEPT``): a page's ``Link`` header
        names the stream's first and last pages and the one before it, all seen on earlier
        pages, and parsing a URL costs httpx about 0.1 ms (bench/pipeline.py). A refusal is
        not remembered: it is the rule's answer each time.
        """
        followed = self._followed.get(url)
        if followed is None:
            followed = self._follow(url)
            if len(self._followed) >= FOLLOWED_KEPT:
                self._followed.clear()
            self._followed[url] = followed
        return followed

    def _follow(self, url: str) -> str:
        if holds_credential(url):
            url = self._without_credentials(url)
        parsed = httpx.URL(url)
        if parsed.scheme and parsed.scheme not in ("http", "https"):
            differs = [f"its scheme {parsed.scheme[:20]} is not http or https"]
            raise self._refused("a next-page link", parsed, differs, ", so paging stopped")
        if not parsed.is_absolute_url:
            return url
        under, api = _under(parsed.path, self._base_path), _under(parsed.path, self._api_path)
        same_origin = origin(parsed) == self._origin
        if under and same_origin:
            return url
        if api:
            rebased = str(self._base.copy_with(raw_path=parsed.raw_path))
            if len(self._rebased) >= FOLLOWED_KEPT:
                self._rebased.clear()
            self._rebased[rebased] = without_userinfo(
                f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}"
            )
            if not self._rebasing_logged:
                self._rebasing_logged = True
                log.info(
                    "%s: next-page links name %s://%s; following their path on %s",
                    self.label, parsed.scheme, parsed.netloc.decode("ascii", "replace"),
                    without_userinfo(self.base_url),
                )  # fmt: skip
            return rebased
        differs = origin_differences(parsed, self._base)
        path = parsed.path[:120]
        if under:
            differs.append(f"its path {path} lies outside {self._api_path}/, the API's path")
        else:
            differs.append(f"its path {path} lies outside the base path {self._base_path}/")
        raise self._refused("a next-page link", parsed, differs, ", so paging stopped")

    def _without_credentials(self, url: str) -> str:
        """A next-page URL with every query parameter that holds a credential left out
        (``secrets_registry.holds_credential``): a server that echoes the token into its
        ``Link`` (GitHub's old ``access_token`` parameter) had it stored in clear as the
        stream's cursor in the mirror (a fresh tester's finding). The token already goes in
        the request's header. :class:`UnexpectedResponse` when one is left elsewhere (its
        path): such a link is not followed, and never shown."""
        parsed = httpx.URL(url)
        kept: list[tuple[str, str | int | float | bool | None]] = [
            (name, value)
            for name, value in parsed.params.multi_items()
            if not holds_credential(name) and not holds_credential(value)
        ]
        cleaned = str(parsed.copy_with(params=httpx.QueryParams(kept)))
        if holds_credential(cleaned):
            raise UnexpectedResponse(
                f"{self.label}: a next-page link holds a credential (not shown) outside its "
                "query; paging stopped"
            )
        log.warning("%s: a next-page link held a credential; left it out", self.label)
        return cleaned

    def check_next(self, url: str, asked: str | None = None) -> str:
        """Refuse a URL on any other origin, with no rebasing: for a redirect's ``Location``
        (``asked``: the path that answered with it, named in the refusal).

        A redirect to another host means the resource lives there, so asking the configured
        host for its path would read something else; only next-page pointers are rebased
        (:meth:`follow`).
        """
        parsed = httpx.URL(url)
        if parsed.is_absolute_url and origin(parsed) != self._origin:
            what = f"a redirect from {asked[:120]}" if asked else "a redirect"
            raise self._refused(what, parsed, origin_differences(parsed, self._base))
        return url

    def _refused(
        self, what: str, url: httpx.URL, differs: list[str], then: str = ""
    ) -> HostNotAllowed:
        """The one line refusing a pointer (``what``: a next-page link, a redirect) to
        ``url``, naming each part that differs (``port 8081, not 8080``), so that a pointer
        to the same host name on another port or scheme does not read as refused for going
        to the very host credentials go to."""
        where = without_userinfo(f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}")
        return HostNotAllowed(
            redact(
                f"{self.label}: {what} to {where} cannot be followed: {'; '.join(differs)}; "
                f"credentials go only to {without_userinfo(self.base_url)}{then} (check the "
                "configured API base URL)"
            )
        )

    async def get(
        self, url: str, params: Mapping[str, Any] | None = None, *,
        etag: str | None = None, timeout_tries: int | None = None,
    ) -> ApiResponse:  # fmt: skip
        """GET a path (joined to the base URL) or an absolute next-page URL.

        A redirect (:data:`REDIRECTS` with a ``Location``) is followed, for every GET alike: a
        renamed repository's lookup, a list's first page, a later page of a repository renamed
        while it was read. Only on the configured origin (:meth:`check_next`: the credentials
        never go elsewhere), at most :data:`MAX_REDIRECTS` in a row and never back to a URL
        already asked; the answer lists them (:attr:`ApiResponse.redirects`). Only the lookup
        followed one; a list's 301 or 307 failed its stream (a fresh tester's finding).

        ``etag``: make the request conditional (``If-None-Match``, RFC 9110 §13.1.2); a 304
        answer comes back as an :class:`ApiResponse` with ``not_modified=True`` and no body.
        GitHub does not count an authorized 304 against the primary rate limit ("Best practices
        for using the REST API", use conditional requests). The ETag is for the URL it came
        with: a redirect's new URL is asked without it.

        ``timeout_tries``: give up after this many answers the provider's policy reads as a
        timeout (``RateLimitPolicy.timed_out``; at most the transport's own bound), for a caller that asks again in smaller pages (``connectors.linked_list``).
        """
        if not url.startswith("/"):  # a next-page URL, whatever its scheme
            url = self.follow(url)
        rebased_from = self._rebased.get(url, "")
        hops: list[Redirect] = []
        ext = {TIMEOUT_TRIES: timeout_tries} if timeout_tries else None
        while True:
            sent = None if hops else etag
            headers = {"If-None-Match": sent} if sent else None
            async with self._gate:
                response = await self.http.get(url, params=params, headers=headers, extensions=ext)
            # Taken out of the answer, and the answer out of httpx's cycle (``unbind``): the
            # page's whole JSON tree lived in it, traversed by each collection until one freed it.
            body = response.extensions.pop(PARSED_JSON, None)
            unbind(response)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                break
            url, params = self._redirected(response, location, body, hops), None
        if response.status_code == 304 and sent:
            return ApiResponse(
                str(response.url), None, response.headers, {}, not_modified=True,
                redirects=tuple(hops),
            )  # fmt: skip
        if response.is_success:
            if body is None and response.content.strip():
                raise NotJson(not_json(self.label, response))
            header = self._links(response)
            return ApiResponse(
                str(response.url), body, response.headers, header.links,
                redirects=tuple(hops), unread_links=tuple(header.unread),
            )  # fmt: skip
        raise error_for(
            self.label, response, body, rebased_from=rebased_from,
            base=without_userinfo(self.base_url),
        )  # fmt: skip

    def _redirected(
        self, response: httpx.Response, location: str, body: Any, hops: list[Redirect]
    ) -> str:
        """Where a redirect sends the GET (``hops`` gains it): its ``Location`` resolved
        against the URL asked (RFC 9110 §10.2.2), on the configured origin only, at most
        :data:`MAX_REDIRECTS` in a row and never back to a URL already asked (a loop fails
        cleanly, in one line)."""
        asked, status = response.request.url, response.status_code
        first = httpx.URL(hops[0].asked).path if hops else asked.path
        try:
            where = asked.join(location)
        except httpx.InvalidURL:
            raise UnexpectedResponse(
                f"{self.label} answered {status} for {asked.path} with a Location that is not a URL"
            ) from None
        self.check_next(str(where), asked.path)
        chain = [hop.asked for hop in hops] + [str(asked)]
        shown = where.raw_path.decode("ascii", "replace")[:160]  # the query tells them apart
        if str(where) in chain:
            raise RedirectLoop(
                redact(
                    f"{self.label}: {first} redirects in a loop (back to {shown} after "
                    f"{plural(len(chain), 'redirect')}); stopped following them"
                )
            )
        if len(hops) >= MAX_REDIRECTS:
            raise RedirectLoop(
                redact(
                    f"{self.label}: {first} was redirected more than {MAX_REDIRECTS} times (the "
                    f"last to {shown}); stopped following them"
                )
            )
        hop = Redirect(status, str(asked), str(where), _says_moved(status, body))
        hops.append(hop)
        log.info("%s answered %s; followed", self.label, hop.said)
        return str(where)

    async def aclose(self) -> None:
        await self.http.aclose()

    def _links(self, response: httpx.Response) -> LinkHeader:
        """The ``Link`` header read (:func:`read_links`): its links by rel, each URL absolute
        (RFC 8288: relative to the answer's URL) and already rebased by :meth:`follow` where
        that rule allows, so that a checkpoint holds the URL actually requested, and the parts
        that could not be read. A link that cannot be followed is kept as given; it fails only
        if the stream asks for it."""
        lines = response.headers.get_list("link")
        try:
            header = read_links(lines)
        except Exception:  # read_links raises nothing; were it to, nothing of it was read
            return LinkHeader(unread=[line for line in lines if line.strip(" \t,")])
        links = header.links
        for link in links.values():
            if "url" not in link:
                continue
            try:
                absolute = link["url"]
                if not absolute.startswith(("https://", "http://")):  # joining parses both URLs
                    absolute = str(response.url.join(absolute))
                link["url"] = self.follow(absolute)
            except HostNotAllowed:
                link["url"] = absolute
            except Exception:  # an unparsable URL: left as given, to fail if followed
                pass
        return header


def _under(path: str, base_path: str) -> bool:
    """Whether ``path`` is ``base_path`` or lies beneath it (every path lies under ``""``)."""
    return not base_path or path == base_path or path.startswith(base_path + "/")


def _says_moved(status: int, body: Any) -> bool:
    """Whether a redirect says the resource moved for good (:attr:`Redirect.moved`)."""
    if status in (301, 308):
        return True
    detail = body.get("detail") if isinstance(body, dict) else None
    return isinstance(detail, dict) and detail.get("code") == "resource-moved"
