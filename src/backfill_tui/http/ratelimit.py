"""Rate-limit policies: reading a provider's quota headers and recognising its limit answers.

A policy is pure: given a response (and its parsed body), it says how much quota is left,
when the response is a rate-limit answer how long to wait and why, and whether an error answer
is the provider's timeout. The transport does the waiting. One policy per provider.

Past 400 lines on purpose: the four policies and the header readers they share are read side
by side, each rule next to its provider's source.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

from ..secrets_registry import redact
from ..textsafe import clean

#: ``httpx.Response.extensions`` key: the fraction (0 to 1) of its policy's jitter a
#: rate-limit answer's wait adds (:func:`jitter_drawn`), set by a recorded or replayed answer
#: (``recording.transports``) so that the replay of a run waits what the run waited.
JITTER_FRACTION = "backfill_tui.jitter_fraction"


def jitter_drawn(response: httpx.Response, most: float) -> float:
    """Seconds of jitter (0 to ``most``) to add to the wait ``response`` asks: its
    :data:`JITTER_FRACTION` of ``most`` when it carries one, else drawn at random. A wait
    with random jitter could not be replayed: a replay's waits came out different on each
    replay and from the recorded run's (a fresh tester's finding: Vercel 6.5 s, replayed 9.4 s).
    """
    fraction = response.extensions.get(JITTER_FRACTION)
    if isinstance(fraction, float) and 0.0 <= fraction < 1.0:
        return most * fraction
    return random.uniform(0, most)


@dataclass(frozen=True)
class Quota:
    """One budget of the provider as its last response reported it.

    Most providers have one budget, counted in calls. Linear has two (Linear docs, "Rate
    limiting"): requests per hour and complexity points per hour; for the latter ``cost`` is the
    ``X-Complexity`` of the answer that reported it, the best guess of what the next query costs.
    """

    limit: int
    remaining: int
    reset_at: float | None  # epoch seconds
    #: What the budget counts, in the user's words ("calls", "complexity points").
    unit: str = "calls"
    #: The cost of the last request in this budget's unit (1 call; Linear's ``X-Complexity``).
    cost: int = 1

    @property
    def name(self) -> str:
        """``requests`` or ``complexity``: how the dashboard and the summary label it."""
        return "complexity" if self.unit == "complexity points" else "requests"


@dataclass(frozen=True)
class LimitAnswer:
    """A response that says "slow down": wait ``seconds`` and send the request again.

    ``grows``: the answer named no time to wait (no ``Retry-After``, no reset): ``seconds`` is
    the least wait, and the transport doubles it for each such answer to the same request in
    a row, giving up after a bounded total (``RetryRules.limit_backoff_total``). GitHub's REST
    docs ("Rate limits for the REST API", provider-apis.md §1.5): otherwise "wait for at least
    one minute before retrying ... increase the time between retries exponentially, and throw
    an error after a specific number of retries".
    """

    seconds: float
    reason: str
    grows: bool = False
    #: Seconds of ``seconds`` the policy added to the provider's own figure (jitter): a wait is
    #: judged by what the provider asked (``RetryRules.max_named_wait``), not by what was added.
    jitter: float = 0.0
    #: The reset the wait runs to, as the answer named it (an instant, epoch seconds, on the
    #: provider's clock), and the header that named it (``x-ratelimit-reset``); None when the
    #: wait came from elsewhere. A reset later on each answer in a row is no real window's
    #: (``RetryRules.max_reset_moves``).
    reset: float | None = None
    header: str = ""
    #: Seconds of the provider's window, by which a real reset moves when it moves (GitHub's
    #: primary limit: an hour, its window beginning at the first request after a reset);
    #: a move by less is no real reset's. None: any move counts.
    window: float | None = None


class RateLimitPolicy(Protocol):
    def quota(self, response: httpx.Response) -> Quota | None:
        """The request-count budget (the one every provider has), if the answer reports it."""
        ...

    def quotas(self, response: httpx.Response) -> tuple[Quota, ...]:
        """Every budget the answer reports; the transport paces on, and reserves, each."""
        ...

    def limit_answer(
        self, response: httpx.Response, body: Any, now: float
    ) -> LimitAnswer | None: ...

    def timed_out(self, response: httpx.Response, body: Any) -> bool:
        """Whether a 5xx is the provider's timeout (``http.transport.TIMEOUT_TRIES``)."""
        ...


class GatewayTimeouts:
    """``timed_out`` for a provider with no timeout answer of its own: a 504 Gateway Timeout,
    by its definition (RFC 9110 §15.6.5) a server upstream that "did not receive a timely
    response"; any other 5xx says nothing of time."""

    def timed_out(self, response: httpx.Response, body: Any) -> bool:
        return response.status_code == 504


#: Words of GitHub's 502 for a request ended after ten seconds (REST docs, "Troubleshooting the
#: REST API", timeouts): REST's "We couldn't respond to your request in time" (docs/real-world.md,
#: the simulator's ``github_timeout_above``), GraphQL's "may be the result of a timeout".
GITHUB_TIMEOUT_WORDS = ("in time", "timed out", "timeout")


def _int(headers: httpx.Headers, name: str) -> int | None:
    """Header ``name`` as an int (``"1e3"`` read as 1000), or None when absent or no finite
    number: ``inf`` raised OverflowError, failing the stream as an internal error."""
    value = headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except (ValueError, OverflowError):
        return None


def _header_quota(
    headers: httpx.Headers, prefix: str, *, reset_in_ms: bool = False
) -> Quota | None:
    """``{prefix}-limit``, ``-remaining`` and ``-reset`` as a Quota: the reset epoch ms with
    ``reset_in_ms``, else epoch seconds unless only milliseconds can be meant
    (:func:`epoch_reset`, a guess)."""
    limit = _int(headers, f"{prefix}-limit")
    remaining = _int(headers, f"{prefix}-remaining")
    if limit is None or remaining is None:
        return None
    reset = _int(headers, f"{prefix}-reset")
    if reset is None:
        return Quota(limit, remaining, None)
    return Quota(limit, remaining, reset / 1000 if reset_in_ms else epoch_reset(reset))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, or None when absent or unreadable.

    RFC 9110 §10.2.3 allows both forms: delta-seconds (``"120"``) and an HTTP-date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``, also the obsolete RFC 850 and asctime forms). A date
    is measured against ``now`` (epoch seconds, the run's clock); a date in the past means 0.
    Vercel's 429 can carry either form (provider-apis.md §6).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110: an HTTP-date is always UTC
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN or infinite
        return None
    return max(0.0, seconds)


def unreadable_retry_after(headers: httpx.Headers) -> str:
    """``Retry-After "soon" unreadable`` when an answer's ``Retry-After`` is there but is
    neither delta-seconds nor an HTTP-date (RFC 9110 §10.2.3; :func:`parse_retry_after`),
    its value masked (a registered credential as ``***``), control characters dropped and
    cut to 40 characters; ``""`` when absent, blank or readable. Such an answer is waited by
    the default back-off, and its wait or retry says why: a 429 with ``Retry-After: soon``
    was said to be a "secondary rate limit" (a fresh tester's finding)."""
    value = headers.get("retry-after")
    if value is None or not value.strip() or parse_retry_after(value, 0.0) is not None:
        return ""
    shown = " ".join(clean(redact(value)).split())
    return f'Retry-After "{shown[:40]}{"…" if len(shown) > 40 else ""}" unreadable'


def _retry_after(headers: httpx.Headers, now: float) -> float | None:
    return parse_retry_after(headers.get("retry-after"), now)


def answer_date(headers: httpx.Headers) -> float | None:
    """The answer's ``Date`` (RFC 9110 §6.6.1: the server's now) as epoch seconds, or None."""
    value = headers.get("date")
    if value is None:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)).timestamp()


