"""The Vercel simulator behaves like Vercel's REST API, deterministically and lazily."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from backfill_tui.clock import VirtualClock
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.simulator.vercel_world import TEAM_ID

T = TypeVar("T")
ANCHOR = "2026-11-28T00:00:00Z"
ANCHOR_DT = datetime(2026, 11, 28, tzinfo=UTC)
WEB_ID = "prj_Rk7WbQ2mZp4Xn9Lc5Tg8Hd3Fa6Js"
TEAM = {"slug": "acme"}


def make_sim(options: str = "") -> Simulator:
    text = f"anchor={ANCHOR}" + (f",{options}" if options else "")
    return Simulator(SimulatorConfig.from_env_string(text), VirtualClock(1.8e9))


def run(
    sim: Simulator,
    body: Callable[[httpx.AsyncClient], Awaitable[T]],
    base_url: str = "https://api.vercel.com",
) -> T:
    async def main() -> T:
        async with httpx.AsyncClient(transport=sim.transport, base_url=base_url) as client:
            return await body(client)

    return asyncio.run(main())


async def walk(client: httpx.AsyncClient, params: dict[str, Any]) -> tuple[list[Any], int]:
    """Every deployment of a listing, paging with ``until=pagination.next``; and the pages."""
    items: list[Any] = []
    until, pages = None, 0
    while True:
        query = dict(params) if until is None else {**params, "until": until}
        response = await client.get("/v6/deployments", params=query)
        assert response.status_code == 200, response.text
        pages += 1
        body = response.json()
        assert body["pagination"]["count"] == len(body["deployments"])
        items.extend(body["deployments"])
        until = body["pagination"]["next"]
        if until is None:
            return items, pages


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_same_seed_same_bytes_other_seed_other_world() -> None:
    async def page(client: httpx.AsyncClient) -> bytes:
        query: dict[str, Any] = {
            "projectId": "rocket-web",
            **TEAM,
            "limit": "100",
            "until": ms(ANCHOR_DT) - 10**9,
        }
        return (await client.get("/v6/deployments", params=query)).content

    first = run(make_sim("seed=7"), page)
    assert first == run(make_sim("seed=7"), page)
    assert first != run(make_sim("seed=8"), page)


def test_list_shape_order_headers_and_limits() -> None:
    sim = make_sim()

    async def body(client: httpx.AsyncClient) -> None:
        r = await client.get("/v6/deployments", params={"projectId": WEB_ID, **TEAM})
        assert r.status_code == 200
        for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
            assert r.headers[header].isdigit()
        data = r.json()
        items = data["deployments"]
        assert len(items) == 20  # Vercel's default page
        created = [d["created"] for d in items]
        assert created == sorted(created, reverse=True) and len(set(created)) == 20
        assert data["pagination"] == {"count": 20, "next": created[-1], "prev": created[0]}
        first = items[0]
        assert first["uid"].startswith("dpl_") and len(first["uid"]) == 32
        assert first["projectId"] == WEB_ID and first["name"] == "rocket-web"
        assert first["url"].startswith("rocket-web-") and first["url"].endswith("-acme.vercel.app")
        assert first["createdAt"] == first["created"] < ms(ANCHOR_DT)
        assert first["readyState"] == "QUEUED"
        big = await client.get(
            "/v6/deployments", params={"projectId": WEB_ID, **TEAM, "limit": 500}
        )
        assert len(big.json()["deployments"]) == 100

    run(sim, body)


def test_paging_with_until_covers_the_window_exactly_once() -> None:
    sim = make_sim("seed=3")
    cutoff = ANCHOR_DT - timedelta(days=90)

    async def body(client: httpx.AsyncClient) -> tuple[list[Any], int]:
        return await walk(
            client, {"projectId": "rocket-web", **TEAM, "since": ms(cutoff) - 1, "limit": 100}
        )

    items, pages = run(sim, body)
    uids = [d["uid"] for d in items]
    assert len(uids) == len(set(uids)) > 300
    assert all(d["created"] >= ms(cutoff) for d in items)
    assert {f"deployment:{u}" for u in uids} == sim.ground_truth(
        "vercel", "acme/rocket-web", cutoff
    )
    assert sim.min_pages("vercel", "acme/rocket-web", "deployment", cutoff) == pages == 4


def test_history_has_every_state_target_and_meta_shape() -> None:
    sim = make_sim()
    items, _ = run(sim, lambda c: walk(c, {"projectId": "rocket-web", **TEAM, "limit": 100}))
    assert len(items) == 600
    created = [d["created"] for d in items]
    assert created == sorted(created, reverse=True)
    assert ms(ANCHOR_DT) - created[-1] <= 150 * 86_400_000
    states = Counter(d["readyState"] for d in items)
    assert set(states) == {"READY", "ERROR", "CANCELED", "BUILDING", "QUEUED", "INITIALIZING"}
    assert states["READY"] > len(items) // 2
    assert {d["target"] for d in items} == {"production", None}
    metas = [d["meta"] for d in items]
    assert any(m == {} for m in metas)  # CLI deployments carry no Git metadata
    assert any("githubOrg" not in m and "githubCommitOrg" in m for m in metas)
    assert any("githubCommitAuthorName" not in m and "githubCommitAuthorLogin" in m for m in metas)
    assert any("githubPrId" in m for m in metas)
    assert all(d["readyState"] == d["state"] for d in items)


def test_filters_state_target_and_project_by_name_or_id() -> None:
    sim = make_sim()

    async def body(client: httpx.AsyncClient) -> None:
        scope: dict[str, Any] = {"teamId": TEAM_ID, "limit": 100}
        errors = await client.get(
            "/v6/deployments",
            params={**scope, "projectId": "rocket-web", "state": "ERROR,CANCELED"},
        )
        assert {d["readyState"] for d in errors.json()["deployments"]} == {"ERROR", "CANCELED"}
        prod = await client.get(
            "/v6/deployments", params={**scope, "projectId": WEB_ID, "target": "production"}
        )
        assert {d["target"] for d in prod.json()["deployments"]} == {"production"}
        by_name = await client.get("/v6/deployments", params={**scope, "projectId": "rocket-web"})
        by_id = await client.get("/v6/deployments", params={**scope, "projectId": WEB_ID})
        assert by_name.content == by_id.content
        team_wide = (await client.get("/v6/deployments", params=scope)).json()["deployments"]
        assert {d["name"] for d in team_wide} == {"rocket-web", "rocket-docs"}
        window = await client.get(
            "/v6/deployments",
            params={
                **scope,
                "projectId": WEB_ID,
                "since": ms(ANCHOR_DT - timedelta(days=2)),
                "until": ms(ANCHOR_DT - timedelta(days=1)),
            },
        )
        for d in window.json()["deployments"]:
            assert (
                ms(ANCHOR_DT - timedelta(days=2)) < d["created"] < ms(ANCHOR_DT - timedelta(days=1))
            )

    run(sim, body)


def test_scopes_unknown_projects_and_bad_parameters_answer_like_vercel() -> None:
    sim = make_sim()

    async def body(client: httpx.AsyncClient) -> None:
        personal = await client.get("/v6/deployments", params={"projectId": "rocket-web"})
        assert personal.status_code == 200
        assert personal.json() == {
            "deployments": [],
            "pagination": {"count": 0, "next": None, "prev": None},
        }
        missing = await client.get("/v6/deployments", params={"projectId": "nope", **TEAM})
        assert missing.status_code == 404
        assert missing.json() == {"error": {"code": "not_found", "message": "Project not found"}}
        other = await client.get("/v6/deployments", params={"slug": "globex"})
        assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
        bad = await client.get("/v6/deployments", params={**TEAM, "since": "yesterday"})
        assert bad.status_code == 400 and "since" in bad.json()["error"]["message"]
        project = await client.get("/v9/projects/rocket-web", params={"teamId": TEAM_ID})
        assert project.status_code == 200
        assert project.json()["id"] == WEB_ID and project.json()["accountId"] == TEAM_ID
        assert (await client.get(f"/v9/projects/{WEB_ID}", params=TEAM)).json()["name"] == (
            "rocket-web"
        )
        assert (await client.get("/v9/projects/rocket-web")).status_code == 404
        assert (await client.get("/v2/teams")).status_code == 404

    run(sim, body)


def test_configured_base_url_is_routed_by_path() -> None:
    sim = make_sim()

    async def body(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get("/v9/projects/rocket-web", params=TEAM)

    response = run(sim, body, base_url="http://127.0.0.1:8765/vercel")
    assert response.status_code == 200 and response.json()["name"] == "rocket-web"
    assert sim.requests[-1].provider == "vercel"


def test_rate_limits_quota_and_bad_credentials_use_vercel_answers() -> None:
    sim = make_sim("rate_limit_every=2,retry_after=3,quota=3")

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.get("/v9/projects/rocket-web", params=TEAM) for _ in range(6)]

    responses = run(sim, body)
    statuses = [r.status_code for r in responses]
    assert statuses[1] == statuses[3] == statuses[5] == 429
    limited = responses[1]
    assert limited.headers["retry-after"] == "3"
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited.json()["error"]["limit"]["total"] == 3
    assert statuses[:5:2] == [200, 200, 200]
    quota = run(sim, body)[0]  # three served: the hourly quota is used up
    assert quota.status_code == 429 and "retry-after" not in quota.headers
    assert quota.headers["x-ratelimit-remaining"] == "0"

    locked = make_sim("token=vc_secret")

    async def auth(client: httpx.AsyncClient) -> list[httpx.Response]:
        bare = await client.get("/v9/projects/rocket-web", params=TEAM)
        good = await client.get(
            "/v9/projects/rocket-web", params=TEAM, headers={"Authorization": "Bearer vc_secret"}
        )
        return [bare, good]

    bare, good = run(locked, auth)
    assert bare.status_code == 401 and bare.json()["error"]["invalidToken"] is True
    assert good.status_code == 200


@pytest.mark.parametrize("target", ["acme/rocket-web", f"{TEAM_ID}/{WEB_ID}", "acme/prj_nope"])
def test_ground_truth_by_target_form(target: str) -> None:
    sim = make_sim()
    cutoff = ANCHOR_DT - timedelta(days=30)
    truth = sim.ground_truth("vercel", target, cutoff)
    if "nope" in target:
        assert truth == set()
    else:
        assert truth == sim.ground_truth("vercel", "acme/rocket-web", cutoff)
        assert 100 < len(truth) < 140
    assert sim.ground_truth("vercel", "rocket-web", cutoff) == set()  # personal scope
    with pytest.raises(ValueError, match="unknown Vercel entities"):
        sim.ground_truth("vercel", target, cutoff, {"deploys"})


def test_huge_world_is_lazy() -> None:
    sim = make_sim("scale=500")

    async def body(client: httpx.AsyncClient) -> httpx.Response:
        deep = ms(ANCHOR_DT - timedelta(days=120))
        return await client.get(
            "/v6/deployments", params={"projectId": WEB_ID, **TEAM, "until": deep, "limit": 100}
        )

    response = run(sim, body)
    assert len(response.json()["deployments"]) == 100
    cutoff = ANCHOR_DT - timedelta(days=90)
    assert sim.min_pages("vercel", "acme/rocket-web", "deployment", cutoff) in (1800, 1801)
