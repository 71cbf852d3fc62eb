"""The simulated Sentry's rate-limit headers report the window its answers enforce
(docs.sentry.io/api/ratelimits): by default 40 requests a second, spent by every call within the
second; with ``quota=N``, N an hour, spent call by call down to the 429 (a fresh tester saw
"39/40 left" after 10 calls: the headers counted a per-second window while the simulator
enforced the hourly quota, so a 429 came while the last answer said 35 of 40 were left)."""

from __future__ import annotations

import asyncio

import httpx

from backfill_tui.clock import VirtualClock
from backfill_tui.simulator import Simulator, SimulatorConfig

PROJECT = "https://sentry.io/api/0/projects/acme/rocket/"


def _answers(config: str, calls: int) -> list[httpx.Response]:
    sim = Simulator(SimulatorConfig.from_env_string(config), VirtualClock())

    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=sim.transport) as client:
            return [await client.get(PROJECT) for _ in range(calls)]

    return asyncio.run(go())


def _left(response: httpx.Response) -> tuple[int, str, str]:
    h = response.headers
    return (
        response.status_code,
        h["x-sentry-rate-limit-remaining"],
        h["x-sentry-rate-limit-limit"],
    )


def test_with_a_quota_the_headers_spend_it_down_to_the_429() -> None:
    answers = _answers("quota=5,clock=virtual", 6)
    assert [_left(r) for r in answers] == [
        (200, "4", "5"), (200, "3", "5"), (200, "2", "5"), (200, "1", "5"), (200, "0", "5"),
        (429, "0", "5"),
    ]  # fmt: skip
    assert "Limit is 5 requests in 3600 seconds" in answers[-1].json()["detail"]
    resets = {r.headers["x-sentry-rate-limit-reset"] for r in answers}
    assert len(resets) == 1  # one window, whose end every answer names


def test_by_default_the_window_is_forty_a_second_and_calls_within_it_spend_it() -> None:
    answers = _answers("clock=virtual", 3)  # a virtual clock: all three in one second
    assert [_left(r) for r in answers] == [(200, "39", "40"), (200, "38", "40"), (200, "37", "40")]
    assert {r.headers["x-sentry-rate-limit-concurrentlimit"] for r in answers} == {"25"}