def reset_wait(reset: float | None, headers: httpx.Headers, now: float) -> float | None:
    """Seconds from the answer's now to ``reset`` (an instant, epoch seconds, on the
    provider's clock), or None when there is no reset or it is not in the future.

    The answer's ``Date`` (RFC 9110 §6.6.1: the instant the server made the answer) is the
    provider's now, so ``reset - Date`` is the wait the provider means whatever this machine's
    clock says; without a ``Date``, ``now`` (epoch seconds, the run's clock) stands in. A reset
    already past (a clock ahead of the provider's, a window that just turned) names no time to
    wait: the caller waits as its provider says to when no time is given, not one second (a
    fresh tester's finding: GitHub's past ``x-ratelimit-reset`` was waited one second twelve
    times over, thirteen requests in twelve seconds while limited).
    """
    if reset is None:
        return None
    server_now = answer_date(headers)
    wait = reset - (now if server_now is None else server_now)
    return wait if wait > 0 else None


#: Epoch seconds at or past which a reset documented in seconds is read as milliseconds: 10^11
#: seconds is the year 5138, while as milliseconds it is March 1973 and a reset of this era
#: (about 1.8 * 10^12 ms) is far past it.
MS_FROM = 1e11


def epoch_reset(value: int | None) -> float | None:
    """A reset header documented as epoch *seconds* (GitHub's ``x-ratelimit-reset``, Vercel's
    ``X-RateLimit-Reset`` [U], Sentry's ``X-Sentry-Rate-Limit-Reset``: provider-apis.md §1.5,
    §2.4, §4.5) as an instant, epoch seconds (None for None).

    A value of :data:`MS_FROM` or more is read as epoch *milliseconds*: a guess, not
    documented, the mirror of :func:`linear_reset`'s. Vercel's unit is unconfirmed (§2.4), and
    a reset of ``now`` in milliseconds read as seconds lies in the year 58892: it failed the
    stream as an internal error (a fresh tester's finding). A value past the year 9999 even as
    milliseconds stays as it is: the transport says it asks for a wait past then.
    """
    if value is None:
        return None
    return value / 1000 if value >= MS_FROM else float(value)


