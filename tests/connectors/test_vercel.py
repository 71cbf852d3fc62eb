"""Vercel deployments, end to end through the CLI and the engine against the simulator."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backfill_tui.cli import main
from backfill_tui.clock import VirtualClock
from backfill_tui.connectors import ItemFailure
from backfill_tui.connectors import vercel_transform as vt
from backfill_tui.connectors.base import Page
from backfill_tui.connectors.items import transform_item
from backfill_tui.connectors.vercel import VercelConnector
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.engine.summary import run_summary
from backfill_tui.http import ApiClient, ResilientTransport, VercelPolicy
from backfill_tui.models import SourceEvent
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.simulator.vercel_world import PROJECTS, TEAM_ID
from backfill_tui.store import Mirror

TARGET = "acme/rocket-web"
API = "https://api.vercel.com"
WEB = PROJECTS[0]


def cli_run(
    capsys: pytest.CaptureFixture[str], db: Path, *sources: str, days: int = 30
) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "run",
            *sources,
            *("--workspace", "ws", "--days", str(days), "--db", str(db), "--simulate", "--json"),
        ]
    )
    out = capsys.readouterr().out
    return code, json.loads(out)


def truth(sim_text: str, summary: dict[str, Any], target: str = TARGET) -> set[str]:
    sim = Simulator(SimulatorConfig.from_env_string(sim_text), VirtualClock())
    return sim.ground_truth("vercel", target, datetime.fromisoformat(summary["since"]))


def stored(db: Path) -> list[str]:
    mirror = Mirror.open(db)
    try:
        return mirror.source_ids("ws")
    finally:
        mirror.close()


def run_engine(
    tmp_path: Path, sim_text: str, *sources: str, days: int = 30
) -> tuple[Simulator, dict[str, Any], list[str]]:
    """The engine in-process around a Simulator the test can inspect."""
    clock = VirtualClock()
    sim = Simulator(SimulatorConfig.from_env_string(sim_text), clock)
    mirror = Mirror.open(tmp_path / "engine.db")
    try:
        engine = Engine(mirror, Environment(clock=clock, simulator=sim, env={}))
        request = RunRequest("ws", tuple(SourceSpec.parse(s) for s in sources), days)
        run = engine.plan(request)
        asyncio.run(engine.run(run.id))
        record = mirror.get_run(run.id)
        assert record is not None
        return sim, run_summary(mirror, record), mirror.source_ids("ws")
    finally:
        mirror.close()


# -- what a backfill stores --------------------------------------------------------------------


def test_team_id_and_project_id_target_the_same_project(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sim_text = f"anchor={anchor},clock=virtual"
    monkeypatch.setenv("BACKFILL_SIM", sim_text)
    db = tmp_path / "m.db"
    code, summary = cli_run(capsys, db, f"vercel:{TEAM_ID}/{WEB.id}", days=7)
    assert code == 0
    assert set(stored(db)) == truth(sim_text, summary) != set()


def test_faults_and_rate_limits_change_nothing(tmp_path: Path, anchor: str) -> None:
    sim, summary, ids = run_engine(
        tmp_path,
        f"anchor={anchor},faults=0.15,rate_limit_every=7,clock=virtual,scale=2",
        f"vercel:{TARGET}",
        days=90,
    )
    assert summary["status"] == "completed"
    cutoff = datetime.fromisoformat(summary["since"])
    assert set(ids) == sim.ground_truth("vercel", TARGET, cutoff) and len(ids) == len(set(ids))
    assert len(ids) > 600
    faults = {r.fault for r in sim.requests if r.provider == "vercel"}
    assert "rate_limit_429" in faults and faults & {"http_502", "http_503", "dropped", "truncated"}
    assert summary["sources"][0]["rate_limit_wait_s"] >= 1


def test_api_calls_per_stream_are_the_fewest_pages_plus_at_most_one(
    tmp_path: Path, anchor: str
) -> None:
    sim, summary, _ = run_engine(tmp_path, f"anchor={anchor}", f"vercel:{TARGET}", days=90)
    cutoff = datetime.fromisoformat(summary["since"])
    fewest = sim.min_pages("vercel", TARGET, "deployment", cutoff)
    calls = sim.request_count("/v6/deployments")
    assert fewest >= 3 and fewest <= calls <= fewest + 1
    source = summary["sources"][0]
    (stream,) = source["streams"]
    assert stream["api_calls"] == calls == stream["pages"]
    assert source["api_calls"] == calls + 1 == calls + sim.request_count("/v9/projects")


def test_a_rejected_token_fails_only_vercel(
    tmp_path: Path, anchor: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual,token=sim-good-token")
    monkeypatch.setenv("GITHUB_TOKEN", "sim-good-token")
    monkeypatch.setenv("VERCEL_TOKEN", "vercel-wrong-token")
    db = tmp_path / "m.db"
    code, summary = cli_run(capsys, db, "github:acme/rocket", f"vercel:{TARGET}", days=7)
    assert code == 1 and summary["status"] == "partial"
    by_source = {s["source"]: s for s in summary["sources"]}
    assert by_source["github"]["status"] == "completed"
    vercel = by_source["vercel"]
    assert vercel["status"] == "failed"
    assert all(s["status"] == "failed" for s in vercel["streams"])
    assert "authentication failed" in vercel["error"]
    text = json.dumps(summary) + db.read_bytes().decode("utf-8", "replace")
    assert "vercel-wrong-token" not in text and "sim-good-token" not in text
    assert all(i.startswith(("pr:", "issue:", "release:", "push:")) for i in stored(db))


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("rocket-web", "personal account"),
        ("acme/rocket-nope", "team 'acme'"),
    ],
)
def test_a_project_vercel_cannot_find_fails_the_source_clearly(
    target: str,
    says: str,
    tmp_path: Path,
    anchor: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    code, summary = cli_run(capsys, tmp_path / "m.db", f"vercel:{target}", days=7)
    assert code == 1 and summary["status"] == "failed"
    error = summary["sources"][0]["error"]
    assert says in error and "404" in error and "\n" not in error


def test_a_malformed_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", "vercel:a/b/c", "--workspace", "ws", "--db", str(tmp_path / "m.db")])
    assert code == 2
    assert "vercel:TEAM/PROJECT" in capsys.readouterr().err


def make_connector(
    inner: httpx.AsyncBaseTransport, clock: VirtualClock, cutoff: datetime, target: str = TARGET
) -> VercelConnector:
    transport = ResilientTransport(
        inner,
        provider_label="Vercel",
        base_url=API,
        auth_header="Bearer vc_test_token",
        policy=VercelPolicy(),
        clock=clock,
    )
    return VercelConnector(
        target, ApiClient(label="Vercel", base_url=API, transport=transport), cutoff
    )


async def walk(
    connector: VercelConnector, cursor: str | None = None, pages: int | None = None
) -> tuple[list[str], str | None]:
    """Prepare, then read the stream from ``cursor`` (at most ``pages`` pages)."""
    ids: list[str] = []
    last = None
    try:
        await connector.prepare()
        async for page in connector.stream("deployment").pages(cursor):
            ids += [e.sourceId for e in page.events]
            last = page.next_cursor
            pages = None if pages is None else pages - 1
            if pages == 0:
                break
    finally:
        await connector.client.aclose()
    return ids, last


def test_a_stream_resumes_from_its_cursor(anchor: str) -> None:
    clock = VirtualClock()
    sim = Simulator(SimulatorConfig.from_env_string(f"anchor={anchor}"), clock)
    cutoff = datetime.now(UTC).replace(microsecond=0) - timedelta(days=90)
    first, cursor = asyncio.run(walk(make_connector(sim.transport, clock, cutoff), pages=1))
    assert cursor is not None and len(first) == 100
    rest, end = asyncio.run(walk(make_connector(sim.transport, clock, cutoff), cursor))
    assert end is None
    assert len(first) + len(rest) == len(set(first + rest))
    assert set(first + rest) == sim.ground_truth("vercel", TARGET, cutoff)


CUTOFF = datetime(2026, 11, 1, tzinfo=UTC)
CUTOFF_MS = int(CUTOFF.timestamp() * 1000)


def _listing(created: list[int], following: int | None) -> httpx.Response:
    items = [{"uid": f"dpl_{c}", "created": c, "readyState": "READY", "meta": {}} for c in created]
    pagination = {"count": len(items), "next": following, "prev": created[0] if created else None}
    return httpx.Response(200, json={"deployments": items, "pagination": pagination})


@respx.mock
def test_requests_keep_since_and_follow_vercels_pointer(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{API}/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )
    day = 86_400_000
    listing = respx_mock.get(f"{API}/v6/deployments").mock(
        side_effect=[
            _listing([CUTOFF_MS + 3 * day, CUTOFF_MS + 2 * day], CUTOFF_MS + 2 * day),
            # A server that ignored ``since``: paging stops at the first older deployment.
            _listing([CUTOFF_MS, CUTOFF_MS - 1, CUTOFF_MS - day], CUTOFF_MS - day),
        ]
    )
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF)
    ids, last = asyncio.run(walk(connector))
    assert ids == [f"deployment:dpl_{CUTOFF_MS + n * day}" for n in (3, 2, 0)]
    assert last is None and listing.call_count == 2
    first, second = (dict(c.request.url.params) for c in listing.calls)
    assert first == {
        "projectId": "prj_1",
        "slug": "acme",
        "since": str(CUTOFF_MS - 1),
        "limit": "100",
    }
    assert second == {**first, "until": str(CUTOFF_MS + 2 * day)}
    assert listing.calls[0].request.headers["authorization"] == "Bearer vc_test_token"
    assert connector.project == vt.Project("prj_1", "rocket-web", "team_1")


@respx.mock
def test_a_state_only_deployment_keeps_its_state(respx_mock: respx.MockRouter) -> None:
    """Vercel's list has carried ``state`` alone; it maps as ``readyState`` does, which wins."""
    respx_mock.get(f"{API}/v9/projects/prj_1").respond(200, json={"id": "prj_1", "name": "web"})
    at = CUTOFF_MS + 9_000
    items: list[dict[str, Any]] = [
        {"uid": "dpl_c", "created": at, "state": "CANCELED", "meta": {}},
        {"uid": "dpl_e", "created": at - 1, "state": "ERROR", "meta": {}},
        {"uid": "dpl_r", "created": at - 2, "state": "READY", "meta": {}},
        {"uid": "dpl_b", "created": at - 3, "state": "BUILDING", "meta": {}},
        {"uid": "dpl_n", "created": at - 4, "meta": {}},
        {"uid": "dpl_x", "created": at - 5, "readyState": "READY", "state": "ERROR", "meta": {}},
    ]
    respx_mock.get(f"{API}/v6/deployments").respond(
        200, json={"deployments": items, "pagination": {"count": 6, "next": None, "prev": None}}
    )
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF, "team_9/prj_1")

    async def types() -> dict[str, str]:
        found: dict[str, str] = {}
        try:
            await connector.prepare()
            async for page in connector.stream("deployment").pages(None):
                found |= {e.sourceId: e.sourceType for e in page.events}
        finally:
            await connector.client.aclose()
        return found

    assert asyncio.run(types()) == {
        "deployment:dpl_c": "deployment.canceled",
        "deployment:dpl_e": "deployment.error",
        "deployment:dpl_r": "deployment.succeeded",
        "deployment:dpl_b": "deployment.created",
        "deployment:dpl_n": "deployment.created",
        "deployment:dpl_x": "deployment.succeeded",
    }


