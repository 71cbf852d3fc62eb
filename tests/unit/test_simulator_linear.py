"""The Linear simulator answers GraphQL like Linear: real parsing, filters, paging, errors, limits."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backfill_tui.clock import VirtualClock
from backfill_tui.simulator import Simulator, SimulatorConfig

ANCHOR = "2026-11-28T00:00:00Z"
ANCHOR_DT = datetime(2026, 11, 28, tzinfo=UTC)
KEY = "lin_api_SimTestKey0123456789"


def make_sim(options: str = "") -> Simulator:
    text = f"anchor={ANCHOR}" + (f",{options}" if options else "")
    return Simulator(SimulatorConfig.from_env_string(text), VirtualClock(1.8e9))


def post(
    sim: Simulator, query: str, variables: dict[str, Any] | None = None, auth: str | None = None
) -> httpx.Response:
    async def go() -> httpx.Response:
        headers = {"authorization": auth} if auth else None
        async with httpx.AsyncClient(transport=sim.transport, headers=headers) as client:
            return await client.post(
                "https://api.linear.app/graphql",
                json={"query": query, "variables": variables or {}},
            )

    return asyncio.run(go())


def data(sim: Simulator, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = post(sim, query, variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def walk(sim: Simulator, root: str, args: str, fields: str) -> list[dict[str, Any]]:
    """Every node of a root connection, following endCursor."""
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        query = (
            "query($after: String) { " + root + "(" + args + ", first: 100, after: $after) "
            "{ nodes { " + fields + " } pageInfo { hasNextPage endCursor } } }"
        )
        conn = data(sim, query, {"after": after})[root]
        nodes += conn["nodes"]
        assert len(conn["nodes"]) <= 100
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]


def cutoff_text(days: int) -> str:
    return (ANCHOR_DT - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_same_seed_same_bytes_other_seed_other_world() -> None:
    query = "{ issues(first: 20, orderBy: updatedAt) { nodes { id identifier title updatedAt } } }"
    a, b, c = (post(make_sim(o), query).content for o in ("", "", "seed=2"))
    assert a == b and a != c


@pytest.mark.parametrize("days", [7, 30, 90])
def test_ground_truth_matches_a_brute_force_walk(days: int) -> None:
    """Walk everything unfiltered, filter on the client, and compare with ground truth."""
    sim = make_sim()
    since = ANCHOR_DT - timedelta(days=days)
    issues = walk(
        sim,
        "issues",
        "orderBy: updatedAt, includeArchived: true",
        "identifier updatedAt team { key }",
    )
    stamps = [i["updatedAt"] for i in issues]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    ids = {
        f"linear-issue:ENG:{i['identifier']}:create"
        for i in issues
        if i["team"]["key"] == "ENG" and i["updatedAt"] >= cutoff_text(days)
    }
    comments = walk(
        sim,
        "comments",
        "orderBy: updatedAt, includeArchived: true",
        "id updatedAt issue { identifier team { key } }",
    )
    assert any(c["issue"] is None for c in comments)  # comments on project updates exist
    ids |= {
        f"linear-comment:{c['issue']['identifier']}:{c['id']}:create"
        for c in comments
        if c["issue"] and c["issue"]["team"]["key"] == "ENG" and c["updatedAt"] >= cutoff_text(days)
    }
    projects = walk(
        sim,
        "projects",
        "orderBy: updatedAt, includeArchived: true",
        "slugId updatedAt teams { nodes { key } }",
    )
    ids |= {
        f"linear-project:{p['slugId']}:create"
        for p in projects
        if any(t["key"] == "ENG" for t in p["teams"]["nodes"])
        and p["updatedAt"] >= cutoff_text(days)
    }
    assert sim.ground_truth("linear", "ENG", since) == ids
    assert len([i for i in ids if i.startswith("linear-issue")]) > (20 if days == 7 else 100)
    assert sim.ground_truth("linear", "NOPE", since) == set()


def test_server_side_filters_match_the_client_side_ones() -> None:
    sim = make_sim()
    args = (
        'filter: {team: {key: {eq: "ENG"}}, updatedAt: {gte: "' + cutoff_text(30) + '"}}, '
        "orderBy: updatedAt, includeArchived: true"
    )
    filtered = walk(sim, "issues", args, "identifier archivedAt")
    assert {i["identifier"] for i in filtered} == {
        i.split(":")[2]
        for i in sim.ground_truth("linear", "ENG", ANCHOR_DT - timedelta(days=30), {"issue"})
    }
    assert any(i["archivedAt"] for i in filtered)
    live = walk(sim, "issues", args.replace(", includeArchived: true", ""), "identifier archivedAt")
    assert not any(i["archivedAt"] for i in live) and len(live) < len(filtered)
    duration = walk(sim, "issues", args.replace(cutoff_text(30), "-P30D"), "identifier")
    assert duration == [{"identifier": i["identifier"]} for i in filtered]
    comments = walk(
        sim, "comments", 'filter: {issue: {team: {key: {eq: "OPS"}}}}', "issue { team { key } }"
    )
    assert comments and {c["issue"]["team"]["key"] for c in comments} == {"OPS"}
    projects = walk(
        sim,
        "projects",
        'filter: {accessibleTeams: {some: {key: {eq: "OPS"}}}}',
        "accessibleTeams { nodes { key } }",
    )
    assert projects and all(
        "OPS" in {t["key"] for t in p["accessibleTeams"]["nodes"]} for p in projects
    )
    teams = data(sim, '{ teams(filter: {key: {eq: "XYZ"}}) { nodes { id } } }')
    assert teams == {"teams": {"nodes": []}}


def test_paging_defaults_nested_first_aliases_and_fragments() -> None:
    sim = make_sim()
    conn = data(sim, "{ issues { nodes { id } pageInfo { hasNextPage endCursor } } }")["issues"]
    assert len(conn["nodes"]) == 50 and conn["pageInfo"]["hasNextPage"]  # Linear's default page
    query = """query { recent: issues(first: 3, orderBy: createdAt) {
                 edges { cursor node { ...F } } } }
               fragment F on Issue { createdAt labels(first: 1) { nodes { name } } }"""
    edges = data(sim, query)["recent"]["edges"]
    assert len(edges) == 3 and all(len(e["node"]["labels"]["nodes"]) <= 1 for e in edges)
    created = [e["node"]["createdAt"] for e in edges]
    assert created == sorted(created, reverse=True)
    first = data(sim, "{ issues(first: 2) { nodes { id } pageInfo { endCursor } } }")["issues"]
    after = data(
        sim,
        "query($a: String) { issues(first: 2, after: $a) { nodes { id } } }",
        {"a": first["pageInfo"]["endCursor"]},
    )["issues"]
    whole = data(sim, "{ issues(first: 4) { nodes { id } } }")["issues"]["nodes"]
    assert first["nodes"] + after["nodes"] == whole


@pytest.mark.parametrize(
    ("query", "variables", "words"),
    [
        (
            "{ issues(first: 1) { nodes { id sha } } }",
            None,
            'Cannot query field "sha" on type "Issue"',
        ),
        ("{ issues(first: 1) { nodes { team } } }", None, "must have a selection of subfields"),
        ("{ issues(first: 1 { nodes { id } } }", None, "Syntax Error"),
        ("query($t: String!) { teams(filter: {key: {eq: $t}}) { nodes { id } } }", None, '"$t"'),
        (
            '{ issues(filter: {colour: {eq: "red"}}) { nodes { id } } }',
            None,
            '"colour" is not defined',
        ),
        ('{ issues(after: "bm9wZQ") { nodes { id } } }', None, "Invalid cursor"),
        ("{ issues(first: 250) { nodes { labels { nodes { name } } } } }", None, "too complex"),
    ],
)
def test_bad_queries_answer_like_a_graphql_server(query: str, variables: Any, words: str) -> None:
    response = post(make_sim(), query, variables)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert words in errors[0]["message"] and errors[0]["extensions"]["code"]


def test_headers_report_quota_complexity_and_resets_in_milliseconds() -> None:
    sim = make_sim()
    first = post(sim, "{ issues(first: 10) { nodes { id title } } }")
    second = post(sim, "{ issues(first: 10) { nodes { id title } } }")
    assert first.headers["x-complexity"] == "12"
    assert (
        int(second.headers["x-ratelimit-requests-remaining"])
        == int(first.headers["x-ratelimit-requests-remaining"]) - 1
    )
    assert int(first.headers["x-ratelimit-requests-reset"]) == (1.8e9 + 3600) * 1000
    assert int(second.headers["x-ratelimit-complexity-remaining"]) == 3_000_000 - 24


def test_every_nth_request_is_ratelimited_the_linear_way() -> None:
    sim = make_sim("rate_limit_every=2,retry_after=3")
    answers = [post(sim, "{ teams { nodes { key } } }") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 400, 200, 400]
    for answer, budget in ((answers[1], "requests"), (answers[3], "complexity")):
        ext = answer.json()["errors"][0]["extensions"]
        assert ext["code"] == "RATELIMITED" and ext["type"] == "ratelimited"
        assert answer.headers[f"x-ratelimit-{budget}-remaining"] == "0"
        assert int(answer.headers[f"x-ratelimit-{budget}-reset"]) == (1.8e9 + 3) * 1000


def test_quota_runs_out_as_ratelimited() -> None:
    sim = make_sim("quota=2")
    statuses = [post(sim, "{ teams { nodes { key } } }").status_code for _ in range(3)]
    assert statuses == [200, 200, 400]


def test_api_keys_go_raw_and_oauth_tokens_as_bearer() -> None:
    sim = make_sim(f"token={KEY}")
    query = "{ teams { nodes { key } } }"
    assert post(sim, query, auth=KEY).status_code == 200
    for wrong in (f"Bearer {KEY}", None, "lin_api_other"):
        rejected = post(sim, query, auth=wrong)
        assert rejected.status_code == 401
        assert rejected.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"
    oauth = make_sim("token=lin_oauth_abc")
    assert post(oauth, query, auth="Bearer lin_oauth_abc").status_code == 200
    assert post(oauth, query, auth="lin_oauth_abc").status_code == 401


def test_min_pages_and_the_world_at_a_large_scale() -> None:
    sim = make_sim("scale=200")  # 180,000 issues: only the page asked for is built
    conn = data(
        sim,
        "{ issues(first: 100, orderBy: updatedAt) { nodes { identifier } pageInfo { hasNextPage } } }",
    )
    assert len(conn["issues"]["nodes"]) == 100 and conn["issues"]["pageInfo"]["hasNextPage"]
    small = make_sim()
    since = ANCHOR_DT - timedelta(days=90)
    for entity in ("issue", "comment", "project"):
        count = len(small.ground_truth("linear", "ENG", since, {entity}))
        assert small.min_pages("linear", "ENG", entity, since) == max(1, -(-count // 100))
    with pytest.raises(ValueError, match="unknown Linear entities"):
        small.ground_truth("linear", "ENG", since, {"cycle"})
    body = json.loads(post(small, "{ teams { nodes { key name } } }").content)
    assert body == {
        "data": {
            "teams": {
                "nodes": [
                    {"key": "ENG", "name": "Engineering"},
                    {"key": "OPS", "name": "Operations"},
                ]
            }
        }
    }


def test_rename_team_renames_eng_to_core_from_the_nth_query_on() -> None:
    """``rename_team=N``: the Nth query's answer and later ones see team ENG as CORE, as Linear
    does when a team's key is changed: a filter on key ENG matches nothing, one on CORE or on
    the team's id matches its issues, whose identifiers now begin CORE-; the id stays."""
    sim = make_sim("rename_team=3")
    team = "query($key: String!) { teams(filter: {key: {eq: $key}}) { nodes { id key } } }"
    issues = (
        "query($f: IssueFilter) { issues(filter: $f, first: 5, orderBy: updatedAt) "
        "{ nodes { identifier team { id key } } } }"
    )
    (before,) = data(sim, team, {"key": "ENG"})["teams"]["nodes"]
    by_key = {"team": {"key": {"eq": "ENG"}}}
    assert {n["team"]["key"] for n in data(sim, issues, {"f": by_key})["issues"]["nodes"]} == {
        "ENG"
    }
    assert data(sim, team, {"key": "ENG"})["teams"]["nodes"] == []  # the third query: renamed
    assert data(sim, issues, {"f": by_key})["issues"]["nodes"] == []
    for flt in ({"team": {"key": {"eq": "CORE"}}}, {"team": {"id": {"eq": before["id"]}}}):
        nodes = data(sim, issues, {"f": flt})["issues"]["nodes"]
        assert nodes and all(n["identifier"].startswith("CORE-") for n in nodes)
        assert {n["team"]["id"] for n in nodes} == {before["id"]}
    with pytest.raises(ValueError, match="rename_team"):
        SimulatorConfig.from_env_string("rename_team=-1")
