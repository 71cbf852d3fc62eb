"""The shared HTTP layer at the HTTP level (respx): retries, rate limits, quota reserve, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.http import (
    AccessDenied,
    ApiClient,
    ApiError,
    AuthenticationFailed,
    CallStats,
    GitHubPolicy,
    HostNotAllowed,
    RateLimitExhausted,
    ResilientTransport,
    RetriesExhausted,
    RetryRules,
    SentryPolicy,
    UnexpectedResponse,
    WaitNotice,
    current_stats,
)
from backfill_tui.http.client import FOLLOWED_KEPT

BASE = "https://api.github.com"
TOKEN = "ghp_layer_test_token_value"


def client(
    clock: VirtualClock,
    waits: list[WaitNotice] | None = None,
    reserve: float = 0.1,
    rules: RetryRules | None = None,
) -> ApiClient:
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(),
        provider_label="GitHub",
        base_url=BASE,
        auth_header=f"Bearer {TOKEN}",
        policy=GitHubPolicy(),
        clock=clock,
        reserve_fraction=reserve,
        rules=rules,
        on_wait=None if waits is None else waits.append,
    )
    return ApiClient(label="GitHub", base_url=BASE, transport=transport)


def call(make: Callable[[], ApiClient], path: str = "/x") -> tuple[Any, CallStats]:
    stats = CallStats()

    async def go() -> Any:
        current_stats.set(stats)
        api = make()
        try:
            return await api.get(path)
        finally:
            await api.aclose()

    return asyncio.run(go()), stats


@respx.mock
def test_server_errors_dropped_connections_and_bad_json_are_retried(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(502, text="<html>bad gateway</html>"),
            httpx.RemoteProtocolError("Server disconnected"),
            httpx.Response(200, headers={"content-type": "application/json"}, content=b'[{"a": 1'),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json=[{"a": 1}]),
        ]
    )
    answer, stats = call(lambda: client(VirtualClock()))
    assert answer.json == [{"a": 1}]
    assert stats.api_calls == 5


@respx.mock
def test_a_header_byte_past_ascii_and_json_nested_past_pythons_limit_are_no_crash(
    respx_mock: respx.MockRouter,
) -> None:
    """A proxy's ``X-Weird: caf\xe9`` (legal obs-text) failed the stream with an internal
    UnicodeEncodeError, and a body of 100,000 ``[`` with RecursionError (a fresh tester's
    findings). The first is read as any answer; the second is invalid JSON, retried, then said."""
    weird = httpx.Response(200, json=[{"a": 1}], headers=[(b"x-weird", b"caf\xe9")])
    respx_mock.get(f"{BASE}/x").mock(return_value=weird)
    answer, _ = call(lambda: client(VirtualClock()))
    assert answer.json == [{"a": 1}]
    deep = httpx.Response(200, headers={"content-type": "application/json"}, content=b"[" * 100_000)
    respx_mock.get(f"{BASE}/deep").mock(return_value=deep)
    with pytest.raises(RetriesExhausted, match="truncated or invalid JSON"):
        call(lambda: client(VirtualClock(), rules=RetryRules(max_attempts=2)), "/deep")


@pytest.mark.parametrize("status", [501, 505])
@respx.mock
def test_a_server_that_does_not_do_the_request_is_asked_once(
    respx_mock: respx.MockRouter, status: int
) -> None:
    """A base URL pointing at a server that is not the API answers 501 to every request: it
    was asked six times, about a minute of backoff, for the same answer (a tester's finding;
    the event API already took it once). It is the stream's one line, asked once."""
    route = respx_mock.get(f"{BASE}/x").respond(status, text="<html>Not Implemented</html>")
    with pytest.raises(ApiError, match=f"{status}") as raised:
        call(lambda: client(VirtualClock(), rules=RetryRules(max_attempts=4)))
    assert route.call_count == 1 and not isinstance(raised.value, RetriesExhausted)
    assert "<html>" not in str(raised.value)


@respx.mock
def test_retries_are_bounded_with_a_clear_reason(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").respond(503, json={"message": "down"})
    with pytest.raises(RetriesExhausted, match=r"gave up after 4 tries \(server error 503\)"):
        call(lambda: client(VirtualClock(), rules=RetryRules(max_attempts=4)))


@respx.mock
def test_secondary_limit_waits_at_least_a_minute(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(
                403,
                json={"message": "You have exceeded a secondary rate limit."},
                headers={"x-ratelimit-remaining": "4000", "x-ratelimit-limit": "5000"},
            ),
            httpx.Response(200, json=[]),
        ]
    )
    clock, waits = VirtualClock(start=1_000_000.0), []
    _, stats = call(lambda: client(clock, waits))
    assert len(waits) == 1 and 60 <= waits[0].seconds <= 65
    assert stats.wait_seconds == waits[0].seconds
    assert clock.now() >= 1_000_060


@respx.mock
def test_retry_after_and_primary_reset_are_honoured(respx_mock: respx.MockRouter) -> None:
    clock = VirtualClock(start=2_000_000.0)
    respx_mock.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": "7"}, json={"message": "slow down"}),
            httpx.Response(
                403,
                json={"message": "API rate limit exceeded"},
                headers={
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-limit": "5000",
                    "x-ratelimit-reset": str(2_000_000 + 7 + 600),
                },
            ),
            httpx.Response(200, json=[]),
        ]
    )
    waits: list[WaitNotice] = []
    call(lambda: client(clock, waits))
    assert [round(w.seconds) for w in waits] == [7, 600]
    assert waits[1].until == pytest.approx(2_000_000 + 607)