@respx.mock
def test_a_pointer_that_does_not_move_fails_the_stream(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{API}/v9/projects/prj_1").respond(200, json={"id": "prj_1", "name": "web"})
    same = CUTOFF_MS + 5_000
    respx_mock.get(f"{API}/v6/deployments").mock(
        side_effect=[_listing([same + 1], same), _listing([same + 1], same)]
    )
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF, "team_9/prj_1")
    pages = asyncio.run(read_pages(connector))
    # the page carrying the pointer is given, with its items, and the stream stops there
    assert [len(p.events) for p in pages] == [1, 1]
    assert pages[-1].next_cursor is None
    assert "does not move" in (pages[-1].stalled or "")
    assert connector.scope == {"teamId": "team_9"}


async def read_pages(connector: VercelConnector) -> list[Page]:
    """Prepare, then every page of the stream from its start."""
    try:
        await connector.prepare()
        return [p async for p in connector.stream("deployment").pages(None)]
    finally:
        await connector.client.aclose()


@respx.mock
def test_a_pointer_written_as_digits_is_followed_and_one_that_is_not_a_time_fails(
    respx_mock: respx.MockRouter,
) -> None:
    """``pagination.next`` as a string of digits was read as "no more pages": the stream
    completed with page 2 unread (a fresh tester's finding). It is followed; a pointer that
    is no timestamp at all fails the stream rather than end it as complete."""
    respx_mock.get(f"{API}/v9/projects/rocket-web").respond(
        200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
    )
    day = 86_400_000
    written = _listing([CUTOFF_MS + 3 * day], None)
    body = json.loads(written.content)
    body["pagination"]["next"] = str(CUTOFF_MS + 3 * day)
    listing = respx_mock.get(f"{API}/v6/deployments").mock(
        side_effect=[httpx.Response(200, json=body), _listing([CUTOFF_MS + day], None)]
    )
    ids, last = asyncio.run(
        walk(make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF))
    )
    assert ids == [f"deployment:dpl_{CUTOFF_MS + n * day}" for n in (3, 1)] and last is None
    assert listing.calls[1].request.url.params["until"] == str(CUTOFF_MS + 3 * day)

    body["pagination"]["next"] = "soon"
    listing.side_effect = [httpx.Response(200, json=body)]
    connector = make_connector(httpx.AsyncHTTPTransport(), VirtualClock(), CUTOFF)
    (only,) = asyncio.run(read_pages(connector))
    assert len(only.events) == 1 and only.next_cursor is None  # the page kept, the stream stops
    assert "not a timestamp ('soon')" in (only.stalled or "")


