"""The estimate: first page per stream, exact when it fits, extrapolated over time when not."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from app_support import FIXED_NOW, sim_environment
from hypothesis import given
from hypothesis import strategies as st

from backfill_tui.engine.estimate import estimate, extrapolate
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror


def _request(days: int, *sources: str) -> RunRequest:
    return RunRequest("ws", tuple(SourceSpec.parse(s) for s in sources), depth=days)


DEMO = ("github:acme/rocket", "vercel:acme/rocket-web", "linear:ENG", "sentry:acme/rocket")


@pytest.mark.parametrize("days", [7, 30, 90])
def test_estimate_is_close_to_what_a_backfill_stores(days: int) -> None:
    environment = sim_environment()
    simulator = environment.simulator
    assert simulator is not None
    request = RunRequest(
        "ws", tuple(SourceSpec.parse(s) for s in DEMO), depth=days, max_items=100_000
    )
    result = asyncio.run(estimate(environment, request))
    assert [s.source for s in result.sources] == list(DEMO)
    cutoff = FIXED_NOW - timedelta(days=days)
    for source in result.sources:
        provider, target = source.source.split(":", 1)
        assert source.error is None and source.calls_used == 1 + len(source.streams)
        assert source.quota_limit is not None and source.quota_remaining is not None
        for stream in source.streams:
            entity = stream.key.rsplit("/", 1)[-1]
            truth = len(simulator.ground_truth(provider, target, cutoff, {entity}))
            if stream.exact:
                assert stream.items == truth and stream.api_calls == 1
            else:  # extrapolated from how far back the first page reached in the window field
                assert abs(stream.items - truth) <= max(5, truth * 0.2), (stream, truth)
                assert stream.api_calls >= 2
    assert result.sources[0].quota_limit == 5000
    assert result.totals() == {st.key: st.items for s in result.sources for st in s.streams}


@pytest.mark.parametrize("days", [30, 90])
def test_estimated_api_calls_are_what_the_run_makes_where_its_pages_were_foreseen(
    days: int, tmp_path: Path
) -> None:
    """A stream whose list is read again from its front after two pages or more (the
    catch-up: GitHub's issues and pulls, Sentry's issues, Linear's lists) makes one call more
    than its pages; the estimate said one fewer than the run made (a session's note)."""
    request = RunRequest("ws", tuple(SourceSpec.parse(s) for s in DEMO), depth=days,
                         max_items=100_000)  # fmt: skip
    result = asyncio.run(estimate(sim_environment(), request))
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, sim_environment())
    run = engine.plan(request)
    assert asyncio.run(engine.run(run.id)) == "completed"
    made = {s.key: s for s in mirror.streams(run.id)}
    caught_up = 0
    for stream in (one for source in result.sources for one in source.streams):
        pages, calls = made[stream.key].pages, made[stream.key].api_calls
        if calls > pages:  # a catch-up (this history's pages are all foreseen)
            caught_up += 1
            assert stream.api_calls == calls, stream.key
    assert caught_up >= 4


def test_estimate_of_an_unreachable_source_says_why() -> None:
    result = asyncio.run(estimate(sim_environment(), _request(30, "github:acme/nope")))
    (source,) = result.sources
    assert source.error is not None and "404" in source.error and not source.streams


def test_estimate_respects_per_source_entities() -> None:
    spec = SourceSpec("github", "acme/rocket", frozenset({"release"}))
    request = RunRequest("ws", (spec,), depth=30)
    result = asyncio.run(estimate(sim_environment(), request))
    assert [s.key for s in result.sources[0].streams] == ["github:acme/rocket/release"]


@given(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=1, max_value=90 * 86400),
    st.integers(min_value=1, max_value=90 * 86400),
)
def test_extrapolation_never_shrinks_and_scales_with_time(
    n: int, covered: int, window: int
) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    oldest = now - timedelta(seconds=covered)
    cutoff = now - timedelta(seconds=window)
    items = extrapolate(n, now, cutoff, oldest)
    assert items >= n
    if n and window >= covered:
        assert items >= n * window // covered
    assert extrapolate(n, now, cutoff, None) == n
