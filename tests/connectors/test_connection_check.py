"""A connection test fails fast offline (issue 12 item 5): one try, "cannot reach HOST", no six
backed-off retries. The network is an httpx MockTransport that fails as an offline machine does."""

from __future__ import annotations

import asyncio

import httpx

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.connection import check_source
from backfill_tui.engine.environment import Environment


def _offline(calls: list[httpx.Request], error: type[httpx.TransportError]) -> Environment:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise error("[Errno -3] Temporary failure in name resolution", request=request)

    return Environment(
        clock=VirtualClock(start=1_780_000_000.0),
        env={"GITHUB_TOKEN": "ghp_" + "x" * 36},
        transport=httpx.MockTransport(handler),
    )


def test_offline_connection_test_tries_once_and_names_the_host() -> None:
    calls: list[httpx.Request] = []
    environment = _offline(calls, httpx.ConnectError)
    report = asyncio.run(check_source(environment, "github", "acme/rocket"))
    assert len(calls) == 1  # not retried six times
    assert report.outcome == "failed"
    assert report.access.startswith("cannot reach api.github.com (could not connect")
    assert environment.clock.now() == 1_780_000_000.0  # no backoff slept


def test_a_timeout_is_also_reported_as_unreachable_at_once() -> None:
    calls: list[httpx.Request] = []
    report = asyncio.run(check_source(_offline(calls, httpx.ConnectTimeout), "github", "acme/x"))
    assert len(calls) == 1 and "cannot reach api.github.com (timed out" in report.access


def test_a_rate_limit_is_said_as_such_not_as_a_failure() -> None:
    """The simulator answers the test's one call with a rate limit (rate_limit_every=1): the
    test does not wait, and says the source is rate limited right now, neither failed nor ok
    (a tester saw "access failed: …: still rate limited after 0 waits")."""
    from backfill_tui.simulator import Simulator, SimulatorConfig

    clock = VirtualClock(start=1_780_000_000.0)
    config = SimulatorConfig.from_env_string("rate_limit_every=1")
    environment = Environment(clock=clock, simulator=Simulator(config, clock), env={})
    report = asyncio.run(check_source(environment, "vercel", "acme/rocket-web"))
    assert report.outcome == "unknown" and not report.ok
    assert report.access == "rate limited right now (a run waits it out; test again in a moment)"
    assert "failed" not in report.access and "after 0 waits" not in report.access
    assert clock.now() == 1_780_000_000.0  # it did not wait
