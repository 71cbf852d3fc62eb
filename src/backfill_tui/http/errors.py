"""Why a stream's HTTP calls failed, each with a message safe to show and store.

ApiError                 a stream cannot go on; ``str()`` is one line, never a credential
├── AuthenticationFailed the provider rejected the credentials (401)
├── AccessDenied         403 that is not a rate limit, or 404 for the configured resource
├── HostNotAllowed       a next-page link that cannot be rebased onto the configured base URL
├── PagingStalled        a next-page pointer that does not move (already read, or empty page)
├── RetriesExhausted     5xx, dropped connections, timeouts or bad JSON beyond the retry bound
├── RateLimitExhausted   rate-limited more times in a row than the policy allows
└── UnexpectedResponse   any other answer the connector cannot use (4xx, wrong shape)
"""

from __future__ import annotations

from ..errors import EXIT_INCOMPLETE, BackfillError


class ApiError(BackfillError):
    """A failure that ends one stream (or all streams of one source): the run goes on, and
    ends with exit status 1 (the one error tree: ``backfill_tui.errors``)."""

    exit_status = EXIT_INCOMPLETE

    #: When true, every stream of the same provider fails with it (bad credentials).
    provider_wide: bool = False
    #: The HTTP status of the answer, the provider's own message (redacted) and the
    #: ``Location`` header, when the error is an HTTP answer: connectors read them to tell an
    #: ordinary account state (an empty repository's 409, a moved repository's 301) from a
    #: failure. ``None``/empty for errors that are not one answer (retries, rate limits).
    status: int | None = None
    said: str = ""
    location: str | None = None


class AuthenticationFailed(ApiError):
    provider_wide = True


class AccessDenied(ApiError):
    pass


class HostNotAllowed(ApiError):
    pass


class PagingStalled(ApiError):
    pass


class RetriesExhausted(ApiError):
    pass


class RateLimitExhausted(ApiError):
    pass


class UnexpectedResponse(ApiError):
    pass
