"""The HTTP layer shared by all four providers (see ``transport`` for what it guarantees)."""

from .client import ApiClient, ApiResponse, provider_message
from .errors import (
    AccessDenied,
    ApiError,
    AuthenticationFailed,
    HostNotAllowed,
    RateLimitExhausted,
    RetriesExhausted,
    UnexpectedResponse,
)
from .paging import next_link
from .ratelimit import (
    GitHubPolicy,
    LimitAnswer,
    LinearPolicy,
    Quota,
    RateLimitPolicy,
    SentryPolicy,
    VercelPolicy,
)
from .transport import CallStats, ResilientTransport, RetryRules, WaitNotice, current_stats

__all__ = [
    "AccessDenied",
    "ApiClient",
    "ApiError",
    "ApiResponse",
    "AuthenticationFailed",
    "CallStats",
    "GitHubPolicy",
    "HostNotAllowed",
    "LimitAnswer",
    "LinearPolicy",
    "Quota",
    "RateLimitExhausted",
    "RateLimitPolicy",
    "ResilientTransport",
    "RetriesExhausted",
    "RetryRules",
    "SentryPolicy",
    "UnexpectedResponse",
    "VercelPolicy",
    "WaitNotice",
    "current_stats",
    "next_link",
    "provider_message",
]
