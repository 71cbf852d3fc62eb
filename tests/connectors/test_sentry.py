"""Sentry issues and error events, end to end through the CLI and the engine against the simulator."""

from __future__ import annotations

import asyncio
import email.utils
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli, simulated_engine, stored_ids

from backfill_tui.clock import VirtualClock
from backfill_tui.connectors.sentry import SentryConnector
from backfill_tui.engine import progress as ev
from backfill_tui.http import ApiClient, HostNotAllowed, ResilientTransport, SentryPolicy
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.simulator.sentry_world import PROJECT_ID

SOURCE = "sentry:acme/rocket"
ISSUES = "/api/0/organizations/acme/issues/"
EVENTS = "/api/0/projects/acme/rocket/events/"
PROJECT = "/api/0/projects/acme/rocket/"


def sentry_run(
    capsys: pytest.CaptureFixture[str],
    db: Path,
    *sources: str,
    days: int = 30,
    max_items: int = 100_000,
) -> Any:
    return run_cli(
        capsys,
        "run",
        *sources,
        "--simulate",
        "--workspace",
        "demo",
        "--days",
        str(days),
        "--max-items",
        str(max_items),
        "--json",
        "--db",
        str(db),
    )


def test_the_error_stream_is_capped_by_max_items_and_says_so(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor}")
    result = sentry_run(capsys, tmp_path / "m.db", SOURCE, days=90, max_items=1000)
    assert result.code == 0
    streams = {s["entity"]: s for s in result.summary["sources"][0]["streams"]}
    assert streams["error"]["capped"] is True and streams["error"]["fetched"] == 1000
    assert streams["issue"]["capped"] is False


def test_faults_and_sentrys_rate_limit_answers_change_nothing(tmp_path: Path, anchor: str) -> None:
    clean = simulated_engine(tmp_path / "clean.db", f"anchor={anchor},clock=virtual")
    clean.run(SOURCE, days=90, max_items=100_000)
    rough = simulated_engine(
        tmp_path / "rough.db", f"anchor={anchor},faults=0.15,rate_limit_every=7,clock=virtual"
    )
    waits: list[ev.RateLimitWait] = []
    rough.engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    run_id = rough.run(SOURCE, days=90, max_items=100_000)
    run = rough.mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    assert sorted(rough.mirror.source_ids("demo")) == sorted(clean.mirror.source_ids("demo"))
    served = [r for r in rough.simulator.requests if r.provider == "sentry"]
    limited = [r for r in served if r.status == 429]
    assert len(limited) >= 3 and {r.fault for r in served} > {None, "rate_limit_429"}
    answers = [w for w in waits if w.reason == "rate limited (429)"]
    assert len(answers) == len(limited)
    # No Retry-After: each wait runs to X-Sentry-Rate-Limit-Reset (the next second), not to the
    # policy's fallback (five seconds and more).
    assert all(1.0 <= w.seconds <= 2.0 for w in answers)


def test_each_429_waits_the_simulators_retry_after(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``BACKFILL_SIM=rate_limit_every=3,retry_after=7``: each of Sentry's 429s is waited 7 s,
    as GitHub's, Vercel's and Linear's are, and the summary adds them up (a fresh tester saw
    Sentry wait one second whatever ``retry_after`` said)."""
    monkeypatch.setenv(
        "BACKFILL_SIM", f"anchor={anchor},clock=virtual,rate_limit_every=3,retry_after=7"
    )
    result = sentry_run(capsys, tmp_path / "m.db", SOURCE)
    assert result.code == 0
    (source,) = result.summary["sources"]
    assert source["rate_limit_wait_s"] > 0 and source["rate_limit_wait_s"] % 7 == 0

    sim = simulated_engine(
        tmp_path / "e.db", f"anchor={anchor},clock=virtual,rate_limit_every=3,retry_after=7"
    )
    waits: list[ev.RateLimitWait] = []
    sim.engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    sim.run(SOURCE, days=30)
    limited = [r for r in sim.simulator.requests if r.status == 429]
    assert limited and [w.seconds for w in waits] == [7.0] * len(limited)
    sim.mirror.close()


def test_a_reset_is_measured_from_sentrys_date_not_this_machines_clock() -> None:
    """``X-Sentry-Rate-Limit-Reset`` is an instant on Sentry's clock: its distance from the
    answer's ``Date`` is the wait, with this machine's clock a minute behind or ahead; without
    a ``Date`` it is measured from this machine's now."""
    sentry_now = 1_790_000_000
    headers = {
        "date": email.utils.formatdate(sentry_now, usegmt=True),
        "x-sentry-rate-limit-reset": str(sentry_now + 3),
    }
    answer = httpx.Response(429, headers=headers, json={"detail": "too frequently"})
    for here in (sentry_now - 60.5, sentry_now + 0.0, sentry_now + 60.5):
        wait = SentryPolicy().limit_answer(answer, {}, here)
        assert wait is not None and wait.seconds == 3.0
    del headers["date"]
    undated = SentryPolicy().limit_answer(httpx.Response(429, headers=headers), {}, sentry_now + 1)
    assert undated is not None and undated.seconds == 2.0


