"""Why a stream's HTTP calls failed, each with a message safe to show and store.

ApiError                 a stream cannot go on; ``str()`` is one line, never a credential
├── AuthenticationFailed the provider rejected the credentials (401)
├── AccessDenied         403 that is not a rate limit, or 404 for the configured resource
├── HostNotAllowed       a next-page link that cannot be rebased onto the configured base URL,
│                        or a redirect to another origin
├── PagingStalled        paging that cannot go on (a Link header that could not be read)
│   └── PagingStuck      a next-page pointer that does not move (already read, or empty page),
│       │                or a page of nothing but items already read (the cursor ignored)
│       └── LinkElsewhere a next-page link to another list (another path, a filter changed)
├── RetriesExhausted     5xx (but 501, 505), dropped connections, timeouts, bad JSON or bodies that do not
│                        decode, beyond the retry bound
├── TlsFailed            a TLS handshake that failed (not retried: it fails the same way)
├── RateLimitExhausted   rate-limited more times in a row than the policy allows
│   └── RateLimitTooLong a wait asked for past any provider's window: the source stops
└── UnexpectedResponse   any other answer the connector cannot use (4xx, wrong shape)
    ├── RedirectLoop     redirects back to a URL already asked, or more than the bound
    ├── NotJson          a success whose body is not JSON (a web page: the base URL's)
    ├── NotAList         a list's URL answered JSON that is not a list (an object, nothing)
    └── NotGraphQL       a GraphQL query answered an error status without a GraphQL result
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..errors import EXIT_INCOMPLETE, BackfillError

#: What to mend, by permanent cause (``ApiError.mend``).
#: 5xx statuses that say the server does not do this request at all (501 Not Implemented: a
#: base URL pointing at a server that is not the API, ``python3 -m http.server`` answering a
#: POST; 505: not this HTTP version, RFC 9110 §15.6): trying again gets the same answer, so
#: they are not retried as other 5xx are, by the runs' HTTP layer or the event API's.
NOT_RETRIED_5XX = frozenset({501, 505})
MEND_TOKEN = "check or replace the token"
MEND_PERMISSIONS = "check the token's permissions"
MEND_NAME = "check the source's name and that the token can see it"
MEND_BASE_URL = "check the provider's base URL (BACKFILL_<PROVIDER>_API_URL)"
#: A 4xx that says the request itself is refused as sent (400, 405, 406, 414, 415, 422: RFC
#: 9110 §15.5): the same request meets it again. Its cause is a base URL that is not the API,
#: or an API that changed since this backfill-tui (GitHub's 400 for an unsupported version).
MEND_REQUEST = (
    "the provider refuses the request as sent: check the provider's base URL "
    "(BACKFILL_<PROVIDER>_API_URL), else update backfill-tui"
)
#: GitHub's 422 past the pages it lists ("pagination is limited for this resource", REST
#: docs, "Using pagination"): a shorter window asks for fewer pages.
MEND_WINDOW = "narrow the backfill window (fewer days): the provider lists only so many pages"
_MEND_BY_STATUS = {
    400: MEND_REQUEST,
    401: MEND_TOKEN,
    403: MEND_PERMISSIONS,
    404: MEND_NAME,
    405: MEND_REQUEST,
    406: MEND_REQUEST,
    410: MEND_NAME,
    414: MEND_REQUEST,
    415: MEND_REQUEST,
    422: MEND_REQUEST,
    451: "the provider withholds it for legal reasons (451); leave the source out",
    # NOT_RETRIED_5XX: the server does not do this request at all, so it is not the API's
    501: MEND_BASE_URL,
    505: MEND_BASE_URL,
}


class ApiError(BackfillError):
    """A failure that ends one stream (or all streams of one source): the run goes on, and
    ends with exit status 1 (the one error tree: ``backfill_tui.errors``)."""

    exit_status = EXIT_INCOMPLETE

    #: When true, every stream of the same provider fails with it (bad credentials).
    provider_wide: bool = False
    #: The HTTP status of the answer and the provider's own message (redacted), when the
    #: error is an HTTP answer: connectors read them to tell an ordinary account state (an
    #: empty repository's 409, issues turned off) from a failure. ``None``/empty for errors
    #: that are not one answer (retries, rate limits).
    status: int | None = None
    said: str = ""
    #: The origin (``http://sentry-web:9000``) a next-page link named when the page that
    #: answered was asked of the configured origin instead (``ApiClient.follow`` rebased it);
    #: empty when the URL was asked as the provider gave it, or built here.
    rebased_from: str = ""

    @property
    def mend(self) -> str | None:
        """What the user must mend before this stream can succeed (``"check or replace the
        token"``), when the cause is permanent: the same request fails the same way again,
        so resuming cannot help (401 or 403 rejected credentials, 404 not found, 410 gone,
        RFC 9110 §15.5; a request refused as sent, 400, 405, 406, 414, 415 or 422, and 451,
        withheld for legal reasons; 501 or 505, a server that is not the API:
        :data:`NOT_RETRIED_5XX`). ``None`` for a cause that may pass (network, 5xx, a rate
        limit, an odd answer): resuming is the next step."""
        if self.status == 422 and "pagination is limited" in self.said.lower():
            return MEND_WINDOW
        return _MEND_BY_STATUS.get(self.status) if self.status is not None else None


class AuthenticationFailed(ApiError):
    provider_wide = True

    @property
    def mend(self) -> str | None:
        return MEND_TOKEN


class AccessDenied(ApiError):
    @property
    def mend(self) -> str | None:  # a 403, else a 404 (or a team no key can see)
        return MEND_PERMISSIONS if self.status == 403 else MEND_NAME


class HostNotAllowed(ApiError):
    @property
    def mend(self) -> str | None:  # the stored next-page link fails again on resume
        return MEND_BASE_URL


class PagingStalled(ApiError):
    """A stream's paging cannot go on. ``mend`` is ``None``: a resume may pass it (a ``Link``
    header that could not be read once, ``paging.unread_next``); :class:`PagingStuck` is the
    kind a resume meets again."""


#: A provider's paging that does not move (``paging.PagingGuard``): a resume asks the same
#: pointer again and meets the same answer (a fresh tester's finding: a ``Link`` next back to
#: page 1; each resume read the page again, 3 then 6 duplicates, and failed the same way).
MEND_PAGING = (
    "the provider's paging repeats itself, which a resume would meet again; check the "
    "provider's base URL (BACKFILL_<PROVIDER>_API_URL), else report it to the provider"
)


class PagingStuck(PagingStalled):
    """The provider's next-page pointer repeats one already read, or its next page lists only
    items already read (the cursor ignored), or a page (the last included) lists exactly an
    earlier page's items, or an empty page claims more follow: the same
    request answers the same again, so the hint is :data:`MEND_PAGING`, not a resume."""

    @property
    def mend(self) -> str | None:
        return MEND_PAGING


#: A next-page link to another list (``paging.link_strays``): the same page names it again.
MEND_LINK = (
    "the provider's next-page link names another list, which a resume would meet again; check "
    "the provider's base URL (BACKFILL_<PROVIDER>_API_URL), else report it to the provider"
)


class LinkElsewhere(PagingStuck):
    """A next-page link whose path is another list's, or that changes a filter the list was
    asked with: its items are not this stream's, so it is never followed; a resume asks the
    page that named it and meets it again (:data:`MEND_LINK`)."""

    @property
    def mend(self) -> str | None:
        return MEND_LINK


class RetriesExhausted(ApiError):
    """Gave up after the retry bound; ``problem`` is the last try's, in the transport's words
    (``server error 503``, ``truncated or invalid JSON``, ``the answer's body could not be
    decoded as Content-Encoding gzip``, ``could not connect``, ``could not
    resolve host``, ``timed out connecting``, ``timed out waiting for the answer``, ``timed
    out sending the request``, ``timed out waiting for a free connection``, ``connection
    dropped``), for a caller that tells a provider's passing trouble from an unreachable host
    and from one reached that did not answer (``engine.connection``) without reading it back
    out of the message.
    It crosses the run process's pipe with the error (pickled in ``__dict__``). ``said`` is
    the last answer's own message (GitHub's ``"We couldn't respond to your request in time"``
    on a 502), for a stream that asks again otherwise (``connectors.linked_list``).
    ``timed_out``: the last answer was the provider's timeout (its policy's
    ``RateLimitPolicy.timed_out``: a 504, GitHub's 502 "couldn't respond ... in time"), not a
    server error such as an outage's plain 502."""

    def __init__(
        self, message: str, problem: str = "", *, said: str = "", timed_out: bool = False
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.said = said
        self.timed_out = timed_out


class TlsFailed(ApiError):
    """A TLS handshake with the provider's host failed (``http.tls.tls_failure``: a
    certificate not accepted, a server that does not speak TLS): every try would fail the
    same way, so it is not retried, and every stream of the source ends with it. It was
    retried six times as "could not connect" (a fresh tester's finding). ``problem`` is what
    failed, in the words that follow the host (``did not answer over TLS (https): …``), for a
    caller that names the host its own way (``engine.connection``)."""

    provider_wide = True

    def __init__(self, message: str, problem: str = "") -> None:
        super().__init__(message)
        self.problem = problem

    @property
    def mend(self) -> str | None:
        return "check the provider's base URL (BACKFILL_<PROVIDER>_API_URL) or SSL_CERT_FILE"


class RateLimitExhausted(ApiError):
    pass


class RateLimitTooLong(RateLimitExhausted):
    """A rate-limit answer (or a budget's reset) asked for a wait longer than any provider's own
    window (``RetryRules.max_named_wait``): not waited. Every request of the source fails with
    it from then on, and no other wait begins: a GitHub source whose lookup met a 24 h
    ``Retry-After`` went on backing off its other streams for minutes (a fresh tester's
    finding). ``resume`` after the time it names is the next step (:func:`resume_after` reads
    it back from the message, as the mirror stores it)."""

    provider_wide = True


#: How a :class:`RateLimitTooLong` message ends: the instant (UTC, to the minute) after which a
#: resume is worth it (``http.transport``'s ``_too_long`` writes it).
RESUME_AFTER = "until {:%Y-%m-%d %H:%M} UTC; resume the run after then"
_RESUME_AFTER = re.compile(r"until (\d{4}-\d\d-\d\d \d\d:\d\d) UTC; resume the run after then")


def resume_after(reason: str) -> datetime | None:
    """The instant a stored :class:`RateLimitTooLong` reason (``...asked to wait 2 h, until
    2026-12-03 17:17 UTC; resume the run after then``) says to resume after, as an aware UTC
    datetime; None for any other reason."""
    found = _RESUME_AFTER.search(reason)
    if found is None:
        return None
    return datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


class UnexpectedResponse(ApiError):
    pass


class AnswerTooLarge(UnexpectedResponse):
    """An answer whose body is longer than ``http.body.MAX_BODY_BYTES``: not retried (the same
    request gets the same answer), and no recording could hold it for a replay to read."""

    @property
    def mend(self) -> str | None:
        return "report it with the log: no page of a provider's API should be that large"


class RedirectLoop(UnexpectedResponse):
    """Redirects that come back to a URL already asked, or more of them in a row than
    ``http.client.MAX_REDIRECTS``: the server's own configuration (RFC 9110 §15.4: a client
    "SHOULD detect and intervene in cyclical redirections"), so the same request loops again
    and resuming cannot help; the hint says what to check instead (its run suggested a resume
    in vain)."""

    @property
    def mend(self) -> str | None:
        return MEND_BASE_URL


class NotJson(UnexpectedResponse):
    """A success (2xx) whose body is not JSON: a web page where the API was expected (a base
    URL of the provider's web site, or a proxy's login page). The same request answers the
    same again, so the hint is the base URL, not a resume."""

    @property
    def mend(self) -> str | None:
        return MEND_BASE_URL


class NotAList(UnexpectedResponse):
    """A list's URL answered JSON that is not a list (an object such as ``{"message": ...}``,
    or no body at all): every provider answers a list there (provider-apis.md §1.3, §4.4), so
    the URL asked is not the provider's API (a wrong base URL, a proxy's answer), and a resume
    asks it again and meets the same answer: the hint is the base URL (its run said "To
    continue it: backfill-tui resume ...", a fresh tester's finding)."""

    @property
    def mend(self) -> str | None:
        return MEND_BASE_URL


class NotGraphQL(UnexpectedResponse):
    """A GraphQL query answered an error status (``status``, 400 or above) with no GraphQL
    result in the body: the URL asked is not the GraphQL endpoint (``python3 -m http.server``
    answers a POST with 501, a base URL without ``/graphql`` a 404 page). The resilient
    transport retries a passing 5xx and waits out a rate limit before gql sees the answer, so
    a status it passes on and :class:`ApiError` counts permanent (:data:`NOT_RETRIED_5XX`, a
    4xx such as 404 or 405) meets the same answer on a resume: the hint is the base URL, not
    the source's name (its run said "To continue it: backfill-tui resume ...", a fresh
    tester's finding). ``None`` for another status (a 408, a 409): a resume may pass it."""

    @property
    def mend(self) -> str | None:
        return MEND_BASE_URL if super().mend is not None else None
