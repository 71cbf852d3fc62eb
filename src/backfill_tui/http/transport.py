"""The transport every provider's calls go through: auth, host pinning, retries, rate limits.

:class:`ResilientTransport` wraps an inner httpx transport (the network, the simulator or a
recording) and is given to an ``httpx.AsyncClient`` (REST) or to gql's httpx transport
(GraphQL). For each request it

- refuses any origin but the configured API's, and adds the credential only there;
- waits when the quota is inside the reserve, or when the provider answers with a rate limit;
  a rate-limit answer's wait holds every request of the source (of its token, when several
  are pooled) until it ends, told once: GitHub's "stop making requests until the wait is over"
  (provider-apis.md §1.5, §0 rule 5); a request already sent is not called back;
- retries 5xx (but 501 and 505: ``errors.NOT_RETRIED_5XX``), dropped connections, timeouts, truncated or invalid JSON and bodies that do not
  decode as their ``Content-Encoding`` says (``body.read_whole``) with backoff and jitter, a
  bounded number of times, telling the engine of each retry (``on_retry``) as of each wait
  (``on_wait``);
- gives every attempt a whole-request deadline (connect, headers and the whole body), because
  httpx's read timeout is per read: a body trickled a byte at a time never trips it;
- keeps the reserve on every budget the provider reports (Linear has two: requests and
  complexity points), waiting for that budget's reset rather than spending into it;
- counts API calls and wait time on the :class:`CallStats` of the stream making the call,
  and the source's own wait (``waited_s``: its streams' concurrent waits counted once).

A little over 400 lines: the wait accounting belongs with the waits it measures.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import socket
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import httpx

from ..clock import Clock
from ..secrets_registry import redact_bytes
from ..terms import plural
from .body import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    UndecodableBody,
    looks_like_html,
    parse_json,
    read_whole,
)
from .errors import (
    NOT_RETRIED_5XX,
    RESUME_AFTER,
    AnswerTooLarge,
    ApiError,
    AuthenticationFailed,
    HostNotAllowed,
    RateLimitExhausted,
    RateLimitTooLong,
    RetriesExhausted,
    TlsFailed,
)
from .ratelimit import (
    LimitAnswer,
    Quota,
    RateLimitPolicy,
    parse_retry_after,
    unreadable_retry_after,
)
from .tls import tls_failure
from .tokens import PooledToken, TokenPool

log = logging.getLogger("backfill_tui.http")

PARSED_JSON = "backfill_tui.json"
#: A request extension: at most this many tries on an answer the provider's policy reads as a
#: timeout (``RateLimitPolicy.timed_out``: a 504, GitHub's 502 "couldn't respond to your
#: request in time"), fewer than ``RetryRules.max_attempts``, for a request the caller can ask
#: again a cheaper way (a list page asked in smaller pages: ``connectors.linked_list``).
TIMEOUT_TRIES = "backfill_tui.timeout_tries"


@dataclass
class CallStats:
    """API calls and rate-limit waiting done on behalf of one stream (or a source's setup)."""

    api_calls: int = 0
    wait_seconds: float = 0.0


#: The stats of the stream whose task is running; the engine sets it per stream task.
current_stats: ContextVar[CallStats | None] = ContextVar("current_stats", default=None)


@dataclass(frozen=True)
class WaitNotice:
    """Told to the engine when a request must wait (rate limit or quota reserve)."""

    until: float
    seconds: float
    reason: str
    #: For a budget the source's streams share (its reserve kept, every token at its reserve):
    #: each stream of the source waits for the same reset, so it is the source's wait, not the
    #: one stream's that came first. A rate-limit answer's own wait is its request's.
    shared: bool = False


@dataclass(frozen=True)
class RetryNotice:
    """Told to the engine when a request is tried again after an error: ``problem`` as the log
    words it (a slow answer: "no complete answer within 120s, the whole-request deadline,
    api.vercel.com"; a failure on the way to the host names it, as the give-up line does),
    ``attempt`` the try that comes next (2 for the first retry) of at most ``attempts``. A slow
    answer was retried only in the log file while the live table showed the stream "pending"
    for minutes (a fresh tester's finding)."""

    attempt: int
    attempts: int
    problem: str


@dataclass
class RetryRules:
    max_attempts: int = 6  # tries of one request on errors (5xx, dropped, timeout, bad JSON)
    max_limit_waits: int = 12  # rate-limit answers in a row before the stream fails
    #: Seconds one request may wait in all on rate-limit answers that name no time to wait
    #: (``LimitAnswer.grows``: at least a minute, doubled each time) before its stream fails.
    #: An hour: GitHub's primary limit is per hour, so a limit still there after an hour of
    #: waiting is not one that waiting lifts (provider-apis.md §1.5: "throw an error after a
    #: specific number of retries"). The last wait is cut to fit.
    limit_backoff_total: float = 3600.0
    #: Seconds one rate-limit answer may ask to be waited. GitHub's and Linear's limits are
    #: per hour, Vercel's and Sentry's shorter (provider-apis.md), so an answer asking for
    #: more (a day's ``Retry-After``) is not one to sit through: the stream fails at once,
    #: saying until when, and ``resume`` goes on after then. A run waited a 24 h Retry-After
    #: twelve times over (a fresh tester's finding). 65 minutes: an hour's reset and some skew.
    max_named_wait: float = 3900.0
    #: Rate-limit answers in a row, each naming a reset later than the one before, that one
    #: request meets before its source stops. A real reset moves once per window (GitHub's
    #: primary limit: an hour, provider-apis.md §1.5), so one waited for and then named later
    #: again and again is a proxy or server that keeps resetting it: a GitHub whose
    #: ``x-ratelimit-reset`` was 20 s ahead on every answer was waited on 20 s at a time (a
    #: fresh tester's finding).
    max_reset_moves: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    #: Seconds (wall clock: the wire takes real time even on a simulated run) one attempt may
    #: take from sending to the last byte of the body; past it the attempt counts as a timeout.
    deadline: float = 120.0
    #: Bytes one answer's body may hold, decoded (``body.MAX_BODY_BYTES``: what a recording's
    #: reader reads); a longer one fails its request, not retried (:class:`AnswerTooLarge`).
    max_body: int = MAX_BODY_BYTES


class DeadlineExceeded(httpx.TimeoutException, ApiError):
    """One attempt took longer than :attr:`RetryRules.deadline` as a whole (retried)."""


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


def origin_differences(url: httpx.URL, base: httpx.URL) -> list[str]:
    """What differs between ``url``'s origin and ``base``'s, each part named (``port 8081,
    not 8080``): every refusal of another origin says which part differs. The host alone read
    "a redirect points to 127.0.0.1; refused, because credentials go only to 127.0.0.1" of a
    redirect to another port (a fresh tester's finding)."""
    found = []
    if url.scheme != base.scheme:
        found.append(f"scheme {url.scheme}, not {base.scheme}")
    if url.host != base.host:
        found.append(f"host {url.host}, not {base.host}")
    ports = (_port(url), _port(base))
    if ports[0] != ports[1]:
        found.append(f"port {ports[0]}, not {ports[1]}")
    return found


def _port(url: httpx.URL) -> int | None:
    return url.port or {"https": 443, "http": 80}.get(url.scheme)


class ResilientTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        provider_label: str,
        base_url: str,
        auth_header: str | None,
        policy: RateLimitPolicy,
        clock: Clock,
        reserve_fraction: float = 0.0,
        rules: RetryRules | None = None,
        on_wait: Callable[[WaitNotice], None] | None = None,
        tokens: TokenPool | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> None:
        self._inner = inner
        #: Several tokens rotated by quota (http/tokens.py); then ``auth_header`` is unused.
        self.tokens = tokens
        self._label = provider_label
        self._base = httpx.URL(base_url)
        self._origin = origin(self._base)
        self._auth = auth_header
        self._policy = policy
        self._clock = clock
        self._reserve = reserve_fraction
        self._rules = rules or RetryRules()
        self._on_wait = on_wait
        self._on_retry = on_retry
        #: The source's waits as (start, end) on the run's clock, for :attr:`waited_s`.
        self._spans: list[tuple[float, float]] = []
        #: When the pause :attr:`paused_until` runs to began (epoch seconds, the run's clock).
        self._paused_from = 0.0
        #: Until when (epoch seconds, the run's clock) a rate-limit answer holds every request
        #: of the source (its one token; a pool's tokens hold their own: ``paused_until``).
        self.paused_until = 0.0
        #: (waits going, the wait told to the faces).
        self._waiting: tuple[int, tuple[str, float] | None] = (0, None)
        #: Set once an answer asked for a wait past ``RetryRules.max_named_wait``: every request
        #: of the source fails with it from then on (a wait under way ends as planned; none
        #: starts after).
        self._halted: RateLimitTooLong | None = None
        #: The request-count budget as last reported (what the dashboard showed before Linear's
        #: second budget; kept for the faces that show one figure).
        self.quota: Quota | None = None
        #: Every budget as last reported, by name (``requests``, ``complexity``).
        self.quotas: dict[str, Quota] = {}
        #: The reason of the rate-limit answer that last reported a budget, by name: that
        #: answer's headers say the budget is spent, and a wait for it is for that answer's
        #: cause, not for the reserve (a tester saw "keeping 3 of 30 calls in reserve" when
        #: Linear had answered RATELIMITED).
        self._limited_by: dict[str, str] = {}

    def _stats(self) -> CallStats | None:
        return current_stats.get()

    @property
    def waited_s(self) -> float:
        """Seconds some request of this source waited: the union of its streams' waits, each
        the span of the run's clock it took (README: "`waited` counts the time that passed"),
        at most their sum. A union of spans, not a count of the waits going at once: a
        replay's waits pass at once and in another order than its run's, which summed
        overlapping waits or not by the order they ran in (a fresh tester saw its replays
        wait 16.0 s where its run had waited 13.2)."""
        total, reach = 0.0, float("-inf")
        for start, end in sorted(self._spans):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total

    async def _wait(
        self, seconds: float, reason: str, *, shared: bool = False, held: bool = False
    ) -> None:
        """Wait ``seconds`` on the run's clock, saying why (``reason``, a plain phrase the
        faces show as "<reason>, resuming at HH:MM:SS"). The stream's :attr:`CallStats.wait_seconds`
        gains the time that passed, at most ``seconds``: a wait cut short (the run cancelled a
        quarter of an hour into an hour's wait) counts what was waited, not what was planned.
        ``held``: a request held by another's rate-limit wait (:attr:`paused_until`): not
        told (that wait was) and not its stream's wait; the source's :attr:`waited_s` counts
        it with the wait it is part of, once."""
        start = self._clock.now()
        until = start + seconds
        going, shown = self._waiting
        # Told once per wait of the source: a stream joining one for the same reason adds none.
        told = held or (shown is not None and shown[0] == reason and abs(shown[1] - until) <= 1.0)
        shown = shown if told else (reason, until)
        self._waiting = (going + 1, shown)
        if not held:
            log.info("%s: waiting %.1fs (%s)", self._label, seconds, reason)
        if self._on_wait is not None and not told:
            self._on_wait(WaitNotice(until, seconds, reason, shared))
        stats = None if held else self._stats()
        try:
            await self._clock.sleep(seconds)
        finally:
            # at most the plan (a shared virtual clock moves with other streams' sleeps),
            # exactly the plan when it ran out (epoch floats round: now - start may not be)
            now = self._clock.now()
            got = seconds if now - start >= seconds - 0.001 else max(0.0, now - start)
            if stats is not None:
                stats.wait_seconds += got
            # held: part of the wait that began the pause, not before it (a replay's stream
            # may be behind on the run's clock: clock.ReplayClock)
            begun = max(start, self._paused_from) if held else start
            self._spans.append((begun, begun + max(0.0, got - (begun - start))))
            going, shown = self._waiting
            self._waiting = (going - 1, shown if going > 1 else None)

    def _halt(self, seconds: float, reason: str) -> RateLimitTooLong:
        """The source stops: an answer asked for ``seconds`` of waiting, past any provider's
        window. Every request from now on fails with the returned error."""
        if self._halted is None:
            self._halted = RateLimitTooLong(self._too_long(seconds, reason))
        return self._halted

    async def _respect_reserve(self) -> None:
        """Wait for a budget's reset rather than spend into its reserve (each budget alike).

        A call budget is inside its reserve when ``remaining <= limit * reserve``; a complexity
        budget when the next query (assumed to cost as much as the costliest seen, from
        ``X-Complexity``) would take it there. Either way the wait runs to that budget's own reset.
        """
        if self._reserve <= 0:
            return
        for name, quota in list(self.quotas.items()):
            if quota.reset_at is None:
                continue
            spend = 0 if quota.unit == "calls" else quota.cost
            if quota.remaining - spend <= quota.limit * self._reserve:
                seconds = quota.reset_at - self._clock.now()
                if seconds > 0:
                    reason = self._reserve_reason(name, quota, spend)
                    if seconds > self._rules.max_named_wait:  # a day away: not waited
                        raise self._halt(seconds, reason)
                    await self._wait(seconds + 1, reason, shared=True)
                self._forget(name)

    def _reserve_reason(self, name: str, quota: Quota, spend: int) -> str:
        """Why a request waits for ``quota``'s reset (:meth:`_respect_reserve`), truly: the
        rate-limit answer that said the budget is spent, else the budget used up (or too
        small for the next query's ``spend``), else the reserve kept."""
        if name in self._limited_by:
            return self._limited_by[name]
        left = f"{quota.remaining:,} of {quota.limit:,} {quota.unit} left"
        if quota.remaining <= 0:
            return f"the quota is used up ({left})"
        if quota.remaining - spend <= 0:
            return f"the next query may cost {spend:,} {quota.unit}, more than the {left}"
        reserve = int(quota.limit * self._reserve)  # >= remaining >= 1 here
        return f"keeping {reserve} of {quota.limit} {quota.unit} in reserve"

    def _forget(self, name: str) -> None:
        """Drop a budget whose reset has been waited for: its figures are stale."""
        self.quotas.pop(name, None)
        self._limited_by.pop(name, None)
        if name == "requests":
            self.quota = None

    def _backoff(self, attempt: int) -> float:
        rules = self._rules
        return random.uniform(0, min(rules.backoff_cap, rules.backoff_base * 2**attempt))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if origin(request.url) != self._origin:
            differs = "; ".join(origin_differences(request.url, self._base))
            asked, base = request.url, self._base
            raise HostNotAllowed(
                f"refused a request to {asked.scheme}://{host_shown(asked)} ({differs}): "
                f"{self._label} credentials and calls go only to "
                f"{base.scheme}://{host_shown(base)}"
            )
        if self._auth is not None:
            request.headers["Authorization"] = self._auth
        attempt = 0
        limit_waits = 0
        growing: list[float] = []  # the waits of answers that named no time, in a row
        resets: list[float] = []  # the resets named by rate-limit answers in a row
        last_problem = ""
        while True:
            if self._halted is not None:  # the source stopped: nothing more is asked
                raise RateLimitTooLong(str(self._halted))
            token = await self._token_for(request)
            if token is None:
                while (held := self.paused_until - self._clock.now()) > 0:  # another's wait
                    await self._wait(held, "rate limited", held=True)
                await self._respect_reserve()
            stats = self._stats()
            if stats is not None:
                stats.api_calls += 1
            try:
                response = await self._attempt(request)
            except httpx.TransportError as exc:
                if token is not None and self.tokens is not None:
                    self.tokens.observe(token, ())
                if isinstance(exc, BodyTooLarge):  # the same request, the same answer: no retry
                    shown = f"{request.method} {host_shown(request.url)}{request.url.path}"
                    raise AnswerTooLarge(f"{self._label}: {shown}: {exc}") from None
                tls = tls_failure(exc)
                if tls is not None:  # the same handshake fails the same way: no retries
                    where = f"{self._label} at {host_shown(request.url)}"
                    raise TlsFailed(f"{where} {tls}", tls) from None
                last_problem = describe_transport_error(exc)
                # the host named, in each retry's line as in the give-up's: a base URL set by a
                # variable (BACKFILL_GITHUB_API_URL) failed in the very words of the provider's
                # own, and its retries did not say where they went (fresh testers' findings)
                where = f"{last_problem}, {host_shown(request.url)}"
                attempt += 1
                if attempt >= self._rules.max_attempts:
                    raise RetriesExhausted(self._gave_up(attempt, where), last_problem) from None
                await self._retry(attempt, where)
                continue

            quota = self._policy.quota(response)
            if quota is not None:
                self.quota = quota
            if token is not None and self.tokens is not None:
                self.tokens.observe(token, self._policy.quotas(response))
            # The token asked with, echoed in the answer, is masked before anything reads it.
            content = redact_bytes(response.content)
            body, problem = _parse_body(response, content)
            answer = self._policy.limit_answer(response, body, self._clock.now())
            reported: dict[str, Quota] = {}
            for budget in self._policy.quotas(response):
                known = self.quotas.get(budget.name)
                if known is not None and known.cost > budget.cost:
                    # The next query may be the costliest kind seen (streams' queries differ).
                    budget = dataclasses.replace(budget, cost=known.cost)
                self.quotas[budget.name] = reported[budget.name] = budget
                if answer is not None:  # the budget is as a rate-limit answer left it
                    self._limited_by[budget.name] = answer.reason
                else:
                    self._limited_by.pop(budget.name, None)
            if answer is not None:
                limit_waits += 1
                if limit_waits > self._rules.max_limit_waits:
                    raise RateLimitExhausted(
                        f"{self._label}: still rate limited after {plural(limit_waits - 1, 'wait')}"
                    )
                unreadable = unreadable_retry_after(response.headers)
                if answer.grows and unreadable and unreadable not in answer.reason:
                    answer = dataclasses.replace(answer, reason=f"{answer.reason}, {unreadable}")
                seconds = answer.seconds
                self._reset_kept_moving(answer, resets)
                if answer.grows:
                    seconds = self._growing_wait(answer, growing)
                else:
                    growing.clear()
                    if seconds - answer.jitter > self._rules.max_named_wait:  # as asked
                        raise self._halt(seconds - answer.jitter, answer.reason)
                self._pause(token, self._clock.now() + seconds)
                await self._wait(seconds, answer.reason)
                for name, budget in reported.items():  # waited out; the retry reports afresh
                    if self.quotas.get(name) is budget:
                        self._forget(name)
                continue
            if _rejects_credentials(response.status_code, body):
                if token is not None and self._drop(token):
                    continue  # the next token takes the request
                raise AuthenticationFailed(
                    f"{self._label} authentication failed ({response.status_code}): the credentials were "
                    "rejected; "
                    "check or replace the token"
                )
            server_trouble = response.status_code >= 500
            if (server_trouble and response.status_code not in NOT_RETRIED_5XX) or problem:
                unreadable = unreadable_retry_after(response.headers) if not problem else ""
                last_problem = problem or ", ".join(
                    filter(None, (f"server error {response.status_code}", unreadable))
                )
                attempt += 1
                timed_out = not problem and self._policy.timed_out(response, body)
                tries = self._tries(request, timed_out)
                if attempt >= tries:
                    said = body.get("message") if isinstance(body, dict) else None
                    raise RetriesExhausted(
                        self._gave_up(attempt, last_problem),
                        last_problem,
                        said=said[:200] if isinstance(said, str) else "",
                        timed_out=timed_out,
                    )
                # RFC 9110 §10.2.3: a 503's Retry-After says how long the service is down;
                # it was ignored, three retries within a second (a fresh tester's finding).
                header = None if problem else response.headers.get("retry-after")
                named = parse_retry_after(header, self._clock.now())
                if named is not None and named > self._rules.max_named_wait:
                    raise self._halt(named, last_problem)
                await self._retry(attempt, last_problem, tries, named)
                continue
            return _rebuild(request, response, body, content)

    def _too_long(self, seconds: float, reason: str) -> str:
        """``Vercel: rate limited (...) and asked to wait 24 h, until 2026-12-03 16:40 UTC;
        resume the run after then``: a wait past :attr:`RetryRules.max_named_wait`. A wait
        ending past the year 9999 (``Retry-After: 99999999999999999999``, a reset of ``1e30``)
        is said as such, with no time to resume after: such a time failed the stream as an
        internal error (``datetime`` reads no later year; a fresh tester's finding). A wait
        past :data:`ABSURD_WAIT` is said by the time asked and how far off it is (``until
        9999-12-31 23:59 UTC, 7,973 years away``), again with no time to resume after: "asked
        to wait 69890552 h" (an HTTP-date in the year 9999) read as no wait at all (a fresh
        tester's finding)."""
        try:
            until = datetime.fromtimestamp(self._clock.now() + seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return (
                f"{self._label}: {reason}, and asked to wait past the year 9999, a wait no rate "
                "limit means; resume the run later"
            )
        if seconds > ABSURD_WAIT:
            return (
                f"{self._label}: {reason}, and asked to wait until {until:%Y-%m-%d %H:%M} UTC, "
                f"{_far_off(seconds)} away, a wait no rate limit means; resume the run later"
            )
        return (
            f"{self._label}: {reason}, and asked to wait {_long_wait(seconds)}, "
            + RESUME_AFTER.format(until)
        )

    def _reset_kept_moving(self, answer: LimitAnswer, resets: list[float]) -> None:
        """Stop the source when ``answer``'s reset (``LimitAnswer.reset``) is the
        :attr:`RetryRules.max_reset_moves`-th in a row later than the one before it.

        ``resets``: the resets the request's rate-limit answers named in a row (the answer's
        joins; one naming none clears them). A reset named again unchanged (a wait ended a
        moment early) is no move, nor is one a whole window later (``LimitAnswer.window``: a
        new hour's, its quota spent by others at once), which is waited as before. Raises :class:`RateLimitTooLong` (every request of the
        source fails with it from then on), saying which header moved and to resume after an
        hour, the window of GitHub's primary limit (provider-apis.md §1.5).
        """
        if answer.reset is None:
            resets.clear()
            return
        resets.append(answer.reset)
        window = answer.window or float("inf")
        moves = sum(1 for before, after in pairwise(resets) if 0 < after - before < window)
        if moves < self._rules.max_reset_moves:
            return
        if self._halted is None:
            until = datetime.fromtimestamp(self._clock.now() + 3600, UTC)
            self._halted = RateLimitTooLong(
                f"{self._label}: {answer.reason}, but the limit kept being reset: "
                f"{answer.header} named a later time on {plural(moves, 'answer')} in a row "
                f"(the last {_minutes(answer.seconds)} ahead), where a real reset moves once "
                "an hour; " + RESUME_AFTER.format(until)
            )
        raise self._halted

    def _pause(self, token: PooledToken | None, until: float) -> None:
        """Hold every request of the source (``token``'s, with a pool) until ``until``."""
        if token is None:
            if until > self.paused_until:
                if self.paused_until <= self._clock.now():  # a new pause, not a longer one
                    self._paused_from = self._clock.now()
                self.paused_until = until
        else:
            token.paused_until = max(token.paused_until, until)

    def _growing_wait(self, answer: LimitAnswer, growing: list[float]) -> float:
        """The wait for a rate-limit answer that named no time (``answer.grows``): its least
        wait doubled for each such answer before it in a row (``growing``, their waits, which
        this one joins), cut so that the waits stay within ``RetryRules.limit_backoff_total``.
        Raises :class:`RateLimitExhausted`, with the waits in words, once that total is spent.
        """
        bound = self._rules.limit_backoff_total
        spent = sum(growing)
        if growing and spent >= bound - 0.001:
            raise RateLimitExhausted(
                f"{self._label}: still rate limited after waiting {_minutes(spent)} in all "
                f"({answer.reason}; {plural(len(growing), 'wait')} from "
                f"{'a minute' if growing[0] >= 60 else _minutes(growing[0])}, doubling, "
                "as no answer said how long)"
            )
        seconds = min(answer.seconds * 2.0 ** len(growing), max(0.0, bound - spent))
        growing.append(seconds)
        return seconds

    def _tries(self, request: httpx.Request, timed_out: bool) -> int:
        """How many tries ``request`` gets on an error answer: the rules' bound, or the
        request's own smaller one (:data:`TIMEOUT_TRIES`) when the answer is the provider's
        timeout (``timed_out``: the policy's ``RateLimitPolicy.timed_out``). Any other 5xx,
        a plain 502 of an outage among them, gets the whole bound."""
        bound = self._rules.max_attempts
        if timed_out:
            asked = request.extensions.get(TIMEOUT_TRIES)
            if isinstance(asked, int) and asked > 0:
                return min(bound, asked)
        return bound

    def _gave_up(self, attempts: int, problem: str) -> str:
        """``GitHub: gave up after 6 tries (server error 503)`` (``1 try``, not ``1 tries``)."""
        return f"{self._label}: gave up after {plural(attempts, 'try', 'tries')} ({problem})"

    async def _retry(
        self, attempt: int, problem: str, tries: int | None = None, asked: float | None = None
    ) -> None:
        """Say the request is tried again after ``problem`` (the log and ``on_retry``), then
        back off before try ``attempt + 1`` of ``tries`` (the rules' bound by default): the
        answer's ``Retry-After`` (``asked``, seconds, at most ``RetryRules.max_named_wait``),
        or the back-off when longer, waited as a told wait."""
        log.warning("%s: %s, retrying (%d)", self._label, problem, attempt)
        if self._on_retry is not None:
            bound = tries or self._rules.max_attempts
            self._on_retry(RetryNotice(attempt + 1, bound, problem))
        backoff = self._backoff(attempt)
        if asked is not None:
            await self._wait(max(asked, backoff), f"{problem}, retry-after")
        else:
            await self._clock.sleep(backoff)

    async def _token_for(self, request: httpx.Request) -> PooledToken | None:
        """With a token pool: the token this attempt goes with (its header set on the
        request), after waiting for a reset when every token is inside its reserve."""
        if self.tokens is None:
            return None
        while True:
            try:
                chosen = self.tokens.choose(self._clock.now(), self._reserve)
            except LookupError:
                raise AuthenticationFailed(
                    f"{self._label} authentication failed: every token was rejected; check or "
                    "replace them"
                ) from None
            if isinstance(chosen, PooledToken):
                request.headers["Authorization"] = chosen.header
                return chosen
            if self.tokens.held(self._clock.now(), self._reserve):  # another's wait: told
                await self._wait(chosen, "rate limited", held=True)
                continue
            count = len(self.tokens.live)
            await self._wait(chosen + 1, f"all {count} tokens at their reserve", shared=True)

    def _drop(self, token: PooledToken) -> bool:
        """Drop a token that answered 401, with one line naming its fingerprint; whether
        others are left to go on with."""
        assert self.tokens is not None
        left = self.tokens.drop(token)
        log.warning(
            "%s: token %s was rejected (401); dropped from the rotation, %s left",
            self._label, token.fingerprint, plural(left, "token"),
        )  # fmt: skip
        return left > 0

    async def _attempt(self, request: httpx.Request) -> httpx.Response:
        """Send once and read the whole body within the deadline, else :class:`DeadlineExceeded`.

        ``asyncio.timeout`` bounds the attempt as a whole (connect, headers, every chunk of the
        body), unlike httpx's ``read`` timeout, which restarts with each chunk received.
        """
        deadline = self._rules.deadline
        response: httpx.Response | None = None
        try:
            async with asyncio.timeout(deadline):
                response = await self._inner.handle_async_request(request)
                await read_whole(response, request, limit=self._rules.max_body)
        except TimeoutError:
            if response is not None:
                with contextlib.suppress(Exception):
                    await response.aclose()
            raise DeadlineExceeded(
                f"no complete answer within {deadline:g}s, the whole-request deadline",
                request=request,
            ) from None
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def _long_wait(seconds: float) -> str:
    """``24 h`` (from two hours), else ``65 min 11 s``: a wait past the limit, said so that
    it reads as past it (``65 min`` for 3,911 s read as the limit itself: a tester's
    finding)."""
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} h"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min" if rest == 0 else f"{minutes} min {rest} s"


#: Seconds past which an asked wait is said by its date alone, with no time to resume after
#: (``_too_long``): a week. Every provider's own window is an hour or less (provider-apis.md;
#: ``RetryRules.max_named_wait``); a wait of a day is still said with the time to resume
#: after, but "resume after 9999-12-31" is no advice a person can follow.
ABSURD_WAIT = 7 * 86400.0


def _far_off(seconds: float) -> str:
    """``12 days`` (under two years), else ``7,973 years``: how far off a wait past
    :data:`ABSURD_WAIT` ends, in the unit a person reads it in."""
    days = seconds / 86400
    if days < 730:
        return f"{days:,.0f} days"
    return f"{days / 365.25:,.0f} years"


def _minutes(seconds: float) -> str:
    """``63 min`` (``45 s`` under a minute): a long wait as the user reads it."""
    return f"{seconds:.0f} s" if seconds < 60 else f"{seconds / 60:.0f} min"


def _rejects_credentials(status: int, body: Any) -> bool:
    """401 everywhere; Vercel answers an invalid token with 403 and ``error.invalidToken``."""
    if status == 401:
        return True
    error = body.get("error") if isinstance(body, dict) else None
    return status == 403 and isinstance(error, dict) and bool(error.get("invalidToken"))


def host_shown(url: httpx.URL) -> str:
    """``url``'s host as a line names it: with its port when it is not the scheme's default
    (``127.0.0.1:8080``), an IPv6 address in brackets (``[::1]:8080``, not ``::1:8080``)."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{url.port}" if url.port is not None else host


def describe_transport_error(exc: httpx.TransportError) -> str:
    """The problem in a retry's and a give-up's line, saying how far the request got: a
    timeout says which of httpx's four it was, since only ``ConnectTimeout`` means the host
    was never reached; all four read "timed out", and the connection test called a read
    timeout "the host was not reached" (a fresh tester's finding)."""
    if isinstance(exc, DeadlineExceeded | UndecodableBody):
        return str(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.ReadTimeout):
        return "timed out waiting for the answer"
    if isinstance(exc, httpx.WriteTimeout):
        return "timed out sending the request"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "connection dropped"
    if isinstance(exc, httpx.ConnectError):
        return "could not resolve host" if _unresolved(exc) else "could not connect"
    return type(exc).__name__


def _unresolved(exc: BaseException) -> bool:
    """Whether a failed connection is a host name that did not resolve (mistyped, or no
    network): httpcore raises its ``ConnectError`` from getaddrinfo's ``socket.gaierror``, and
    httpx its own from that one; a refused connection has an ``OSError`` there instead. Both
    read "could not connect", so a typo in BACKFILL_GITHUB_API_URL looked like a server down
    (a fresh tester's finding)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:  # a chain may loop back on itself
        if isinstance(cause, socket.gaierror):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _parse_body(response: httpx.Response, content: bytes) -> tuple[Any, str | None]:
    """Parse a JSON body once; a 2xx whose JSON is truncated or invalid is a problem to retry,
    but not an HTML page labelled JSON (``body.looks_like_html``): asked again, it answers the
    same, and ``ApiClient.get`` fails it at once as it does ``text/html``."""
    content_type = response.headers.get("content-type", "")
    if "json" not in content_type:
        return None, None
    try:
        return parse_json(content), None
    except (ValueError, RecursionError):  # nested past Python's limit: not a list we can read
        if response.is_success and not looks_like_html(content):
            return None, "truncated or invalid JSON"
        return None, None


def _rebuild(
    request: httpx.Request, response: httpx.Response, body: Any, content: bytes
) -> httpx.Response:
    # The raw bytes: a header value may hold any byte past ASCII (RFC 9110's obs-text), which
    # httpx decodes as Latin-1 and would not encode again (a fresh tester's finding: a proxy's
    # "X-Weird: caf\xe9" failed the stream as an internal UnicodeEncodeError).
    headers = [
        (k, v)
        for k, v in response.headers.raw
        if k.lower() not in (b"content-encoding", b"content-length", b"transfer-encoding")
    ]
    extensions = dict(response.extensions)
    extensions[PARSED_JSON] = body
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=content,
        request=request,
        extensions=extensions,
    )