#: GitHub's primary-limit answer as it can come (provider-apis.md §6): 403, nothing left, and
#: no ``x-ratelimit-reset`` to say when the hour's budget comes back.
PRIMARY_WITHOUT_RESET = httpx.Response(
    403,
    json={"message": "API rate limit exceeded for user ID 1."},
    headers={"x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000"},
)


@respx.mock
def test_a_primary_limit_without_a_reset_waits_longer_each_time_then_gives_up(
    respx_mock: respx.MockRouter,
) -> None:
    """It was read as a secondary limit and waited a flat ~63 s twelve times, then failed
    "still rate limited after 12 waits" 13 minutes in. GitHub's guidance: no retry-after and
    no reset, so wait at least a minute, then exponentially longer, and give up after a
    bounded total: an hour (the primary limit's window), the last wait cut to fit."""
    listed = respx_mock.get(f"{BASE}/x").mock(return_value=PRIMARY_WITHOUT_RESET)
    clock, waits = VirtualClock(start=4_000_000.0), []
    stats = CallStats()

    async def go() -> None:
        current_stats.set(stats)
        api = client(clock, waits)
        try:
            await api.get("/x")
        finally:
            await api.aclose()

    with pytest.raises(RateLimitExhausted) as failed:
        asyncio.run(go())
    seconds = [w.seconds for w in waits]
    assert len(seconds) == 6, seconds
    for k, wait in enumerate(seconds[:5]):  # a minute (and GitHub's jitter), doubling
        assert 60 * 2**k <= wait <= 65 * 2**k, seconds
    assert sum(seconds) == pytest.approx(3600)  # the bound, the last wait cut to fit
    assert clock.now() == pytest.approx(4_000_000 + 3600) and stats.wait_seconds == sum(seconds)
    assert {w.reason for w in waits} == {"hourly rate limit used up, no reset time given"}
    assert listed.call_count == 7
    assert str(failed.value) == (
        "GitHub: still rate limited after waiting 60 min in all (hourly rate limit used up, "
        "no reset time given; 6 waits from a minute, doubling, as no answer said how long)"
    )


@respx.mock
def test_a_primary_limit_without_a_reset_goes_on_once_lifted(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(f"{BASE}/x").mock(
        side_effect=[PRIMARY_WITHOUT_RESET] * 3 + [httpx.Response(200, json=[{"a": 1}])]
    )
    clock, waits = VirtualClock(start=5_000_000.0), []
    answer, _ = call(lambda: client(clock, waits))
    assert answer.json == [{"a": 1}]
    for k, wait in enumerate(w.seconds for w in waits):
        assert 60 * 2**k <= wait <= 65 * 2**k
    assert len(waits) == 3


@respx.mock
def test_quota_reserve_waits_for_the_reset(respx_mock: respx.MockRouter) -> None:
    clock = VirtualClock(start=3_000_000.0)
    reset = 3_000_000 + 1800
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "499",
        "x-ratelimit-reset": str(reset),
    }
    respx_mock.get(f"{BASE}/x").respond(200, json=[], headers=headers)
    waits: list[WaitNotice] = []

    async def two_calls() -> None:
        api = client(clock, waits)
        await api.get("/x")
        assert waits == []  # the first call learns the quota
        await api.get("/x")
        await api.aclose()

    asyncio.run(two_calls())
    assert len(waits) == 1 and waits[0].until >= reset
    assert "500 of 5000" in waits[0].reason


