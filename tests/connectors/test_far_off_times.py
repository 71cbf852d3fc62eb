"""Provider-given numbers a run cannot read as they are (fresh testers' findings,
each met through a stand-in server, reproduced here with respx under the engine on a virtual
clock):

- a reset in milliseconds where seconds are documented (Vercel's ``X-RateLimit-Reset``, its unit
  unconfirmed, provider-apis.md §2.4; Sentry's ``X-Sentry-Rate-Limit-Reset``) read as seconds
  lies in the year 58892, and a ``Retry-After`` or reset past the year 9999 cannot be a
  ``datetime``: each failed the stream as "internal error (ValueError: year ... is out of
  range)", and a resume met the same answer;
- a deployment ``created`` past the year 9999 lost its whole page as an internal error;
- a Vercel ``pagination.next`` that is no timestamp threw away the valid page carrying it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.clock import VirtualClock
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.store import Mirror, StreamRecord

VERCEL = "https://api.vercel.com"
SENTRY = "https://sentry.io"
PROJECT = "/api/0/projects/acme/rocket/"
ISSUES = "/api/0/organizations/acme/issues/"
START = datetime.now(UTC).replace(microsecond=0)
START_MS = int(START.timestamp() * 1000)
ENV = {"VERCEL_TOKEN": "vc_farTimesToken0000000000", "SENTRY_AUTH_TOKEN": "sntrys_farTimes0000"}


def _run(tmp_path: Path, source: str, entities: set[str] | None = None) -> list[StreamRecord]:
    mirror = Mirror.open(tmp_path / "m.db")
    try:
        clock = VirtualClock(start=START.timestamp())
        engine = Engine(mirror, Environment(clock=clock, env=ENV))
        chosen = frozenset(entities) if entities else None
        run = engine.plan(RunRequest("ws", (SourceSpec.parse(source),), 30, entities=chosen))
        asyncio.run(engine.run(run.id))
        return mirror.streams(run.id)
    finally:
        mirror.close()


def _stored(tmp_path: Path, column: str = "source_id") -> list[str]:
    with sqlite3.connect(tmp_path / "m.db") as conn:
        return sorted(r[0] for r in conn.execute(f"SELECT {column} FROM observations"))


def _deployment(uid: str, created: Any, text: str = "fix") -> dict[str, Any]:
    return {
        "uid": uid, "name": "rocket-web", "url": f"{uid}.vercel.app", "created": created,
        "readyState": "READY", "target": "production", "meta": {"githubCommitMessage": text},
    }  # fmt: skip


def _listing(items: list[dict[str, Any]], following: Any = None, **headers: str) -> httpx.Response:
    body = {"deployments": items, "pagination": {"count": len(items), "next": following}}
    return httpx.Response(200, json=body, headers=headers)


def _vercel_project(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{VERCEL}/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )


def _recent(n: int) -> int:
    return START_MS - n * 60_000


# -- far-off times ------------------------------------------------------------------------------


@respx.mock
def test_a_vercel_reset_in_milliseconds_is_waited_as_milliseconds(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """``X-RateLimit-Remaining: 0`` with the reset ``now_ms + 30000``: 30 s waited, not a
    crash on the year 58892."""
    _vercel_project(respx_mock)
    spent = {
        "x-ratelimit-limit": "100",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(START_MS + 30_000),
    }
    route = respx_mock.get(f"{VERCEL}/v6/deployments").mock(
        side_effect=[
            _listing([_deployment("dpl_a", _recent(1))], _recent(1), **spent),
            _listing([_deployment("dpl_b", _recent(2))]),
        ]
    )
    (stream,) = _run(tmp_path, "vercel:acme/rocket-web")
    assert (stream.status, stream.error) == ("completed", None)
    assert route.call_count == 2
    assert 30 <= stream.rate_limit_wait_s <= 40, stream.rate_limit_wait_s
    assert _stored(tmp_path) == ["deployment:dpl_a", "deployment:dpl_b"]


@pytest.mark.parametrize(
    ("retry_after", "said"),
    [
        ("99999999999999999999", "asked to wait past the year 9999"),
        ("Fri, 31 Dec 9999 23:59:59 GMT", "asked to wait "),
    ],
)
@respx.mock
def test_a_vercel_retry_after_past_any_time_fails_in_one_clean_line(
    respx_mock: respx.MockRouter, tmp_path: Path, retry_after: str, said: str
) -> None:
    _vercel_project(respx_mock)
    respx_mock.get(f"{VERCEL}/v6/deployments").respond(429, headers={"retry-after": retry_after})
    (stream,) = _run(tmp_path, "vercel:acme/rocket-web")
    assert stream.status == "failed"
    assert stream.error is not None
    assert stream.error.startswith(f"Vercel: rate limited (429), and {said}"), stream.error
    assert "internal error" not in stream.error and "Error" not in stream.error


def sentry_issue(title: str) -> dict[str, object]:
    """One Sentry issue of ``acme/rocket``, seen an hour before the run's start."""
    return {
        "id": "1", "shortId": "ROCKET-1", "title": title, "status": "unresolved",
        "lastSeen": (START - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "metadata": {}, "project": {"id": "7", "slug": "rocket", "name": "rocket"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("reset", "said"),
    [("ms", None), ("1e30", "asked to wait past the year 9999")],
)
@respx.mock
def test_a_sentry_reset_in_milliseconds_is_waited_and_an_absurd_one_fails_cleanly(
    respx_mock: respx.MockRouter, tmp_path: Path, reset: str, said: str | None
) -> None:
    respx_mock.get(f"{SENTRY}{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    issue = sentry_issue("KeyError")
    reset = str(START_MS + 30_000) if reset == "ms" else reset  # an id the same on each worker
    limited = httpx.Response(429, headers={"x-sentry-rate-limit-reset": reset})
    respx_mock.get(f"{SENTRY}{ISSUES}").mock(
        side_effect=[limited, httpx.Response(200, json=[issue])]
    )
    (stream,) = _run(tmp_path, "sentry:acme/rocket", {"issue"})
    if said is None:
        assert (stream.status, stream.counters.new) == ("completed", 1), stream.error
        assert 30 <= stream.rate_limit_wait_s <= 40, stream.rate_limit_wait_s
    else:
        assert stream.status == "failed"
        assert stream.error is not None
        assert stream.error.startswith(f"Sentry: rate limited (429), and {said}"), stream.error


@pytest.mark.parametrize("header", ["x-ratelimit-reset", "x-ratelimit-remaining"])
@respx.mock
def test_an_infinite_vercel_rate_limit_figure_is_read_as_none(
    respx_mock: respx.MockRouter, tmp_path: Path, header: str
) -> None:
    """``inf`` in a quota header raised OverflowError (``int(float("inf"))``): an internal
    error. It is unreadable, as ``nan`` already was; the stream goes on."""
    _vercel_project(respx_mock)
    figures = {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "90", header: "inf"}
    respx_mock.get(f"{VERCEL}/v6/deployments").mock(
        side_effect=[_listing([_deployment("dpl_a", _recent(1))], **figures)]
    )
    (stream,) = _run(tmp_path, "vercel:acme/rocket-web")
    assert (stream.status, stream.error, stream.counters.new) == ("completed", None, 1)


@pytest.mark.parametrize("created", [99999999999999999, -99999999999999999])
@respx.mock
def test_a_deployment_time_past_any_year_fails_that_item_alone(
    respx_mock: respx.MockRouter, tmp_path: Path, created: int
) -> None:
    """The page's other items are stored; a time past the year 9999 is one failed item (a
    negative one is before the cutoff: the list ends there, newest first)."""
    _vercel_project(respx_mock)
    items = [_deployment("dpl_a", _recent(1)), _deployment("dpl_b", _recent(2))]
    respx_mock.get(f"{VERCEL}/v6/deployments").mock(
        side_effect=[_listing([*items, _deployment("dpl_far", created)])]
    )
    (stream,) = _run(tmp_path, "vercel:acme/rocket-web")
    assert (stream.status, stream.error) == ("completed", None)
    assert stream.counters.new == 2
    assert stream.counters.failed == (1 if created > 0 else 0)
    assert _stored(tmp_path) == ["deployment:dpl_a", "deployment:dpl_b"]


# -- a bad next-page pointer ----------------------------------------------------------------------


@pytest.mark.parametrize("pointer", ["abc", True])
@respx.mock
def test_a_bad_vercel_pointer_keeps_the_page_that_carried_it(
    respx_mock: respx.MockRouter, tmp_path: Path, pointer: Any
) -> None:
    _vercel_project(respx_mock)
    items = [_deployment("dpl_a", _recent(1)), _deployment("dpl_b", _recent(2))]
    respx_mock.get(f"{VERCEL}/v6/deployments").mock(side_effect=[_listing(items, pointer)])
    (stream,) = _run(tmp_path, "vercel:acme/rocket-web")
    assert stream.status == "failed"
    assert stream.error is not None
    assert stream.error.startswith("Vercel's next-page pointer is not a timestamp"), stream.error
    assert stream.counters.new == 2
    assert _stored(tmp_path) == ["deployment:dpl_a", "deployment:dpl_b"]
