"""An answer longer than the HTTP layer accepts (``RetryRules.max_body``, by default
``http.body.MAX_BODY_BYTES``, the bound a recording's reader reads) fails its request in one
line, read no further and not retried: the same request gets the same answer, and no
recording could hold it for a replay (respx, with a small bound)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.http import ApiClient, ApiError, ResilientTransport, RetryRules, SentryPolicy
from backfill_tui.http.body import too_large_problem

BASE = "https://sentry.io"


def test_an_answer_past_the_bound_fails_once_and_says_so() -> None:
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(),
        provider_label="Sentry",
        base_url=BASE,
        auth_header="Bearer sntrys_test",
        policy=SentryPolicy(),
        clock=VirtualClock(),
        rules=RetryRules(max_body=1000),
    )
    api = ApiClient(label="Sentry", base_url=BASE, transport=transport)
    with respx.mock(assert_all_mocked=True) as net:
        route = net.get(f"{BASE}/api/0/projects/acme/web/events/").respond(
            200, json=[{"message": "x" * 2000}]
        )
        with pytest.raises(ApiError) as caught:
            asyncio.run(api.get("/api/0/projects/acme/web/events/"))
    assert route.call_count == 1
    assert str(caught.value) == (
        "Sentry: GET sentry.io/api/0/projects/acme/web/events/: the answer's body is larger "
        "than 1,000 bytes, the most one answer may be"
    )


def test_the_bound_is_said_in_mib() -> None:
    assert too_large_problem() == (
        "the answer's body is larger than 64 MiB, the most one answer may be"
    )