def linear_reset(value: int | None) -> float | None:
    """A Linear ``X-RateLimit-*-Reset`` value as an instant, epoch seconds (None for None).

    Linear documents the resets as UTC epoch *milliseconds* (provider-apis.md §3.5, from copies
    of its rate-limiting page, [U]). A value below 10^11 cannot be milliseconds of this era
    (10^11 ms is March 1973) while it reads as seconds until the year 5138, so it is taken to
    be epoch *seconds*: a guess, not documented, made because such a value read as
    milliseconds lies in 1970 and would be waited as no time at all.
    """
    if value is None:
        return None
    return value / 1000 if value >= MS_FROM else float(value)


def _one(quota: Quota | None) -> tuple[Quota, ...]:
    return () if quota is None else (quota,)


#: GitHub's header naming when the primary limit resets, and the limit's window in seconds
#: (provider-apis.md §1.5: requests per hour).
RESET_HEADER = "x-ratelimit-reset"
GITHUB_WINDOW_S = 3600.0


@dataclass
class GitHubPolicy:
    """GitHub's documented order (provider-apis.md §1.5): ``retry-after`` → wait that long;
    else ``x-ratelimit-remaining: 0`` with ``x-ratelimit-reset`` → wait until the reset (from
    the answer's ``Date``: :func:`reset_wait`); else, a reset absent or not ahead of ``Date``
    included, wait at least a minute, longer each time (``LimitAnswer.grows``), within a
    bounded total.

    Primary and secondary limits come as 403 or 429; a 403 without limit signs is a permission
    problem and is left for the caller to report. A primary-limit answer may come without
    ``x-ratelimit-reset`` (provider-apis.md §6): it is told from a secondary one by
    ``remaining: 0`` or GitHub's "API rate limit exceeded" message, and said as such.
    """

    minimum_wait: float = 60.0
    jitter: float = 5.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-ratelimit")

    def quotas(self, response: httpx.Response) -> tuple[Quota, ...]:
        return _one(self.quota(response))

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        """How long a 403/429 rate-limit answer says to wait (seconds on the run's clock
        ``now``, epoch seconds), why, and whether the wait must grow; ``None`` when the answer
        is no rate limit."""
        if response.status_code not in (403, 429):
            return None
        retry_after = _retry_after(response.headers, now)
        if retry_after is not None:
            return LimitAnswer(retry_after, f"rate limited ({response.status_code}, retry-after)")
        remaining = _int(response.headers, "x-ratelimit-remaining")
        reset = epoch_reset(_int(response.headers, RESET_HEADER))
        message = str(body.get("message", "") if isinstance(body, dict) else "").lower()
        primary = remaining == 0 or "api rate limit exceeded" in message
        until = reset_wait(reset, response.headers, now)
        if primary and until is not None:
            return LimitAnswer(
                max(1.0, until),
                "hourly rate limit used up",
                reset=reset,
                header=RESET_HEADER,
                window=GITHUB_WINDOW_S,
            )
        wait = self.minimum_wait + jitter_drawn(response, self.jitter)
        if primary:  # no reset, or one not ahead of the answer's Date: no time given
            given = "no reset time given" if reset is None else "its reset time already past"
            return LimitAnswer(wait, f"hourly rate limit used up, {given}", grows=True)
        # GitHub's older wording of a secondary limit, still on GitHub Enterprise Server and
        # seen on GET /releases (ossf/scorecard#206): it was read as a permissions refusal
        # ("check the token's permissions"), failing the stream (a tester's finding).
        if unreadable_retry_after(response.headers):  # a limit, said by what it held
            return LimitAnswer(wait, f"rate limited ({response.status_code})", grows=True)
        if response.status_code == 429 or "rate limit" in message or "abuse detection" in message:
            return LimitAnswer(wait, "secondary rate limit", grows=True)
        return None

    def timed_out(self, response: httpx.Response, body: Any) -> bool:
        """A 504, or a 502 whose ``message`` says it timed out (:data:`GITHUB_TIMEOUT_WORDS`).
        A plain 502 (a GitHub/GHES proxy's ``{"message": "Server Error"}``, an outage) is not:
        it was, and pages shrank to fail saying a resume meets the same answer, where a resume
        after the burst worked (a fresh tester's finding)."""
        message = body.get("message") if isinstance(body, dict) else None
        said = message.lower() if isinstance(message, str) else ""
        timeout_502 = response.status_code == 502 and any(w in said for w in GITHUB_TIMEOUT_WORDS)
        return response.status_code == 504 or timeout_502