def test_api_calls_per_stream_are_the_fewest_pages_plus_at_most_one(
    tmp_path: Path, anchor: str
) -> None:
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},scale=2,clock=virtual")
    run_id = sim_engine.run(SOURCE, days=90, max_items=100_000)
    sim, mirror = sim_engine.simulator, sim_engine.mirror
    run = mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    cutoff = datetime.fromisoformat(run.since)
    window = {
        "start": cutoff.strftime("%Y-%m-%dT%H:%M:%S"),
        "end": datetime.fromisoformat(run.started_at).strftime("%Y-%m-%dT%H:%M:%S"),
    }
    paths = {"issue": ISSUES, "error": EVENTS}
    for stream in mirror.streams(run_id):
        requests = [r for r in sim.requests if r.path == paths[stream.entity]]
        minimum = sim.min_pages("sentry", "acme/rocket", stream.entity, cutoff)
        # issues: the first page asked again at the end (LinkedListStream catch_up)
        again = 1 if stream.entity == "issue" else 0
        assert stream.api_calls == len(requests) == stream.pages + again
        assert minimum > 3 and len(requests) <= minimum + 1 + again, (stream.entity, minimum)
        params = [httpx.URL(r.url).params for r in requests]
        assert all({k: p[k] for k in window} == window for p in params)
        paged = params[1 : len(params) - again]
        assert "cursor" not in params[0] and all("cursor" in p for p in paged)
        assert all("cursor" not in p for p in params[len(params) - again :])
        if stream.entity == "issue":
            assert params[0]["query"] == "" and params[0]["sort"] == "date"
            assert (params[0]["project"], params[0]["limit"]) == (str(PROJECT_ID), "100")
        else:
            assert (params[0]["full"], params[0]["per_page"]) == ("true", "100")
    assert sum(1 for r in sim.requests if r.path == PROJECT) == 1


