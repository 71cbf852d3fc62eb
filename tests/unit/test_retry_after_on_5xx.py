"""``Retry-After`` on a 503 (RFC 9110 §10.2.3) for every provider, and an unreadable one said
as such (respx at the HTTP level, the real transport on a virtual clock). A 503 with
``Retry-After: 2`` was retried three times within a second, the header ignored; a 429 with
``Retry-After: soon`` was said to be a "secondary rate limit" (a fresh tester's findings)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.http import (
    ApiClient,
    GitHubPolicy,
    LinearPolicy,
    RateLimitTooLong,
    ResilientTransport,
    RetryNotice,
    SentryPolicy,
    VercelPolicy,
    WaitNotice,
)

BASE = "https://api.example.test"
POLICIES = {"GitHub": GitHubPolicy, "Vercel": VercelPolicy, "Linear": LinearPolicy,
            "Sentry": SentryPolicy}  # fmt: skip


def _get(
    label: str, clock: VirtualClock, waits: list[WaitNotice], retries: list[RetryNotice]
) -> Any:
    async def go() -> Any:
        transport = ResilientTransport(
            httpx.AsyncHTTPTransport(), provider_label=label, base_url=BASE,
            auth_header="Bearer tok_retryAfterTest0000", policy=POLICIES[label](), clock=clock,
            on_wait=waits.append, on_retry=retries.append,
        )  # fmt: skip
        api = ApiClient(label=label, base_url=BASE, transport=transport)
        try:
            return await api.get("/x")
        finally:
            await api.aclose()

    return asyncio.run(go())


@respx.mock
@pytest.mark.parametrize("label", list(POLICIES))
def test_a_503_waits_its_retry_after_before_each_retry(label: str) -> None:
    unavailable = httpx.Response(503, headers={"retry-after": "2"}, json={"message": "down"})
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[unavailable, unavailable, unavailable, httpx.Response(200, json=[1])]
    )
    clock, waits, retries = VirtualClock(start=1_000_000.0), [], []
    answer = _get(label, clock, waits, retries)
    assert answer.json == [1] and route.call_count == 4
    assert len(retries) == 3 and len(waits) == 3, (retries, waits)
    assert all(w.seconds >= 2 for w in waits) and clock.slept >= 6, (waits, clock.slept)
    assert "server error 503" in waits[0].reason and "retry-after" in waits[0].reason


@respx.mock
def test_a_503_asking_past_any_window_stops_the_source_saying_until_when() -> None:
    respx.get(f"{BASE}/x").respond(503, headers={"retry-after": "86400"})
    with pytest.raises(RateLimitTooLong, match=r"server error 503, and asked to wait 24 h"):
        _get("Vercel", VirtualClock(start=1_000_000.0), [], [])


@respx.mock
def test_an_unreadable_retry_after_is_named_and_waited_by_the_default_back_off() -> None:
    token_like = "ghp_" + "x" * 36
    said = f"soon {token_like} " + "later " * 20
    respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": said}),
            httpx.Response(503, headers={"retry-after": "soon"}),
            httpx.Response(200, json=[1]),
        ]
    )
    clock, waits, retries = VirtualClock(start=1_000_000.0), [], []
    assert _get("GitHub", clock, waits, retries).json == [1]
    (wait,) = waits
    assert wait.reason.startswith('rate limited (429), Retry-After "soon ')
    assert "unreadable" in wait.reason and "secondary" not in wait.reason, wait.reason
    assert token_like not in wait.reason and len(wait.reason) < 100, wait.reason
    assert 60 <= wait.seconds <= 65  # GitHub's least wait when no time is named
    (retry,) = retries
    assert retry.problem == 'server error 503, Retry-After "soon" unreadable', retry
