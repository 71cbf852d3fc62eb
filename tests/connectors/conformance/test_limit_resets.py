"""A rate-limit reset already past, or skewed against this machine's clock (respx, virtual clock).

A fresh tester's finding: GitHub answered 403 with ``x-ratelimit-remaining: 0`` and an
``x-ratelimit-reset`` 30 s before the answer's ``Date``; the wait came out at one second (the
floor of ``reset - now``), so thirteen requests went in twelve seconds while limited and the
stream failed "still rate limited after 12 waits". Sentry did the same with a past
``X-Sentry-Rate-Limit-Reset``; Linear with a reset sent in seconds where milliseconds are
documented. A reset is read against the answer's ``Date`` (RFC 9110 §6.6.1), and one not ahead
of it names no time: the provider's wait for that case (GitHub: at least a minute, doubling;
provider-apis.md §1.5) applies, not a second.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Iterator
from itertools import pairwise
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.http import RateLimitExhausted

from .harness import NOW, days_ago, make_connector, read_stream

REPO = "https://api.github.com/repos/acme/rocket"
SENTRY = "https://sentry.io/api/0"


def timed(
    clock: VirtualClock, answers: Callable[[], httpx.Response], seen: list[float]
) -> Callable[[httpx.Request], httpx.Response]:
    """A respx side effect noting the virtual time of each request it answers."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(clock.now())
        return answers()

    return answer


def dated(now: float) -> str:
    return email.utils.formatdate(now, usegmt=True)


def github_limited(clock: VirtualClock, reset_from_date: float, skew: float = 0.0) -> Any:
    """GitHub's primary-limit 403, its ``Date`` ``skew`` seconds off this machine's clock and
    its reset ``reset_from_date`` seconds after that ``Date``."""

    def make() -> httpx.Response:
        github_now = int(clock.now() + skew)
        return httpx.Response(
            403,
            json={"message": "API rate limit exceeded for user ID 1."},
            headers={
                "date": dated(github_now),
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(github_now + reset_from_date)),
            },
        )

    return make


def then(*answers: Callable[[], httpx.Response]) -> Callable[[], httpx.Response]:
    queue: Iterator[Callable[[], httpx.Response]] = iter(answers)
    last = answers[-1]
    return lambda: next(queue, last)()


def ok(payload: Any) -> Callable[[], httpx.Response]:
    return lambda: httpx.Response(200, json=payload)


def _github(respx_mock: respx.MockRouter, clock: VirtualClock, limited: Any) -> list[float]:
    respx_mock.get(REPO).respond(200, json={"id": 1, "full_name": "acme/rocket"})
    seen: list[float] = []
    respx_mock.get(f"{REPO}/releases").mock(side_effect=timed(clock, limited, seen))
    return seen


@respx.mock
def test_a_github_reset_already_past_waits_a_minute_doubling_not_a_second(
    respx_mock: respx.MockRouter,
) -> None:
    """The tester's case: ``x-ratelimit-reset`` 30 s before the 403's ``Date``, twice, then
    the list. Each wait is GitHub's "at least one minute", the second twice the first."""
    clock = VirtualClock(NOW.timestamp())
    seen = _github(respx_mock, clock, then(*[github_limited(clock, -30)] * 2, ok([])))
    connector = make_connector("github", "acme/rocket", days_ago(30), clock)
    assert read_stream(connector, "release")[0].events == []
    gaps = [b - a for a, b in pairwise(seen)]
    assert len(seen) == 3, seen
    assert 60 <= gaps[0] <= 65 and 120 <= gaps[1] <= 130, gaps


@respx.mock
def test_a_github_limit_whose_reset_stays_past_fails_after_an_hour_not_twelve_seconds(
    respx_mock: respx.MockRouter,
) -> None:
    """Every answer past its reset: the waits double from a minute and the stream fails after
    an hour of them (7 requests), where it made 13 requests in 12 s."""
    clock = VirtualClock(NOW.timestamp())
    seen = _github(respx_mock, clock, github_limited(clock, -30))
    connector = make_connector("github", "acme/rocket", days_ago(30), clock)
    with pytest.raises(RateLimitExhausted, match="its reset time already past; 6 waits"):
        read_stream(connector, "release")
    assert len(seen) == 7 and seen[-1] - seen[0] == pytest.approx(3600)