@dataclass
class VercelPolicy(GatewayTimeouts):
    """Vercel: 429 with ``Retry-After`` (the CLI adds a 0-30 s skew); ``x-ratelimit-*`` quota.

    Without ``Retry-After``: until ``X-RateLimit-Reset`` (epoch seconds, [U]; milliseconds when
    only they can be meant, a guess: :func:`epoch_reset`; from the answer's
    ``Date``: :func:`reset_wait`); with none ahead, a minute (Vercel's buckets are a minute,
    provider-apis.md §2.4), longer each time (``LimitAnswer.grows``).
    """

    fallback_wait: float = 60.0
    jitter: float = 5.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-ratelimit")

    def quotas(self, response: httpx.Response) -> tuple[Quota, ...]:
        return _one(self.quota(response))

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        if response.status_code != 429:
            return None
        retry_after = _retry_after(response.headers, now)
        if retry_after is not None:
            jitter = jitter_drawn(response, self.jitter)
            return LimitAnswer(retry_after + jitter, "rate limited (429)", jitter=jitter)
        reset = reset_wait(
            epoch_reset(_int(response.headers, "x-ratelimit-reset")), response.headers, now
        )
        if reset is not None:
            return LimitAnswer(max(1.0, reset), "rate limited (429)")
        wait = self.fallback_wait + jitter_drawn(response, self.jitter)
        return LimitAnswer(wait, "rate limited (429)", grows=True)


