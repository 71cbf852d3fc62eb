"""A rate-limit wait holds every stream of the source (respx, the real GitHub connector and engine).

A fresh tester's finding: GitHub's pulls got a 403 secondary rate limit with ``Retry-After: 6``;
during those 6 s the issues and commits streams of the same source sent 14 more requests on
the same token, while the log line "github:acme/rocket: rate limited (403, retry-after),
resuming at …" read as if the source had paused. GitHub's guidance (provider-apis.md §1.5,
§0 rule 5; "Best practices for using the REST API"): when limited, stop making requests until
the wait is over. Now the wait holds every request of the source (of the token, when several
are pooled; another token goes on), told once, and counted once.

The run's clock is :class:`SteppedClock`: virtual time that passes for tasks side by side as
real time does. :class:`VirtualClock` moves at once on a sleep, so another stream's request
sent during a wait is stamped at its end, and the case could not be seen on it.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.engine import progress as ev
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.engine.summary import run_summary
from backfill_tui.store import Mirror

API = "https://api.github.com/repos/acme/rocket"
TOKENS = ("ghp_pauseTokenA00000000000000000000000000", "ghp_pauseTokenB00000000000000000000000000")
PAGES = 8  # of issues and of commits, each page asked on its own


class SteppedClock(VirtualClock):
    """Virtual time as tasks side by side see it: a sleep ends when virtual time reaches its
    end, and time moves (to the earliest end) only once the other tasks have gone as far as
    they can without it (a few hundred turns of the event loop)."""

    def __init__(self, start: float) -> None:
        super().__init__(start)
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._driver: asyncio.Task[None] | None = None

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, id(future), future))
        self.slept += seconds
        if self._driver is None or self._driver.done():
            self._driver = asyncio.get_running_loop().create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(300):
                await asyncio.sleep(0)
            until, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                self._now = max(self._now, until)
                future.set_result(None)


def item(n: int, updated: str) -> dict[str, Any]:
    return {
        "id": n, "number": n, "state": "open", "title": f"Item {n}", "body": None,
        "html_url": f"https://github.com/acme/rocket/issues/{n}",
        "user": {"id": 7, "login": "ada"}, "labels": [], "comments": 0,
        "created_at": updated, "updated_at": updated, "closed_at": None,
    }  # fmt: skip


def commit(n: int, updated: str) -> dict[str, Any]:
    who = {"name": "Ada", "email": "ada@example.com", "date": updated}
    return {
        "sha": f"{n:040x}", "html_url": f"https://github.com/acme/rocket/commit/{n:040x}",
        "commit": {"author": who, "committer": who, "message": f"Commit {n}"},
        "author": None, "committer": None, "parents": [],
    }  # fmt: skip


Seen = list[tuple[float, str, int, str]]  # virtual time, path, status, Authorization


def paged(
    path: str, make: Callable[[int], dict[str, Any]], clock: VirtualClock, seen: Seen
) -> Callable[[httpx.Request], httpx.Response]:
    """``PAGES`` pages of one item each, linked by ``page=N``, each request noted with its
    virtual time and token."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((clock.now(), path, 200, request.headers["authorization"]))
        n = int(request.url.params.get("page", "1"))
        headers = {}
        if n < PAGES:
            headers["link"] = f'<{API}/{path}?page={n + 1}&per_page=100>; rel="next"'
        return httpx.Response(200, json=[make(n)], headers=headers)

    return answer


def run_limited(
    respx_mock: respx.MockRouter, tmp_path: Path, tokens: str
) -> tuple[Seen, list[ev.RateLimitWait], Mirror, str]:
    """A run of pulls, issues and pushes whose first pulls request meets GitHub's secondary
    limit, 403 with ``Retry-After: 6``; issues and commits are ``PAGES`` pages each."""
    start = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    updated = (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    clock = SteppedClock(start.timestamp())
    seen: Seen = []
    respx_mock.get(API).respond(200, json={"id": 1, "full_name": "acme/rocket"})
    pull = item(1, updated) | {"head": {"ref": "f", "sha": "a" * 40}, "base": {"ref": "main"}}
    pulls = iter(
        [
            httpx.Response(
                403,
                json={"message": "You have exceeded a secondary rate limit."},
                headers={"retry-after": "6", "x-ratelimit-remaining": "4000"},
            ),
            httpx.Response(200, json=[pull]),
        ]
    )

    def pulls_answer(request: httpx.Request) -> httpx.Response:
        answer = next(pulls)
        seen.append((clock.now(), "pulls", answer.status_code, request.headers["authorization"]))
        return answer

    respx_mock.get(f"{API}/pulls").mock(side_effect=pulls_answer)
    respx_mock.get(f"{API}/issues").mock(
        side_effect=paged("issues", lambda n: item(100 + n, updated), clock, seen)
    )
    respx_mock.get(f"{API}/commits").mock(
        side_effect=paged("commits", lambda n: commit(n, updated), clock, seen)
    )
    mirror = Mirror.open(tmp_path / "m.db")
    engine = Engine(mirror, Environment(clock=clock, env={"GITHUB_TOKEN": tokens}))
    waits: list[ev.RateLimitWait] = []
    engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    entities = frozenset({"pull_request", "issue", "push"})
    run = engine.plan(
        RunRequest("demo", (SourceSpec.parse("github:acme/rocket"),), entities=entities)
    )
    assert asyncio.run(engine.run(run.id)) == "completed"
    # every page asked, the limited one twice, and the issues' front again (the catch-up)
    assert len(seen) == 2 * PAGES + 3
    return seen, waits, mirror, run.id


def during_the_wait(seen: Seen) -> tuple[str, list[tuple[float, str, str]]]:
    """The limited request's token, and the requests sent after its 403 within its 6 s
    (seconds after the 403, path, token)."""
    limited = next(i for i, (_, _, status, _) in enumerate(seen) if status == 403)
    at, _, _, token = seen[limited]
    return token, [(t - at, path, auth) for t, path, _, auth in seen[limited + 1 :] if t < at + 6]


@respx.mock
def test_a_secondary_limit_holds_the_sources_other_streams_until_its_wait_ends(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """The tester's case: pulls meets a 403 secondary limit with ``Retry-After: 6``. No
    request of the issues or commits streams goes between that answer and the end of its
    6 s (every page of both went at the 403's instant); one wait line is told; the streams'
    waits add up to the source's 6 s, the time that passed."""
    seen, waits, mirror, run_id = run_limited(respx_mock, tmp_path, TOKENS[0])
    assert during_the_wait(seen)[1] == []
    assert [(w.seconds, w.stream) for w in waits] == [(6.0, "github:acme/rocket/pull_request")]
    record = mirror.get_run(run_id)
    assert record is not None
    source = run_summary(mirror, record)["sources"][0]
    per_stream = {s.entity: s.rate_limit_wait_s for s in mirror.streams(run_id)}
    assert per_stream == {"pull_request": pytest.approx(6), "issue": 0, "push": 0}
    assert source["rate_limit_wait_s"] == pytest.approx(6)
    mirror.close()


@respx.mock
def test_with_two_tokens_the_limited_one_is_held_and_the_other_goes_on(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """GitHub's limits are per token: with two pooled, the wait holds the token whose request
    was limited (no request with it within the 6 s), while the other token carries the
    other streams on in the meantime."""
    seen, waits, mirror, _ = run_limited(respx_mock, tmp_path, ", ".join(TOKENS))
    token, during = during_the_wait(seen)
    assert during and {auth for _, _, auth in during} == {f"Bearer {t}" for t in TOKENS} - {token}
    assert len(waits) == 1
    mirror.close()