@pytest.mark.parametrize("skew", [-600.0, 600.0], ids=["github-behind", "github-ahead"])
@respx.mock
def test_a_github_reset_is_measured_from_the_answers_date(
    respx_mock: respx.MockRouter, skew: float
) -> None:
    """This machine's clock ten minutes off GitHub's: the reset, 120 s after the answer's
    ``Date``, is waited 120 s (it was a second with GitHub's clock behind, twelve minutes
    with it ahead)."""
    clock = VirtualClock(NOW.timestamp())
    seen = _github(respx_mock, clock, then(github_limited(clock, 120, skew), ok([])))
    connector = make_connector("github", "acme/rocket", days_ago(30), clock)
    read_stream(connector, "release")
    assert len(seen) == 2 and seen[1] - seen[0] == pytest.approx(120, abs=1)


@respx.mock
def test_a_sentry_reset_already_past_backs_off_not_a_second(
    respx_mock: respx.MockRouter,
) -> None:
    """Sentry's 429 with ``X-Sentry-Rate-Limit-Reset`` 5 s before its ``Date``: no time named,
    so it backs off (provider-apis.md §4.5) from 5 s, doubling; it waited 1 s each time."""
    clock = VirtualClock(NOW.timestamp())

    def limited() -> httpx.Response:
        now = int(clock.now())
        headers = {"date": dated(now), "x-sentry-rate-limit-reset": str(now - 5)}
        return httpx.Response(429, json={"detail": "too frequently"}, headers=headers)

    respx_mock.get(f"{SENTRY}/projects/acme/rocket/").respond(200, json={"id": "7"})
    seen: list[float] = []
    respx_mock.get(f"{SENTRY}/organizations/acme/issues/").mock(
        side_effect=timed(clock, then(limited, limited, ok([])), seen)
    )
    read_stream(make_connector("sentry", "acme/rocket", days_ago(30), clock), "issue")
    gaps = [b - a for a, b in pairwise(seen)]
    assert len(seen) == 3 and 5 <= gaps[0] <= 6 and 10 <= gaps[1] <= 12, gaps


def _linear_limited(clock: VirtualClock, reset: Callable[[float], int]) -> httpx.Response:
    now = int(clock.now())
    return httpx.Response(
        400,
        json={
            "errors": [{"message": "Rate limit exceeded", "extensions": {"code": "RATELIMITED"}}]
        },
        headers={
            "date": dated(now),
            "x-ratelimit-requests-limit": "1500",
            "x-ratelimit-requests-remaining": "0",
            "x-ratelimit-requests-reset": str(reset(now)),
        },
    )


TEAM = {
    "data": {
        "teams": {
            "nodes": [
                {"id": "t-1", "key": "ENG", "name": "Engineering", "organization": {"id": "o-1"}}
            ]
        }
    }
}
EMPTY = {"data": {"projects": {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}}}


@pytest.mark.parametrize(
    ("reset", "low", "high"),
    [
        (lambda now: now + 90, 90, 91),  # seconds, not the documented milliseconds
        (lambda now: (now - 10) * 1000, 30, 31),  # milliseconds, already past: 30 s back-off
    ],
    ids=["seconds", "past"],
)
@respx.mock
def test_a_linear_reset_in_seconds_or_already_past(
    respx_mock: respx.MockRouter, reset: Callable[[float], int], low: float, high: float
) -> None:
    """Linear documents its resets in milliseconds; one sent in seconds read as milliseconds
    lay in 1970 and was waited a second. Read as seconds it is waited 90 s; a reset in
    milliseconds already past waits Linear's 30 s back-off, not a second."""
    clock = VirtualClock(NOW.timestamp())
    answers = iter(
        [
            httpx.Response(200, json=TEAM),
            _linear_limited(clock, reset),
        ]
    )
    seen: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(clock.now())
        return next(answers, None) or httpx.Response(200, json=EMPTY)

    respx_mock.post("https://api.linear.app/graphql").mock(side_effect=answer)
    read_stream(make_connector("linear", "ENG", days_ago(30), clock), "project")
    assert len(seen) == 3 and low <= seen[2] - seen[1] <= high, seen