def test_a_rejected_token_fails_only_sentry(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual,token=sim-good-token")
    monkeypatch.setenv("GITHUB_TOKEN", "sim-good-token")
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_wrong-token")
    db = tmp_path / "m.db"
    result = sentry_run(capsys, db, "github:acme/rocket", SOURCE, days=7)
    assert result.code == 1 and result.summary["status"] == "partial"
    by_source = {s["source"]: s for s in result.summary["sources"]}
    assert by_source["github"]["status"] == "completed"
    sentry = by_source["sentry"]
    assert sentry["status"] == "failed"
    assert all(s["status"] == "failed" for s in sentry["streams"])
    assert "Sentry authentication failed (401)" in sentry["error"] and "\n" not in sentry["error"]
    text = result.out + result.err + db.read_bytes().decode("utf-8", "replace")
    assert "sntrys_wrong-token" not in text and "sim-good-token" not in text
    assert stored_ids(db) and not any(i.startswith("sentry-") for i in stored_ids(db))


def test_a_project_sentry_cannot_find_fails_the_source_clearly(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    result = sentry_run(capsys, tmp_path / "m.db", "sentry:acme/rocket-nope", days=7)
    assert result.code == 1 and result.summary["status"] == "failed"
    error = result.summary["sources"][0]["error"]
    assert "/api/0/projects/acme/rocket-nope/" in error and "404" in error
    assert "does not exist" in error and "check the target name" in error and "\n" not in error


def test_a_malformed_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(
        capsys, "run", "sentry:acme", "--workspace", "w", "--db", str(tmp_path / "m.db")
    )
    assert result.code == 2 and "sentry:ORG/PROJECT" in result.err


# -- the connector on its own ------------------------------------------------------------------


def make_connector(
    inner: httpx.AsyncBaseTransport,
    clock: VirtualClock,
    cutoff: datetime,
    target: str = "acme/rocket",
    base: str = "https://sentry.io",
) -> SentryConnector:
    transport = ResilientTransport(
        inner,
        provider_label="Sentry",
        base_url=base,
        auth_header="Bearer sntrys_test",
        policy=SentryPolicy(),
        clock=clock,
    )
    client = ApiClient(label="Sentry", base_url=base, transport=transport, request_prefix="/api/0")
    return SentryConnector(target, client, cutoff)


async def read(
    connector: SentryConnector, entity: str, cursor: str | None = None, pages: int | None = None
) -> tuple[list[str], str | None, int]:
    ids: list[str] = []
    last, skipped = None, 0
    try:
        await connector.prepare()
        async for page in connector.stream(entity).pages(cursor):
            ids += [e.sourceId for e in page.events]
            last, skipped = page.next_cursor, skipped + page.skipped
            pages = None if pages is None else pages - 1
            if pages == 0:
                break
    finally:
        await connector.client.aclose()
    return ids, last, skipped


@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_window_ends_at_the_run_start_even_when_resumed_later(days: int) -> None:
    started = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    cutoff = started - timedelta(days=days)
    for late in (timedelta(seconds=3), timedelta(hours=20)):
        clock = VirtualClock((started + late).timestamp())
        connector = make_connector(
            httpx.MockTransport(lambda r: httpx.Response(500)), clock, cutoff
        )
        assert connector.run_start() == started
    connector.started_at = started + timedelta(minutes=1)
    assert connector.run_start() == started + timedelta(minutes=1)


def test_a_stream_resumes_from_its_cursor_with_the_same_window(anchor: str) -> None:
    clock = VirtualClock()
    sim = Simulator(SimulatorConfig.from_env_string(f"anchor={anchor}"), clock)
    cutoff = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    first, cursor, _ = asyncio.run(
        read(make_connector(sim.transport, clock, cutoff), "error", pages=2)
    )
    assert cursor is not None and len(first) == 200
    clock._now += 2 * 86_400  # resumed two days later: the cursor still names the old window
    rest, end, _ = asyncio.run(read(make_connector(sim.transport, clock, cutoff), "error", cursor))
    assert end is None and len(first) + len(rest) == len(set(first + rest))
    assert set(first + rest) == sim.ground_truth("sentry", "acme/rocket", cutoff, {"error"})


CUTOFF = datetime(2026, 11, 1, tzinfo=UTC)


def _issue(n: int, last_seen: str) -> dict[str, Any]:
    return {
        "id": str(n),
        "shortId": f"ROCKET-{n}",
        "title": f"KeyError: 'k{n}'",
        "status": "unresolved",
        "lastSeen": last_seen,
        "metadata": {"type": "KeyError", "value": "'k'"},
        "project": {"id": "7", "slug": "rocket", "name": "rocket"},
    }


def _page(items: list[Any], next_url: str, results: str) -> httpx.Response:
    link = (
        f'<https://sentry.io{ISSUES}?cursor=0:0:1>; rel="previous"; results="false"; '
        f'cursor="0:0:1", <{next_url}>; rel="next"; results="{results}"; cursor="1:0:0"'
    )
    return httpx.Response(200, json=items, headers={"Link": link})


@respx.mock
def test_paging_follows_next_only_while_it_has_results(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"https://sentry.io{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    nxt = f"https://sentry.io{ISSUES}?project=7&query=&cursor=1:0:0"
    listing = respx_mock.get(f"https://sentry.io{ISSUES}").mock(
        side_effect=[
            _page(
                [_issue(1, "2026-11-20T00:00:00Z"), _issue(2, "2026-11-02T00:00:00Z")], nxt, "true"
            ),
            # The guard: an issue last seen before the cutoff is skipped, not stored.
            _page(
                [_issue(3, "2026-10-31T23:59:59Z"), _issue(4, "2026-11-01T00:00:00Z")], nxt, "false"
            ),
        ]
    )
    ids, last, skipped = asyncio.run(
        read(make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF), "issue")
    )
    assert ids == [f"sentry-issue:rocket:ROCKET-{n}:created" for n in (1, 2, 4)]
    assert (last, skipped, listing.call_count) == (None, 1, 2)
    first, second = (c.request.url for c in listing.calls)
    assert str(second) == nxt  # followed verbatim
    assert first.params["query"] == "" and first.params["start"] == "2026-11-01T00:00:00"
    assert listing.calls[0].request.headers["authorization"] == "Bearer sntrys_test"


@respx.mock
def test_a_next_link_to_another_host_is_rebased_onto_the_base_url(
    respx_mock: respx.MockRouter,
) -> None:
    # sentry.io builds Link URLs on the organisation's own domain; the path lies under the base
    # path "/", so page 2 is asked of the configured origin and never of the link's host.
    respx_mock.get(f"https://sentry.io{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    foreign = respx_mock.get(host="evil.example").respond(200, json=[])
    events = respx_mock.get(f"https://sentry.io{EVENTS}").mock(
        side_effect=[
            _page([], f"https://evil.example{EVENTS}?cursor=0:100:0", "true"),
            _page([], f"https://evil.example{EVENTS}?cursor=0:200:0", "false"),
        ]
    )
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF)
    assert asyncio.run(read(connector, "error"))[1] is None
    assert str(events.calls[1].request.url) == f"https://sentry.io{EVENTS}?cursor=0:100:0"
    assert events.calls[1].request.headers["authorization"] == "Bearer sntrys_test"
    assert not foreign.called


@respx.mock
def test_a_next_link_outside_the_base_path_is_refused_naming_what_differs(
    respx_mock: respx.MockRouter,
) -> None:
    base = "https://errors.acme.internal/sentry"
    respx_mock.get(f"{base}{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    respx_mock.get(f"{base}{EVENTS}").mock(
        return_value=_page([], f"http://sentry-web:9000{EVENTS}?cursor=0:100:0", "true")
    )
    internal = respx_mock.get(host="sentry-web").respond(200, json=[])
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF, base=base)
    with pytest.raises(HostNotAllowed) as info:
        asyncio.run(read(connector, "error"))
    assert str(info.value) == (
        "Sentry: a next-page link to http://sentry-web:9000 cannot be followed: scheme http, "
        "not https; host sentry-web, not errors.acme.internal; port 9000, not 443; its path "
        f"{EVENTS} lies outside the base path /sentry/; credentials go only to {base}, so "
        "paging stopped (check the configured API base URL)"
    )
    assert not internal.called


@respx.mock
def test_self_hosted_base_url_keeps_its_path_and_trailing_slashes(
    respx_mock: respx.MockRouter,
) -> None:
    base = "https://errors.acme.internal/sentry"
    project = respx_mock.get(f"{base}{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    events = respx_mock.get(f"{base}{EVENTS}").respond(200, json=[])
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF, base=base)
    assert asyncio.run(read(connector, "error"))[0] == []
    assert project.called and events.called


# -- an issue whose lastSeen is null (merged, or still processing) -------------------------------


@respx.mock
def test_an_issue_with_a_null_last_seen_is_stored_at_its_first_seen(
    respx_mock: respx.MockRouter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Sentry lists ``lastSeen: null`` on real issues merged into another or still being
    processed (provider-apis.md §4.4). Production's occurredAt is ``lastSeen`` (from the
    webhook, which has it); it was a counted failed item. Its ``firstSeen`` stands in."""
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", "sntrys_nullLastSeenToken")
    now = datetime.now(UTC).replace(microsecond=0)
    first_seen = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    seen = _issue(1, (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    merged = {**_issue(2, ""), "lastSeen": None, "firstSeen": first_seen}
    respx_mock.get(f"https://sentry.io{PROJECT}").respond(200, json={"id": "7", "slug": "rocket"})
    respx_mock.get(f"https://sentry.io{ISSUES}").respond(200, json=[seen, merged])
    respx_mock.get(f"https://sentry.io{EVENTS}").respond(200, json=[])
    db = tmp_path / "m.db"
    result = run_cli(
        capsys, "run", SOURCE, "--workspace", "demo", "--days", "30", "--json", "--db", str(db),
    )  # fmt: skip
    assert result.code == 0, result.err
    streams = {s["entity"]: s for s in result.summary["sources"][0]["streams"]}
    assert (streams["issue"]["new"], streams["issue"]["failed"]) == (2, 0), streams["issue"]
    with sqlite3.connect(db) as conn:
        (occurred, metadata) = conn.execute(
            "SELECT occurred_at, metadata FROM observations WHERE source_id = ?",
            ("sentry-issue:rocket:ROCKET-2:created",),
        ).fetchone()
    assert occurred == (now - timedelta(days=3)).isoformat()
    assert json.loads(metadata)["lastSeen"] is None  # as Sentry said it


def test_the_simulators_null_last_seen_issues_are_all_stored(tmp_path: Path, anchor: str) -> None:
    sim_engine = simulated_engine(tmp_path / "m.db", f"anchor={anchor},null_last_seen=4")
    run_id = sim_engine.run(SOURCE, entities={"issue"}, days=30, max_items=100_000)
    mirror, sim = sim_engine.mirror, sim_engine.simulator
    (stream,) = mirror.streams(run_id)
    assert (stream.status, stream.failed) == ("completed", 0)
    run = mirror.get_run(run_id)
    assert run is not None
    cutoff = datetime.fromisoformat(run.since)
    assert set(mirror.source_ids("demo")) == sim.ground_truth(
        "sentry", "acme/rocket", cutoff, {"issue"}
    )
    world = sim.providers["sentry"].world  # type: ignore[attr-defined]
    nulls = [
        world.issue_json(p)
        for p in range(world.issues.count_since(cutoff.timestamp()))
        if world.last_seen_null(world.issue_core(p).number)
    ]
    assert nulls and all(issue["lastSeen"] is None for issue in nulls)
    with sqlite3.connect(tmp_path / "m.db") as conn:
        for issue in nulls:
            (occurred,) = conn.execute(
                "SELECT occurred_at FROM observations WHERE source_id LIKE ?",
                (f"sentry-issue:rocket:{issue['shortId']}:%",),
            ).fetchone()
            assert occurred == datetime.fromisoformat(issue["firstSeen"]).isoformat()