@respx.mock
def test_endless_rate_limits_fail_the_stream(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").respond(429, headers={"retry-after": "1"})
    with pytest.raises(RateLimitExhausted, match="still rate limited"):
        call(lambda: client(VirtualClock(), rules=RetryRules(max_limit_waits=3)))


@respx.mock
def test_errors_are_one_clear_line_without_the_token(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/auth").respond(401, json={"message": "Bad credentials"})
    respx_mock.get(f"{BASE}/private").respond(
        403, json={"message": "Resource not accessible by integration"}
    )
    respx_mock.get(f"{BASE}/missing").respond(404, json={"message": "Not Found"})
    respx_mock.get(f"{BASE}/weird").respond(422, json={"message": "Validation Failed"})
    respx_mock.get(f"{BASE}/html").respond(200, text="<html>hello</html>")
    respx_mock.get(f"{BASE}/plain").respond(200, text="hello")
    cases = [
        ("/auth", AuthenticationFailed, "authentication failed"),
        ("/private", AccessDenied, "permissions"),
        ("/missing", AccessDenied, "404"),
        ("/weird", UnexpectedResponse, "422"),
        ("/html", UnexpectedResponse, "answered 200 with an HTML page, not JSON"),  # as text/plain
        ("/plain", UnexpectedResponse, "answered 200 with text/plain, not JSON"),
    ]
    for path, kind, words in cases:
        with pytest.raises(kind) as info:
            call(lambda: client(VirtualClock()), path)
        message = str(info.value)
        assert words in message and TOKEN not in message and "\n" not in message


@respx.mock
def test_vercel_invalid_token_403_is_an_authentication_failure(
    respx_mock: respx.MockRouter,
) -> None:
    respx_mock.get(f"{BASE}/x").respond(
        403,
        json={"error": {"code": "forbidden", "message": "Not authorized", "invalidToken": True}},
    )
    with pytest.raises(AuthenticationFailed, match=r"authentication failed \(403\)"):
        call(lambda: client(VirtualClock()))


def test_follow_answers_a_url_seen_before_the_same_and_refuses_every_time() -> None:
    """``ApiClient.follow`` remembers what it let through (a page's Link header repeats the
    stream's first and last pages), never a refusal, and stays right past what it keeps."""
    base = "https://errors.acme.internal/sentry"
    transport = ResilientTransport(
        httpx.MockTransport(lambda request: httpx.Response(200, json=[])),
        provider_label="Sentry",
        base_url=base,
        auth_header="Bearer sntrys_test",
        policy=SentryPolicy(),
        clock=VirtualClock(),
    )
    api = ApiClient(label="Sentry", base_url=base, transport=transport)
    own = f"{base}/api/0/projects/acme/rocket/events/?cursor=0:100:0"
    foreign = "https://sentry.acme.example/sentry/api/0/projects/acme/rocket/events/?cursor=1"
    outside = "https://evil.example/elsewhere/?cursor=1"
    rebased = "https://errors.acme.internal/sentry/api/0/projects/acme/rocket/events/?cursor=1"
    for _ in range(2):
        assert api.follow(own) == own
        assert api.follow(foreign) == rebased
        with pytest.raises(HostNotAllowed, match=r"evil\.example"):
            api.follow(outside)
    for page in range(FOLLOWED_KEPT + 10):  # more than it keeps: it starts afresh, still right
        url = f"{base}/api/0/projects/acme/rocket/events/?cursor=0:{page}:0"
        assert api.follow(url) == url
    assert api.follow(foreign) == rebased
    with pytest.raises(HostNotAllowed):
        api.follow(outside)


def test_the_transport_refuses_another_origin_naming_what_differs() -> None:
    """The transport's own refusal (beneath every pointer's rule) named only the host, so a
    request to the same host on another port read as refused for going where credentials go."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[])

    transport = ResilientTransport(
        httpx.MockTransport(answer),
        provider_label="GitHub",
        base_url="http://127.0.0.1:8080",
        auth_header=f"Bearer {TOKEN}",
        policy=GitHubPolicy(),
        clock=VirtualClock(),
    )

    async def go() -> None:
        async with httpx.AsyncClient(transport=transport) as raw:
            await raw.get("http://127.0.0.1:8081/x")

    with pytest.raises(HostNotAllowed) as refused:
        asyncio.run(go())
    assert str(refused.value) == (
        "refused a request to http://127.0.0.1:8081 (port 8081, not 8080): GitHub credentials "
        "and calls go only to http://127.0.0.1:8080"
    )
    assert seen == []