# -- the transformer ---------------------------------------------------------------------------


def _webhook(item: dict[str, Any], event: str) -> dict[str, Any]:
    """The ``deployment.*`` webhook Vercel sends for the same deployment (production §3)."""
    uid = item["uid"]
    return {
        "id": "uTh8Kq2V0xZp5Yc3Wm7NbL4d",
        "type": event,
        "createdAt": item["created"] + 42_000,
        "region": "iad1",
        "payload": {
            "team": {"id": TEAM_ID},
            "user": {"id": item["creator"]["uid"]},
            "deployment": {
                "id": uid,
                "meta": item["meta"],
                "url": item["url"],
                "name": item["name"],
                "inspectorUrl": item["inspectorUrl"],
            },
            "links": {
                "deployment": item["inspectorUrl"],
                "project": f"https://vercel.com/acme/{item['name']}",
            },
            "target": item["target"],
            "project": {"id": WEB.id, "name": WEB.name},
            "plan": "pro",
            "regions": ["iad1"],
        },
    }


def test_rest_and_webhook_agree_for_the_same_deployment(anchor: str) -> None:
    sim = Simulator(SimulatorConfig.from_env_string(f"anchor={anchor}"), VirtualClock())
    world = sim.providers["vercel"].world  # type: ignore[attr-defined]
    project = vt.Project(WEB.id, WEB.name, TEAM_ID)
    seen: set[str] = set()
    shapes: set[tuple[bool, bool]] = set()
    for p in range(120):
        item = world.deployment_json(WEB, p)
        rest = vt.deployment_from_rest(item, project)
        hook = vt.deployment_from_webhook(_webhook(item, rest.sourceType), rest.sourceType)
        for field in ("sourceId", "sourceType", "title", "body", "actor", "references"):
            assert getattr(rest, field) == getattr(hook, field), (p, field)
        differ = {k for k in rest.metadata.keys() | hook.metadata.keys()}
        differ = {k for k in differ if rest.metadata.get(k) != hook.metadata.get(k)}
        assert differ <= {"deliveryId", "webhookId", "region"}
        assert rest.occurredAt == datetime.fromtimestamp(item["created"] / 1000, UTC).isoformat()
        seen.add(rest.sourceType)
        shapes.add(("githubOrg" in item["meta"], "githubCommitOrg" in item["meta"]))
    assert seen == {
        "deployment.succeeded",
        "deployment.error",
        "deployment.canceled",
        "deployment.created",
    }
    assert {(True, True), (False, True), (False, False)} <= shapes