@dataclass
class LinearPolicy(GatewayTimeouts):
    """Linear: ``RATELIMITED`` in the GraphQL errors (HTTP 400), ``ratelimited`` type, or 429.

    Waits on ``retry-after`` (seconds or a date) or the ``X-RateLimit-*-Reset`` headers
    (milliseconds as documented; a value that can only be seconds read as seconds:
    :func:`linear_reset`), from the answer's ``Date`` (:func:`reset_wait`); with no reset
    ahead, 30 s, longer each time (``LimitAnswer.grows``). Two budgets are read (provider-apis.md §3.5): requests
    (``X-RateLimit-Requests-*``) and complexity points (``X-RateLimit-Complexity-*``, with the
    answer's own cost in ``X-Complexity``).
    """

    fallback_wait: float = 30.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-ratelimit-requests", reset_in_ms=True)

    def complexity(self, response: httpx.Response) -> Quota | None:
        """The complexity-point budget, its cost being this answer's ``X-Complexity``."""
        found = _header_quota(response.headers, "x-ratelimit-complexity", reset_in_ms=True)
        if found is None:
            return None
        cost = _int(response.headers, "x-complexity")
        return Quota(
            found.limit,
            found.remaining,
            found.reset_at,
            unit="complexity points",
            cost=max(0, cost) if cost is not None else 0,
        )

    def quotas(self, response: httpx.Response) -> tuple[Quota, ...]:
        return _one(self.quota(response)) + _one(self.complexity(response))

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
        retry_after = _retry_after(response.headers, now)
        if retry_after is not None:
            return LimitAnswer(retry_after, "rate limited (RATELIMITED)")
        budgets = ("requests", "complexity", "endpoint-requests")
        resets = {
            budget: reset_wait(
                linear_reset(_int(response.headers, f"x-ratelimit-{budget}-reset")),
                response.headers,
                now,
            )
            for budget in budgets
        }
        # Wait for the budget that ran out; a full budget's reset (an hour away) is no reason.
        spent = [
            wait
            for budget, wait in resets.items()
            if wait is not None and _int(response.headers, f"x-ratelimit-{budget}-remaining") == 0
        ]
        if spent:
            return LimitAnswer(max(1.0, max(spent)), "rate limited (RATELIMITED)")
        # None ran out (or no reset is ahead of the answer): back off (§0 rule 4; §3.5, "short
        # backoff also works"), from 30 s or a nearer reset, doubling. The furthest reset of
        # budgets with room was waited for: an hour, with 2,400 of 2,500 requests left (a
        # tester's finding).
        nearer = [w for w in resets.values() if w is not None and w < self.fallback_wait]
        return LimitAnswer(
            max(1.0, min(nearer, default=self.fallback_wait)),
            "rate limited (RATELIMITED)",
            grows=True,
        )


@dataclass
class SentryPolicy(GatewayTimeouts):
    """Sentry: 429 with no ``Retry-After``; wait until ``X-Sentry-Rate-Limit-Reset`` (epoch
    seconds, provider-apis.md §4.5; milliseconds when only they can be meant, a guess:
    :func:`epoch_reset`), measured from the answer's ``Date``: the reset is an
    instant on Sentry's clock, and ``Date`` is Sentry's now, so the wait is the one Sentry
    means whatever this machine's clock says (without ``Date``, from this machine's now). A
    reset absent or not ahead of ``Date``: back off from 5 s, doubling (``LimitAnswer.grows``;
    §4.5 "else back off"), not a second each time."""

    fallback_wait: float = 5.0

    def quota(self, response: httpx.Response) -> Quota | None:
        return _header_quota(response.headers, "x-sentry-rate-limit")

    def quotas(self, response: httpx.Response) -> tuple[Quota, ...]:
        return _one(self.quota(response))

    def limit_answer(self, response: httpx.Response, body: Any, now: float) -> LimitAnswer | None:
        if response.status_code != 429:
            return None
        retry_after = _retry_after(response.headers, now)
        if retry_after is not None:
            return LimitAnswer(retry_after, "rate limited (429)")
        reset = reset_wait(
            epoch_reset(_int(response.headers, "x-sentry-rate-limit-reset")), response.headers, now
        )
        if reset is not None:
            return LimitAnswer(max(1.0, reset), "rate limited (429)")
        wait = self.fallback_wait + jitter_drawn(response, 1.0)  # §4.5: no reset ahead, back off
        return LimitAnswer(wait, "rate limited (429)", grows=True)
