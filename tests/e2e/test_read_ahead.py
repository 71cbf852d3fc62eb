"""A stream asks for its next page while the current one commits, and never past where it stops.

The engine reads one page ahead (engine/run.py ``_ReadAhead``): the next page's round trip
overlaps the current page's commit, as dlt's parallelized resources overlap theirs
(bench/api_time_dlt.py). It reads ahead only when the stream goes on, so a capped or finished
stream makes exactly the requests it made before, and every call is accounted to its stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from pathlib import Path

import httpx
from support import SimulatedEngine, simulated_engine

from backfill_tui.engine import progress as ev
from backfill_tui.engine.run import RunRequest, SourceSpec


class _Sent(httpx.AsyncBaseTransport):
    """Notes each request's path as it goes out, before the simulator answers it. With ``db``:
    as page 2 of the commits goes out, another connection takes the mirror's write lock, so
    page 2's commit waits (as behind another process); as page 3 goes out (or after 10 s at
    most) it lets go: page 3 asked while page 2 could not be stored is the read ahead, seen
    whatever the machine's speed (PageStored now comes as a page lands, so a fast commit
    could be said before the next request went out)."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, log: list[tuple[str, str, int]], db: Path | None
    ) -> None:
        self._inner, self._log, self._db = inner, log, db
        self._pages = 0
        self._lock: sqlite3.Connection | None = None
        self._timer: threading.Timer | None = None

    def _let_go(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.rollback()
            lock.close()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._log.append(("sent", request.url.path, 0))
        if self._db is not None and request.url.path.endswith("/commits"):
            self._pages += 1
            if self._pages == 2:
                self._lock = sqlite3.connect(
                    self._db, isolation_level=None, check_same_thread=False, timeout=30
                )
                self._lock.execute("BEGIN IMMEDIATE")
                self._timer = threading.Timer(10, self._let_go)
                self._timer.start()
            elif self._pages == 3 and self._timer is not None:
                self._timer.cancel()
                self._let_go()
        return await self._inner.handle_async_request(request)


def _run(
    db: Path, anchor: str, *, max_items: int, latency: float = 0.0, lock: bool = False
) -> tuple[list[tuple[str, str, int]], SimulatedEngine]:
    sim = simulated_engine(db, f"anchor={anchor},latency={latency},clock=real")
    log: list[tuple[str, str, int]] = []
    locked = db if lock else None
    sim.engine.environment.wrap_transport = lambda inner: _Sent(inner, log, locked)

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
    log, sim = _run(tmp_path / "m.db", anchor, max_items=100_000, latency=0.01, lock=True)
    commits = [
        i for i, (kind, path, _) in enumerate(log) if kind == "sent" and path.endswith("/commits")
    ]
    stored = [i for i, (kind, _, _) in enumerate(log) if kind == "stored"]
    assert len(commits) >= 3 and len(stored) == len(commits)
    # Page 3 went out while page 2's commit waited on the lock (before its PageStored event).
    assert commits[2] < stored[1], log
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


class _HoldSecond(httpx.AsyncBaseTransport):
    """Holds the second page's request of the commits until ``released`` (a page stored), or
    for at most ~10 s, so a engine that never says the first page while the second is fetched
    ends all the same (and the test says so); notes when that answer came."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, log: list[tuple[str, int]], released: asyncio.Event
    ) -> None:
        self._inner, self._log, self._released = inner, log, released
        self._pages = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/commits"):
            self._pages += 1
            if self._pages == 2:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._released.wait(), 10)
                self._log.append(("page 2 answered", 0))
        return await self._inner.handle_async_request(request)


def test_a_page_is_said_stored_before_the_next_page_answers(tmp_path: Path, anchor: str) -> None:
    """Page 1's counts waited for page 2's fetch: with page 2 answering 500s (retried) or
    waiting out a Retry-After, the dashboard read 0 while the mirror held page 1 (a fresh
    tester's finding). Now page 1's PageStored comes as it is committed, page 2 still held;
    what is stored, and in which order, is unchanged."""
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=real")
    log: list[tuple[str, int]] = []
    released: asyncio.Event | None = None

    def stored(event: ev.ProgressEvent) -> None:
        if isinstance(event, ev.PageStored):
            log.append(("stored", event.counters.pages))
            if released is not None:
                released.set()

    sim.engine.subscribe(stored)
    request = RunRequest(
        "demo", (SourceSpec.parse("github:acme/rocket"),), depth=90, entities=frozenset({"push"}),
        max_items=100_000,
    )  # fmt: skip
    run = sim.engine.plan(request)

    async def scenario() -> str:
        nonlocal released
        released = asyncio.Event()
        held = released
        sim.engine.environment.wrap_transport = lambda inner: _HoldSecond(inner, log, held)
        return await sim.engine.run(run.id)

    assert asyncio.run(scenario()) == "completed"
    assert log.index(("stored", 1)) < log.index(("page 2 answered", 0)), log
    pages = [n for kind, n in log if kind == "stored"]
    assert pages == list(range(1, len(pages) + 1)) and len(pages) >= 3  # each once, in order
    [stream] = sim.mirror.streams(run.id)
    assert stream.pages == stream.api_calls == len(pages)
    assert stream.fetched == stream.new == sim.mirror.count_observations_matching("demo")
