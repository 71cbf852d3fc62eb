"""A stream asks for its next page while the current one commits, and never past where it stops.

The engine reads one page ahead (engine/run.py ``_ReadAhead``): the next page's round trip
overlaps the current page's commit, as dlt's parallelized resources overlap theirs
(bench/api_time_dlt.py). It reads ahead only when the stream goes on, so a capped or finished
stream makes exactly the requests it made before, and every call is accounted to its stream.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from support import SimulatedEngine, simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine.run import RunRequest, SourceSpec


class _Sent(httpx.AsyncBaseTransport):
    """Notes each request's path as it goes out, before the simulator answers it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, log: list[tuple[str, str, int]]) -> None:
        self._inner, self._log = inner, log

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._log.append(("sent", request.url.path, 0))
        return await self._inner.handle_async_request(request)


def _run(
    db: Path, anchor: str, *, max_items: int, latency: float = 0.0
) -> tuple[list[tuple[str, str, int]], SimulatedEngine]:
    sim = simulated_engine(db, f"anchor={anchor},latency={latency},clock=real")
    log: list[tuple[str, str, int]] = []
    sim.engine.environment.wrap_transport = lambda inner: _Sent(inner, log)

    def stored(event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.PageStored):
            log.append(("stored", event.stream, event.counters.pages))

    sim.engine.subscribe(stored)
    request = RunRequest(
        "demo", (SourceSpec.parse("github:acme/rocket"),), depth=90, entities=frozenset({"push"}),
        max_items=max_items,
    )  # fmt: skip
    run = sim.engine.plan(request)
    status = asyncio.run(sim.engine.run(run.id))
    assert status == "completed"
    return log, sim


def test_the_next_page_is_asked_before_the_current_one_is_stored(
    tmp_path: Path, anchor: str
) -> None:
    log, sim = _run(tmp_path / "m.db", anchor, max_items=100_000, latency=0.01)
    commits = [
        i for i, (kind, path, _) in enumerate(log) if kind == "sent" and path.endswith("/commits")
    ]
    stored = [i for i, (kind, _, _) in enumerate(log) if kind == "stored"]
    assert len(commits) >= 3 and len(stored) == len(commits)
    # Page k + 1 went out before page k's commit was done (its PageStored event), every time.
    for page in range(len(stored) - 1):
        assert commits[page + 1] < stored[page], log
    [stream] = sim.mirror.streams(sim.mirror.list_runs()[0].id)
    assert stream.pages == stream.api_calls == len(commits)


def test_a_capped_stream_asks_for_nothing_past_its_cap(tmp_path: Path, anchor: str) -> None:
    log, sim = _run(tmp_path / "m.db", anchor, max_items=150)
    commits = [path for kind, path, _ in log if kind == "sent" and path.endswith("/commits")]
    [stream] = sim.mirror.streams(sim.mirror.list_runs()[0].id)
    assert stream.capped and stream.fetched == 150
    # Two pages of 100 reach the cap; the page after the cap is never asked for.
    assert len(commits) == stream.pages == stream.api_calls == 2
    assert sim.simulator.request_count() == 3  # the repository lookup and the two pages