def test_transformer_matches_production_field_by_field() -> None:
    project = vt.Project("prj_abc", "rocket", "team_xyz")
    item = {
        "uid": "dpl_123",
        "created": 1_764_000_000_123,
        "readyState": "ERROR",
        "url": "rocket.vercel.app",
        "meta": {
            "githubCommitSha": "a" * 40,
            "githubCommitRef": "fix/fuel",
            "githubCommitMessage": "  Fix the fuel pump\n\nlonger text  ",
            "githubCommitAuthorLogin": "octo-ada",
            "githubCommitOrg": "acme",
            "githubCommitRepo": "rocket",
            "githubPrId": 77,
        },
    }
    event = vt.deployment_from_rest(item, project)
    assert event.title == "[Deployment Failed] rocket from fix/fuel"
    assert event.body == "x Deployment Failed\n  Fix the fuel pump\n\nlonger text"
    assert event.actor is not None and event.actor["id"] == event.actor["name"] == "octo-ada"
    assert event.occurredAt == "2025-11-24T16:00:00.123000+00:00"
    base = "https://github.com/acme/rocket"
    assert [{k: v for k, v in r.items() if v is not None} for r in event.references] == [
        {"type": "commit", "id": "a" * 40, "url": f"{base}/commit/{'a' * 40}"},
        {"type": "branch", "id": "fix/fuel", "url": f"{base}/tree/fix/fuel"},
        {"type": "pr", "id": "#77", "url": f"{base}/pull/77"},
        {"type": "deployment", "id": "dpl_123", "url": "https://rocket.vercel.app"},
        {"type": "project", "id": "prj_abc"},
    ]
    assert event.metadata == {
        "deliveryId": "backfill-prj_abc-deploy-dpl_123",
        "webhookId": "backfill-dpl_123",
        "deploymentId": "dpl_123",
        "deploymentUrl": "rocket.vercel.app",
        "projectId": "prj_abc",
        "projectName": "rocket",
        "teamId": "team_xyz",
        "environment": "production",  # production's rule: name in the URL and no "-"
        "branch": "fix/fuel",
        "gitCommitSha": "a" * 40,
        "gitCommitRef": "fix/fuel",
        "gitCommitMessage": "  Fix the fuel pump\n\nlonger text  ",
        "gitCommitAuthor": "octo-ada",
        "gitRepo": "rocket",
        "gitOrg": "acme",
    }
    bare = vt.deployment_from_rest(
        {"uid": "dpl_9", "created": 0, "readyState": "BUILDING", "url": None, "meta": {}},
        vt.Project("prj_abc", "rocket"),
    )
    assert bare.title == "[Deployment Started] rocket from unknown"
    assert bare.body == "> Deployment Started" and bare.actor is None
    assert [r["type"] for r in bare.references] == ["deployment", "project"]
    assert bare.metadata["environment"] == "preview" and "teamId" not in bare.metadata


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(2000, 20_000)),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
_META_KEYS = [
    "githubCommitSha",
    "githubCommitRef",
    "githubCommitMessage",
    "githubCommitAuthorName",
    "githubCommitAuthorLogin",
    "githubOrg",
    "githubRepo",
    "githubCommitOrg",
    "githubCommitRepo",
    "githubPrId",
]
_items = st.fixed_dictionaries(
    {},
    optional={
        "uid": st.one_of(st.text(max_size=40), st.just("dpl_abc"), _scalars),
        "created": st.one_of(st.integers(0, 4_000_000_000_000), _scalars),
        "readyState": st.one_of(st.sampled_from(["READY", "ERROR", "CANCELED", "QUEUED"]), _json),
        "url": st.one_of(st.text(max_size=60), _scalars),
        "name": _json,
        "target": st.one_of(st.sampled_from(["production", "staging"]), st.none()),
        "meta": st.one_of(
            st.fixed_dictionaries({}, optional={k: _json for k in _META_KEYS}), _json
        ),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(item=st.one_of(_items, _json))
def test_any_item_becomes_an_event_or_a_counted_failure(item: Any) -> None:
    project = vt.Project(WEB.id, WEB.name, TEAM_ID)
    result = transform_item(
        item,
        lambda i: vt.deployment_from_rest(i, project),
        lambda i: str(i.get("uid")),
    )
    if isinstance(result, ItemFailure):
        assert result.reason
        return
    assert SourceEvent.model_validate(result.model_dump()) == result
    assert result.sourceId == f"deployment:{result.metadata['deploymentId']}"
    assert result.sourceType in {
        "deployment.succeeded",
        "deployment.error",
        "deployment.canceled",
        "deployment.created",
    }
    assert len(result.title) <= 200 and len(result.body) <= 10_000
    assert result.metadata["projectId"] == WEB.id
    json.dumps(result.model_dump())
