"""Reaching one source before a run: a client built as the engine builds it, and a cheap check.

The terminal app's "test connection" calls :func:`check_source`: it makes the connector's
source-level call (``prepare()``, one request for most providers) through a real
:class:`ApiClient` and says, in the user's words, what happened to the token, the access and
the target. :func:`open_client` is the one client factory (runs, estimates, checks). No Textual.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from ..connectors import ProviderInfo, provider
from ..errors import BackfillError
from ..http import (
    AccessDenied,
    ApiClient,
    ApiError,
    AuthenticationFailed,
    CallStats,
    RateLimitExhausted,
    ResilientTransport,
    RetriesExhausted,
    RetryNotice,
    RetryRules,
    TlsFailed,
    WaitNotice,
    current_stats,
    host_shown,
)
from ..http.tokens import TokenPool, split_tokens
from ..secrets_registry import redact
from ..terms import CheckOutcome
from .credentials import Credential
from .environment import Environment

__all__ = ["ConnectionReport", "check_source", "open_client"]

Outcome = CheckOutcome

#: A connection test tries once: a person is waiting for it, and a DNS failure or refused
#: connection will not mend itself in the seconds six backed-off retries take (a run retries).
#: A provider's own passing trouble (a 5xx, a cut-off body) is asked once more after
#: ``CHECK_SECOND_TRY_S``: one 503 read "access failed: gave up after 1 tries" on a source a run
#: then synced (a fresh tester's finding).
CHECK_RULES = RetryRules(max_attempts=1, max_limit_waits=0)
CHECK_SECOND_TRY_S = 0.5
#: What ``RetriesExhausted`` names when the provider, not the way to it, was in trouble.
_PASSING = ("server error", "truncated or invalid JSON", "the answer's body could not be decoded")
#: What ``RetriesExhausted`` names when the host was never reached (a name that does not
#: resolve, a refused connection, a connection not taken in time): the token and the target
#: were not checked.
_UNREACHABLE = ("could not resolve host", "could not connect", "timed out connecting")
#: What it names when the host was reached (a connection was made) and gave no answer, with
#: what the access line says of the host and the token line of the token. A read timeout read
#: "cannot reach HOST (timed out: offline, or a firewall?)" and "the host was not reached"
#: (a fresh tester's finding): only a connection that was never made is "not reached".
_NO_ANSWER = (
    (
        ("timed out waiting for the answer", "no complete answer within"),
        "was reached but did not answer in time",
        "a busy server? a run retries it",
        "the host was reached but did not answer",
    ),
    (
        ("timed out sending the request",),
        "was reached, but the request could not be sent in time",
        "a slow network? a run retries it",
        "the request could not be sent in full",
    ),
    (
        ("connection dropped",),
        "was reached but closed the connection without answering",
        "a proxy, or a server restarting? a run retries it",
        "the host closed the connection without answering",
    ),
)
#: What it names when no connection of this machine's came free: nothing was sent.
_NO_CONNECTION = "timed out waiting for a free connection"
#: The most a connection test waits for its answer, in seconds.
CHECK_TIMEOUT = 10.0


def open_client(
    environment: Environment,
    info: ProviderInfo,
    credential: Credential | None,
    on_wait: Callable[[WaitNotice], None] | None = None,
    rules: RetryRules | None = None,
    on_retry: Callable[[RetryNotice], None] | None = None,
) -> ApiClient:
    """The one ApiClient factory: a provider's client over ``environment``'s transport, behind
    the retrying, rate-limit-aware :class:`ResilientTransport` with the credential's auth header.
    Runs (``Engine._client``), estimates and connection checks all build theirs here.
    ``on_wait``: told of each rate-limit wait; ``on_retry``: of each request tried again after
    an error (a slow answer past the deadline, a 5xx); ``rules``: the retry bounds (default: the
    environment's, else ``RetryRules()``)."""
    base_url = environment.base_url(info)
    tokens = split_tokens(credential.value) if credential else []
    pool = TokenPool(tokens, info.auth_header) if len(tokens) > 1 else None  # rotated by quota
    transport = ResilientTransport(
        environment.inner_transport(),
        provider_label=info.label,
        base_url=base_url,
        auth_header=info.auth_header(credential.value) if credential and not pool else None,
        tokens=pool,
        policy=info.policy(),
        clock=environment.clock,
        reserve_fraction=info.reserve_fraction,
        rules=rules if rules is not None else environment.retry_rules,
        on_wait=on_wait,
        on_retry=on_retry,
    )
    return ApiClient(
        label=info.label, base_url=base_url, transport=transport, headers=info.extra_headers,
        request_prefix=info.request_prefix,
    )  # fmt: skip


@dataclass(frozen=True)
class ConnectionReport:
    """What one test call found: each line is safe to show (no token, provider text redacted)."""

    source: str
    token: str
    access: str
    target: str
    outcome: Outcome
    api_calls: int = 0
    quota_remaining: int | None = None
    quota_limit: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == CheckOutcome.OK


def _token_line(environment: Environment, info: ProviderInfo, cred: Credential | None) -> str:
    if cred is not None:
        return f"sent (from the {cred.origin})"
    if environment.simulator_wants_token:  # BACKFILL_SIM token=…: every call without it is a 401
        return (
            f"missing: the simulator expects a token (BACKFILL_SIM token=…); set {info.token_env}"
        )
    if environment.simulated:
        return "not needed (simulator)"
    return f"missing: set {info.token_env} or save one here"


async def check_source(
    environment: Environment, provider_name: str, target: str
) -> ConnectionReport:
    """Make the source's cheapest call and report token, access and target."""
    info = provider(provider_name)
    source = f"{info.name}:{target}"
    try:
        credential = environment.credential(info)
    except BackfillError as exc:
        return ConnectionReport(
            source, f"missing: {exc}", "not tried", "not checked", CheckOutcome.FAILED
        )
    token = _token_line(environment, info, credential)
    if credential is None and environment.simulator_wants_token:  # a 401 for sure: not tried
        return ConnectionReport(source, token, "not tried", "not checked", CheckOutcome.FAILED)
    try:
        client = open_client(environment, info, credential, rules=CHECK_RULES)
    except BackfillError as exc:
        return ConnectionReport(
            source, token, f"not tried: {exc}", "not checked", CheckOutcome.FAILED
        )
    now = datetime.fromtimestamp(environment.clock.now(), UTC)
    connector = info.connector(target, client, now)
    stats = CallStats()
    reset = current_stats.set(stats)
    outcome: Outcome = CheckOutcome.OK
    access, found = "granted", f"found: {target}"
    host = host_shown(httpx.URL(environment.base_url(info)))  # as a run's lines name it
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            try:
                await connector.prepare()
            except RetriesExhausted as exc:
                if not exc.problem.startswith(_PASSING):
                    raise
                await environment.clock.sleep(CHECK_SECOND_TRY_S)
                await connector.prepare()
    except TimeoutError:  # connecting, or answering: either may be what took so long
        access, found, outcome = (
            f"no answer from {host} in {CHECK_TIMEOUT:.0f} s",
            "not checked",
            CheckOutcome.FAILED,
        )
        token = _not_checked(token, credential, f"no answer came in {CHECK_TIMEOUT:.0f} s")
    except RetriesExhausted as exc:
        problem = exc.problem or _safe(exc)
        found, outcome = "not checked", CheckOutcome.FAILED
        silent = next((n for n in _NO_ANSWER if problem.startswith(n[0])), None)
        if problem.startswith(_UNREACHABLE):
            access = f"cannot reach {host} ({problem}: {_unreachable(environment, info, problem)})"
            token = _not_checked(token, credential)
        elif silent is not None:
            _, what, hint, why = silent
            access = f"{host} {what} ({problem}: {hint})"
            token = _not_checked(token, credential, why)
        elif problem == _NO_CONNECTION:  # this machine's, not the source's: said as unknown
            access = f"no connection to {host} came free in time on this machine; test again"
            token = _not_checked(token, credential, "no request was sent")
            outcome = CheckOutcome.UNKNOWN
        elif problem.startswith(_PASSING):
            # The provider's own trouble, not the token's or the target's: often passing, and
            # a run retries it (six tries, backed off), so not a failure of the source.
            access = (
                f"{host}: {problem} on both tries (often passing: a run retries it; test again)"
            )
            outcome = CheckOutcome.UNKNOWN
        else:
            access = f"failed: {_safe(exc)}"
    except AuthenticationFailed as exc:
        token, access, found, outcome = (
            f"rejected: {_safe(exc)}",
            "denied",
            "not checked",
            CheckOutcome.FAILED,
        )
    except AccessDenied as exc:
        access = "token accepted" if credential is not None else "answered"
        found, outcome = f"not reachable: {_safe(exc)}", CheckOutcome.FAILED
    except RateLimitExhausted:  # a test does not wait; a run would (it is not a failure)
        access, found, outcome = (
            "rate limited right now (a run waits it out; test again in a moment)",
            "not checked",
            CheckOutcome.UNKNOWN,
        )
    except TlsFailed as exc:  # the host was reached, but no request was sent over it
        # It read "failed: GitHub at HOST did not answer over TLS", the token "the host was not
        # reached" (it was: the handshake failed), unlike an unreachable host's "cannot reach
        # HOST (…)" (a fresh tester's finding).
        problem = f"it {redact(exc.problem)}" if exc.problem else _safe(exc)
        access = f"cannot reach {host} securely: {problem}"
        found, outcome = "not checked", CheckOutcome.FAILED
        token = _not_checked(token, credential, "the TLS handshake failed, so no request was sent")
    except ApiError as exc:
        access, found, outcome = f"failed: {_safe(exc)}", "not checked", CheckOutcome.FAILED
    finally:
        current_stats.reset(reset)
        await client.aclose()
    if outcome == CheckOutcome.OK and stats.api_calls == 0:
        found = "not checked (this provider has no setup call; the run will tell)"
    quota = client.transport.quota
    return ConnectionReport(
        source,
        token,
        access,
        found,
        outcome,
        stats.api_calls,
        quota.remaining if quota else None,
        quota.limit if quota else None,
    )


def _unreachable(environment: Environment, info: ProviderInfo, problem: str) -> str:
    """What may keep the host out of reach, as a question. A name that does not resolve is a
    typo in the base URL's variable (when one is set) or no network; it read "could not
    connect: offline, DNS or a firewall?" as a refused connection does (a fresh tester's
    finding). A host that resolves and does not answer is a server down, a wrong port in that
    variable, or a firewall: no longer "DNS", which has its own line now."""
    own_url = bool(environment.env.get(info.base_url_env, "").strip())
    if "could not resolve host" in problem:
        return (
            f"a typo in {info.base_url_env}, or offline?"
            if own_url
            else "offline, or DNS not answering?"
        )
    if own_url:
        return f"server down, a wrong port in {info.base_url_env}, or a firewall?"
    return "offline, or a firewall?"


def _not_checked(
    token: str, credential: Credential | None, why: str = "the host was not reached"
) -> str:
    """The token line when no answer came (``why``: the host not reached, or reached and
    silent): the token was not checked. It said "sent (from the environment)" with no
    network, as if it had been (a fresh tester's finding)."""
    if credential is None:
        return token
    return f"not checked (from the {credential.origin}): {why}"


def _safe(exc: Exception) -> str:
    return redact(str(exc))
