"""The HTTP layer shared by all four providers (see ``transport`` for what it guarantees)."""

from .client import ApiClient, ApiResponse, provider_message
from .errors import (
    AccessDenied,
    ApiError,
    AuthenticationFailed,
    HostNotAllowed,
    PagingStalled,
    RateLimitExhausted,
    RetriesExhausted,
    TlsFailed,
    UnexpectedResponse,
)
from .paging import PagingGuard, next_link
from .ratelimit import (
    GitHubPolicy,
    LimitAnswer,
    LinearPolicy,
    Quota,
    RateLimitPolicy,
    SentryPolicy,
    VercelPolicy,
    parse_retry_after,
)
from .transport import (
    CallStats,
    DeadlineExceeded,
    ResilientTransport,
    RetryNotice,
    RetryRules,
    WaitNotice,
    current_stats,
    host_shown,
)

__all__ = [
    "AccessDenied",
    "ApiClient",
    "ApiError",
    "ApiResponse",
    "AuthenticationFailed",
    "CallStats",
    "DeadlineExceeded",
    "GitHubPolicy",
    "HostNotAllowed",
    "LimitAnswer",
    "LinearPolicy",
    "PagingGuard",
    "PagingStalled",
    "Quota",
    "RateLimitExhausted",
    "RateLimitPolicy",
    "ResilientTransport",
    "RetriesExhausted",
    "RetryNotice",
    "RetryRules",
    "SentryPolicy",
    "TlsFailed",
    "UnexpectedResponse",
    "VercelPolicy",
    "WaitNotice",
    "current_stats",
    "host_shown",
    "next_link",
    "parse_retry_after",
    "provider_message",
]
