"""Rate-limit policies: reading a provider's quota headers and recognising its limit answers.

A policy is pure: given a response (and its parsed body), it says how much quota is left and,
when the response is a rate-limit answer, how long to wait and why. The transport does the
waiting. One policy per provider; they share :class:`Quota` and :class:`LimitAnswer`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

import httpx


@dataclass(frozen=True)
class Quota:
    """The provider's budget as its last response reported it."""

    limit: int
    remaining: int
    reset_at: float | None  # epoch seconds


@dataclass(frozen=True)
class LimitAnswer:
    """A response that says "slow down": wait ``seconds`` and send the request again."""

    seconds: float
    reason: str


class RateLimitPolicy(Protocol):
    def quota(self, response: httpx.Response) -> Quota | None: ...

    def limit_answer(
        self, response: httpx.Response, body: Any, now: float
    ) -> LimitAnswer | None: ...


def _int(headers: httpx.Headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


def _header_quota(
    headers: httpx.Headers, prefix: str, *, reset_in_ms: bool = False
) -> Quota | None:
    """``{prefix}-limit``, ``-remaining`` and ``-reset`` (epoch seconds, or ms) as a Quota."""
    limit = _int(headers, f"{prefix}-limit")
    remaining = _int(headers, f"{prefix}-remaining")
    if limit is None or remaining is None:
        return None
    reset = _int(headers, f"{prefix}-reset")
    if reset is None:
        return Quota(limit, remaining, None)
    return Quota(limit, remaining, reset / 1000 if reset_in_ms else float(reset))


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class GitHubPolicy:
    """GitHub's documented order: retry-after, else remaining 0 → reset, else ≥ 1 minute.

    Primary and secondary limits come as 403 or 429; a 403 without limit signs is a permission
    problem and is left for the caller to report.
    """

    minimum_wait: float = 60.0
    jitter: float = 5.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-ratelimit")

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        if response.status_code not in (403, 429):
            return None
        retry_after = _retry_after(response.headers)
        if retry_after is not None:
            return LimitAnswer(retry_after, f"rate limited ({response.status_code}, retry-after)")
        remaining = _int(response.headers, "x-ratelimit-remaining")
        reset = _int(response.headers, "x-ratelimit-reset")
        if remaining == 0 and reset is not None:
            return LimitAnswer(max(1.0, reset - now), "hourly rate limit used up")
        message = body.get("message", "") if isinstance(body, dict) else ""
        if response.status_code == 429 or "rate limit" in str(message).lower():
            wait = self.minimum_wait + random.uniform(0, self.jitter)
            return LimitAnswer(wait, "secondary rate limit")
        return None


def _reset_in(value: float | None, now: float, *, millis: bool = False) -> float | None:
    if value is None:
        return None
    at = value / 1000 if millis else value
    return max(1.0, at - now)


@dataclass
class VercelPolicy:
    """Vercel: 429 with ``Retry-After`` (the CLI adds a 0-30 s skew); ``x-ratelimit-*`` quota."""

    fallback_wait: float = 60.0
    jitter: float = 5.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-ratelimit")

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        if response.status_code != 429:
            return None
        retry_after = _retry_after(response.headers)
        if retry_after is not None:
            return LimitAnswer(retry_after + random.uniform(0, self.jitter), "rate limited (429)")
        reset = _reset_in(_int(response.headers, "x-ratelimit-reset"), now)
        return LimitAnswer(
            reset or self.fallback_wait + random.uniform(0, self.jitter), "rate limited (429)"
        )


@dataclass
class LinearPolicy:
    """Linear: ``RATELIMITED`` in the GraphQL errors (HTTP 400), ``ratelimited`` type, or 429.

    Waits on ``retry-after`` (seconds) or the ``X-RateLimit-*-Reset`` headers (milliseconds).
    """

    fallback_wait: float = 30.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-ratelimit-requests", reset_in_ms=True)

    @staticmethod
    def _is_limited(response: httpx.Response, body: Any) -> bool:
        if response.status_code == 429:
            return True
        errors = body.get("errors") if isinstance(body, dict) else None
        for error in errors or []:
            ext = error.get("extensions") if isinstance(error, dict) else None
            if isinstance(ext, dict) and (
                ext.get("code") == "RATELIMITED" or ext.get("type") == "ratelimited"
            ):
                return True
        return False

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        if not self._is_limited(response, body):
            return None
        retry_after = _retry_after(response.headers)
        if retry_after is not None:
            return LimitAnswer(retry_after, "rate limited (RATELIMITED)")
        budgets = ("requests", "complexity", "endpoint-requests")
        resets = {
            budget: _reset_in(
                _int(response.headers, f"x-ratelimit-{budget}-reset"), now, millis=True
            )
            for budget in budgets
        }
        # Wait for the budget that ran out; a full budget's reset (an hour away) is no reason.
        spent = [
            wait
            for budget, wait in resets.items()
            if wait is not None and _int(response.headers, f"x-ratelimit-{budget}-remaining") == 0
        ]
        waits = spent or [w for w in resets.values() if w is not None]
        return LimitAnswer(
            max(waits) if waits else self.fallback_wait, "rate limited (RATELIMITED)"
        )


@dataclass
class SentryPolicy:
    """Sentry: 429 with no ``Retry-After``; wait until ``X-Sentry-Rate-Limit-Reset`` (seconds)."""

    fallback_wait: float = 5.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-sentry-rate-limit")

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        if response.status_code != 429:
            return None
        retry_after = _retry_after(response.headers)
        if retry_after is not None:
            return LimitAnswer(retry_after, "rate limited (429)")
        reset = _reset_in(_int(response.headers, "x-sentry-rate-limit-reset"), now)
        return LimitAnswer(reset or self.fallback_wait + random.uniform(0, 1), "rate limited (429)")
