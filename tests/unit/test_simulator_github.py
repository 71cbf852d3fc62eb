"""The GitHub simulator behaves like GitHub's REST API, deterministically and lazily."""

from __future__ import annotations

import asyncio
import json
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from backfill_tui.clock import VirtualClock
from backfill_tui.simulator import Simulator, SimulatorConfig

T = TypeVar("T")
ANCHOR = "2026-11-28T00:00:00Z"
ANCHOR_DT = datetime(2026, 11, 28, tzinfo=UTC)
PULLS = {"state": "all", "sort": "updated", "direction": "desc", "per_page": "100"}


def make_sim(options: str = "", clock: VirtualClock | None = None) -> Simulator:
    text = f"anchor={ANCHOR}" + (f",{options}" if options else "")
    return Simulator(SimulatorConfig.from_env_string(text), clock or VirtualClock(1.8e9))


def run(
    sim: Simulator,
    body: Callable[[httpx.AsyncClient], Awaitable[T]],
    headers: dict[str, str] | None = None,
) -> T:
    async def main() -> T:
        async with httpx.AsyncClient(
            transport=sim.transport, base_url="https://api.github.com", headers=headers
        ) as client:
            return await body(client)

    return asyncio.run(main())


async def walk(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> list[Any]:
    """Every item of a list, following ``Link: rel="next"`` verbatim."""
    items: list[Any] = []
    response = await client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        items.extend(response.json())
        nxt = response.links.get("next", {}).get("url")
        if not nxt:
            return items
        response = await client.get(nxt)


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# -- configuration -----------------------------------------------------------------------------


def test_config_defaults_and_parsing() -> None:
    assert SimulatorConfig.from_env_string("") == SimulatorConfig()
    d = SimulatorConfig()
    assert (d.seed, d.faults, d.rate_limit_every, d.latency, d.clock) == (1, 0.0, None, 0.0, "real")
    assert (d.anchor, d.token, d.request_log, d.quota, d.retry_after, d.scale) == (
        None,
        None,
        None,
        5000,
        1,
        1.0,
    )
    c = SimulatorConfig.from_env_string(
        "seed=7,faults=0.15,rate_limit_every=7,latency=0.01,clock=virtual,"
        "anchor=2026-11-28T00:00:00Z,token=ghp_x,request_log=/tmp/r.jsonl,quota=5000,"
        "retry_after=1,scale=2.0"
    )
    assert (c.seed, c.faults, c.rate_limit_every, c.clock, c.scale) == (7, 0.15, 7, "virtual", 2.0)
    assert c.anchor == ANCHOR_DT and c.request_log == Path("/tmp/r.jsonl")
    assert "ghp_x" not in repr(c)
    assert SimulatorConfig.from_env_string(c.to_env_string()) == c
    offset = SimulatorConfig.from_env_string("anchor=2026-11-28T01:00:00+01:00")
    assert offset.anchor == ANCHOR_DT


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("colour=blue", "unknown simulator option 'colour'"),
        ("faults=1.5", "'faults' must be a fraction from 0 to 1"),
        ("seed=x", "'seed' must be an integer"),
        ("clock=wall", "'clock' must be 'real' or 'virtual'"),
        ("anchor=yesterday", "'anchor' must be an ISO-8601 instant"),
        ("quota=0", "'quota'"),
        ("scale", "'scale' needs a value"),
        # digits of other scripts and underscores, which int() and float() read (a tester's
        # finding: quota=\uff15 ran with a quota of 5)
        ("quota=\uff15", "'quota'"),
        ("seed=1_000", "'seed' must be an integer"),
        ("latency=\u0660.5", "'latency'"),
        ("latency=0_1", "'latency'"),
    ],
)
def test_config_errors_are_one_clear_line(text: str, names: str) -> None:
    with pytest.raises(ValueError) as err:
        SimulatorConfig.from_env_string(text)
    assert names in str(err.value) and "\n" not in str(err.value)


def test_anchor_defaults_to_start_of_clock_day() -> None:
    clock = VirtualClock(ANCHOR_DT.timestamp() + 15 * 3600 + 12.5)
    assert Simulator(SimulatorConfig(), clock).anchor == ANCHOR_DT.timestamp()


# -- shape, determinism, paging ----------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_world() -> None:
    async def pages(client: httpx.AsyncClient) -> list[bytes]:
        paths = [
            "/repos/acme/rocket/pulls",
            "/repos/acme/rocket/issues",
            "/repos/acme/rocket/commits",
            "/repos/acme/rocket/releases",
        ]
        return [(await client.get(p, params={**PULLS, "page": "2"})).content for p in paths]

    first, again = run(make_sim("seed=7"), pages), run(make_sim("seed=7"), pages)
    assert first == again
    assert run(make_sim("seed=8"), pages) != first


def test_pulls_page_with_github_links_and_repositories_form() -> None:
    sim = make_sim()

    async def body(client: httpx.AsyncClient) -> None:
        r = await client.get("/repos/acme/rocket/pulls", params=PULLS)
        for header in (
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-used",
            "x-ratelimit-reset",
            "x-github-request-id",
            "etag",
        ):
            assert header in r.headers
        assert r.headers["x-ratelimit-resource"] == "core"
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        base = (
            "https://api.github.com/repositories/1296269/pulls?state=all&sort=updated"
            "&direction=desc&per_page=100"
        )
        assert r.headers["link"] == f'<{base}&page=2>; rel="next", <{base}&page=3>; rel="last"'
        pr = r.json()[0]
        for key in (
            "id",
            "node_id",
            "number",
            "html_url",
            "state",
            "title",
            "body",
            "user",
            "labels",
            "assignees",
            "requested_reviewers",
            "created_at",
            "updated_at",
            "closed_at",
            "merged_at",
            "merge_commit_sha",
            "draft",
            "head",
            "base",
            "author_association",
        ):
            assert key in pr
        assert {"label", "ref", "sha"} <= pr["head"].keys() and pr["base"]["ref"] == "main"
        second = await client.get(r.links["next"]["url"])
        assert (
            second.json()
            == (await client.get("/repos/acme/rocket/pulls", params={**PULLS, "page": "2"})).json()
        )
        last = await client.get(second.links["next"]["url"])
        assert set(last.links) == {"prev", "first"}
        repo = (await client.get("/repositories/1296269")).json()
        assert (repo["full_name"], repo["default_branch"]) == ("acme/rocket", "main")
        single = await client.get("/repos/acme/rocket/releases", params={"per_page": "100"})
        assert "link" not in single.headers and len(single.json()) == 48

    run(sim, body)


def test_per_page_is_capped_at_100_and_defaults_to_30() -> None:
    async def body(client: httpx.AsyncClient) -> tuple[int, int]:
        big = await client.get("/repos/acme/rocket/commits", params={"per_page": "500"})
        default = await client.get("/repos/acme/rocket/commits")
        return len(big.json()), len(default.json())

    assert run(make_sim(), body) == (100, 30)


def test_pulls_are_ordered_merged_closed_and_open_consistently() -> None:
    sim = make_sim()
    prs = run(sim, lambda c: walk(c, "/repos/acme/rocket/pulls", PULLS))
    assert len(prs) == len({p["number"] for p in prs}) == 240
    updated = [ts(p["updated_at"]) for p in prs]
    assert updated == sorted(updated, reverse=True)
    for p in prs:
        assert ts(p["created_at"]) <= ts(p["updated_at"])
        if p["state"] == "open":
            assert p["closed_at"] is None and p["merged_at"] is None
        elif p["merged_at"]:
            assert p["closed_at"] == p["merged_at"]
    closed = [p for p in prs if p["state"] == "closed"]
    merged = sum(1 for p in closed if p["merged_at"])
    assert 0.45 < merged / len(closed) < 0.75
    assert any(ts(p["created_at"]) < ANCHOR_DT - timedelta(days=150) for p in prs)
    assert any(p["body"] and "Fixes #" in p["body"] for p in prs)
    assert any(p["body"] is None for p in prs)
    defaults = run(sim, lambda c: c.get("/repos/acme/rocket/pulls", params={"sort": "updated"}))
    open_prs = defaults.json()
    assert open_prs and all(p["state"] == "open" for p in open_prs)
    asc = [ts(p["updated_at"]) for p in open_prs]
    assert asc == sorted(asc)  # sort=updated defaults to direction=asc, as on GitHub


def test_issues_since_is_server_side_and_mixes_in_prs() -> None:
    sim = make_sim()
    since = "2026-10-29T00:00:00Z"

    async def body(client: httpx.AsyncClient) -> tuple[list[Any], list[Any], int]:
        everything = await walk(
            client,
            "/repos/acme/rocket/issues",
            {"state": "all", "sort": "updated", "direction": "desc", "per_page": "100"},
        )
        window = await walk(
            client, "/repos/acme/rocket/issues", {"state": "all", "since": since, "per_page": "100"}
        )
        bad = await client.get("/repos/acme/rocket/issues", params={"since": "last tuesday"})
        return everything, window, bad.status_code

    everything, window, bad_status = run(sim, body)
    cutoff = ts(since)
    expected = {i["number"] for i in everything if ts(i["updated_at"]) >= cutoff}
    assert {i["number"] for i in window} == expected and len(window) == len(expected)
    created = [ts(i["created_at"]) for i in window]
    assert created == sorted(created, reverse=True)  # default sort=created, desc
    assert any("pull_request" in i for i in window) and any("pull_request" not in i for i in window)
    pr = next(i for i in window if "pull_request" in i)
    assert {"url", "html_url", "diff_url", "patch_url", "merged_at"} <= pr["pull_request"].keys()
    assert bad_status == 422
    titles = [i["title"] for i in everything]
    assert any("<script>" in t for t in titles) and any("[bold]" in t for t in titles)
    assert any(not t.isascii() for t in titles)


def test_commits_newest_first_with_since_and_until() -> None:
    sim = make_sim()
    since, until = "2026-11-01T00:00:00Z", "2026-11-20T00:00:00Z"

    async def body(client: httpx.AsyncClient) -> tuple[list[Any], list[Any]]:
        everything = await walk(client, "/repos/acme/rocket/commits", {"per_page": "100"})
        window = await walk(
            client,
            "/repos/acme/rocket/commits",
            {"since": since, "until": until, "per_page": "100"},
        )
        return everything, window

    everything, window = run(sim, body)
    assert len(everything) == 900
    dates = [ts(c["commit"]["committer"]["date"]) for c in everything]
    assert dates == sorted(dates, reverse=True)
    expected = [
        c["sha"] for c, d in zip(everything, dates, strict=True) if ts(since) <= d <= ts(until)
    ]
    assert [c["sha"] for c in window] == expected
    assert everything[0]["parents"][0]["sha"] == everything[1]["sha"]
    assert any(c["author"] is None for c in everything)
    assert any("\n" in c["commit"]["message"] for c in everything)


def test_releases_listed_by_creation_with_drafts_and_unique_tags() -> None:
    releases = run(
        make_sim(), lambda c: walk(c, "/repos/acme/rocket/releases", {"per_page": "100"})
    )
    drafts = [r for r in releases if r["draft"]]
    assert drafts and all(r["published_at"] is None for r in drafts)
    # GitHub's order: by creation (the tagged commit's date), newest first, not by publication.
    created = [ts(r["created_at"]) for r in releases]
    assert created == sorted(created, reverse=True)
    published = [ts(r["published_at"]) for r in releases if not r["draft"]]
    assert published != sorted(published, reverse=True)
    assert all(ts(r["published_at"]) >= ts(r["created_at"]) for r in releases if not r["draft"])
    # the demo's releases published long after their creation (tagged ~60 and ~100 days ago)
    late = [
        r
        for r in releases
        if not r["draft"] and ts(r["published_at"]) - ts(r["created_at"]) > timedelta(days=50)
    ]
    assert late
    assert any(r["name"] == "" for r in releases)  # real releases can have an empty name
    assert len({r["tag_name"] for r in releases}) == len(releases)
    assert all(r["target_commitish"] == "main" for r in releases)


def test_other_repositories_and_unknown_paths_are_404() -> None:
    async def body(client: httpx.AsyncClient) -> list[int]:
        paths = [
            "/repos/acme/missing/pulls",
            "/repos/other/rocket",
            "/repositories/1/issues",
            "/repos/acme/rocket/pulls/",
            "/repos/acme/rocket/wiki",
            "/nope",
        ]
        statuses = [(await client.get(p)).status_code for p in paths]
        missing = await client.get("/repos/acme/missing")
        assert missing.json()["message"] == "Not Found"
        statuses.append((await client.get("/repos/ACME/Rocket/releases")).status_code)
        return statuses

    assert run(make_sim(), body) == [404] * 6 + [200]


# -- misbehaviour -----------------------------------------------------------------------------


async def _hammer(client: httpx.AsyncClient, n: int) -> list[str]:
    outcomes = []
    for _ in range(n):
        try:
            r = await client.get("/repos/acme/rocket/commits", params={"per_page": "10"})
        except httpx.RemoteProtocolError:
            outcomes.append("dropped")
            continue
        try:
            r.json()
            outcomes.append(str(r.status_code))
        except json.JSONDecodeError:
            outcomes.append(f"bad-json-{r.status_code}")
    return outcomes


def test_faults_are_deterministic_at_roughly_the_configured_rate() -> None:
    sim = make_sim("faults=0.2,seed=3")
    outcomes = run(sim, lambda c: _hammer(c, 300))
    assert outcomes == run(make_sim("faults=0.2,seed=3"), lambda c: _hammer(c, 300))
    faulted = [r for r in sim.requests if r.fault]
    assert 0.12 < len(faulted) / 300 < 0.28
    assert {"dropped", "bad-json-200", "bad-json-502", "503"} <= set(outcomes)
    assert all(r.status is None for r in faulted if r.fault == "dropped")
    # A faulted request never consumes quota: remaining falls by one per good answer only.
    answered = [r for r in sim.requests if r.fault is None]
    assert len(answered) == outcomes.count("200")
    after = run(sim, lambda c: c.get("/repos/acme/rocket", params={"n": "1"}))
    consumed = len(answered) + (1 if sim.requests[-1].fault is None else 0)
    assert int(after.headers["x-ratelimit-remaining"]) == 5000 - consumed


def test_every_nth_request_is_rate_limited_alternating_429_and_secondary_403() -> None:
    sim = make_sim("rate_limit_every=3,retry_after=2")

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.get("/repos/acme/rocket/releases") for _ in range(6)]

    responses = run(sim, body)
    assert [r.status_code for r in responses] == [200, 200, 429, 200, 200, 403]
    assert responses[2].headers["retry-after"] == "2"
    secondary = responses[5]
    assert "retry-after" not in secondary.headers
    assert "secondary rate limit" in secondary.json()["message"]
    assert int(secondary.headers["x-ratelimit-remaining"]) > 0
    assert [r.fault for r in sim.requests][2::3] == ["rate_limit_429", "secondary_rate_limit_403"]


def test_a_request_sent_during_a_secondary_limits_wait_is_limited_again() -> None:
    """GitHub answers a request sent while a secondary limit holds the token with another
    secondary limit ("Best practices for using the REST API"); the simulator did not, so a
    client that went on calling during the wait went unseen (a fresh tester's finding: other
    streams sent 14 requests during a 6 s ``Retry-After``). After the wait, it answers."""
    clock = VirtualClock(1.8e9)
    sim = make_sim("rate_limit_every=2,secondary_retry_after=6", clock)

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        answers = [await client.get("/repos/acme/rocket/releases") for _ in range(4)]
        answers.append(await client.get("/repos/acme/rocket/releases"))  # 0 s into the wait
        await clock.sleep(5)
        answers.append(await client.get("/repos/acme/rocket/releases"))  # 5 s into it
        await clock.sleep(1)
        answers.append(await client.get("/repos/acme/rocket/releases", params={"n": "1"}))
        return answers

    responses = run(sim, body)
    assert [r.status_code for r in responses] == [200, 429, 200, 403, 403, 403, 200]
    assert [r.headers.get("retry-after") for r in responses[3:6]] == ["6", "6", "1"]
    assert "secondary rate limit" in responses[4].json()["message"]


def test_quota_runs_out_and_resets_an_hour_later_on_the_clock() -> None:
    clock = VirtualClock(1.8e9)
    sim = make_sim("quota=3", clock)

    async def body(client: httpx.AsyncClient) -> None:
        first = await client.get("/repos/acme/rocket")
        reset = int(first.headers["x-ratelimit-reset"])
        assert reset == 1.8e9 + 3600
        for _ in range(2):
            await client.get("/repos/acme/rocket")
        out = await client.get("/repos/acme/rocket")
        assert out.status_code == 403 and out.headers["x-ratelimit-remaining"] == "0"
        assert out.json()["message"] == "API rate limit exceeded for user ID 1."
        await clock.sleep(reset - clock.now() - 1)
        assert (await client.get("/repos/acme/rocket")).status_code == 403
        await clock.sleep(1)
        back = await client.get("/repos/acme/rocket")
        assert back.status_code == 200 and back.headers["x-ratelimit-remaining"] == "2"

    run(sim, body)


def test_a_304_carries_the_rate_limit_headers_and_spends_none_of_them() -> None:
    """As GitHub answers a conditional request (a 304 "Not Modified" in GitHub's own example
    carries X-RateLimit-Limit, -Remaining and -Reset): the quota as it stands, unspent by an
    authorized 304, so a re-sync can still show it."""
    sim = make_sim("token=ghp_x")
    auth = {"Authorization": "Bearer ghp_x"}

    async def body(client: httpx.AsyncClient) -> None:
        first = await client.get("/repos/acme/rocket", headers=auth)
        etag = first.headers["etag"]
        again = await client.get("/repos/acme/rocket", headers={**auth, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        for name in ("limit", "remaining", "reset", "used", "resource"):
            assert again.headers[f"x-ratelimit-{name}"] == first.headers[f"x-ratelimit-{name}"]

    run(sim, body)
    assert sim.quota_spent("github") == 1  # the 200 only


def test_wrong_or_missing_token_is_401() -> None:
    sim = make_sim("token=ghp_x")

    async def body(client: httpx.AsyncClient) -> list[int]:
        bare = await client.get("/repos/acme/rocket")
        assert bare.json() == {
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        }
        wrong = await client.get("/repos/acme/rocket", headers={"Authorization": "Bearer nope"})
        good = await client.get("/repos/acme/rocket", headers={"Authorization": "Bearer ghp_x"})
        return [bare.status_code, wrong.status_code, good.status_code]

    assert run(sim, body) == [401, 401, 200]
    assert [r.has_auth for r in sim.requests] == [False, True, True]


def test_request_log_has_one_json_line_per_request(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    sim = make_sim(f"request_log={log},faults=0.5,seed=2")
    run(sim, lambda c: _hammer(c, 20))
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 20 == sim.request_count("/repos/acme/rocket/commits")
    assert lines[0].keys() == {"method", "url", "path", "status", "fault"}
    assert [line["fault"] for line in lines] == [r.fault for r in sim.requests]
    assert sim.request_count("/repos/acme/rocket/pulls") == 0


# -- ground truth -----------------------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 30, 90])
def test_ground_truth_matches_a_brute_force_walk(days: int) -> None:
    sim = make_sim("seed=11")
    cutoff = ANCHOR_DT - timedelta(days=days)
    full = "acme/rocket"

    async def body(client: httpx.AsyncClient) -> tuple[set[str], dict[str, int]]:
        ids: set[str] = set()
        pages: dict[str, int] = {}
        for pr in await walk(client, f"/repos/{full}/pulls", PULLS):
            if ts(pr["updated_at"]) >= cutoff:
                action = "merged" if pr["merged_at"] else pr["state"].replace("open", "opened")
                ids.add(f"pr:{full}#{pr['number']}:{action}")
        issues = await walk(
            client,
            f"/repos/{full}/issues",
            {"state": "all", "per_page": "100", "since": cutoff.strftime("%Y-%m-%dT%H:%M:%SZ")},
        )
        pages["issue"] = -(-len(issues) // 100)
        for issue in issues:
            if "pull_request" not in issue:
                action = issue["state"].replace("open", "opened")
                ids.add(f"issue:{full}#{issue['number']}:{action}")
        for rel in await walk(client, f"/repos/{full}/releases", {"per_page": "100"}):
            if not rel["draft"] and ts(rel["published_at"]) >= cutoff:
                ids.add(f"release:{full}:{rel['tag_name']}")
        commits = await walk(
            client, f"/repos/{full}/commits", {"since": cutoff.isoformat(), "per_page": "100"}
        )
        pages["push"] = -(-len(commits) // 100)
        ids.update(f"push:{full}:{c['sha']}" for c in commits)
        return ids, pages

    walked, pages = run(sim, body)
    assert sim.ground_truth("github", full, cutoff, None) == walked
    prs = sim.ground_truth("github", full, cutoff, {"pull_request"})
    assert prs == {i for i in walked if i.startswith("pr:")}
    assert sim.min_pages("github", full, "pull_request", cutoff) == max(1, -(-len(prs) // 100))
    for entity, count in pages.items():
        assert sim.min_pages("github", full, entity, cutoff) == max(1, count)
    assert sim.ground_truth("github", "acme/other", cutoff, None) == set()


# -- laziness ---------------------------------------------------------------------------------


def test_huge_world_is_lazy() -> None:
    started = time.perf_counter()
    sim = make_sim("scale=250")
    assert time.perf_counter() - started < 0.5

    async def body(client: httpx.AsyncClient) -> httpx.Response:
        return await client.get("/repos/acme/rocket/pulls", params={**PULLS, "page": "500"})

    tracemalloc.start()
    try:
        response = run(sim, body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200 and len(response.json()) == 100
    assert peak < 20 * 1024 * 1024
    assert response.links["last"]["url"].endswith("page=600")
    cutoff = ANCHOR_DT - timedelta(days=90)
    assert sim.min_pages("github", "acme/rocket", "push", cutoff) in (1350, 1351)


def test_item_random_draws_exactly_what_the_stdlib_draws() -> None:
    # ItemRandom inlines choice, randint and sample (the simulator's hottest calls): the same
    # numbers in the same order, or every generated world would change.
    import random

    from backfill_tui.simulator.world import ItemRandom

    for seed in (0, 1, 7, 2**32 + 5, 2**63 + 11, 12345678901234567890):
        ours, stdlib = ItemRandom(seed), random.Random(seed)
        for n in range(1, 24):
            population = [f"x{i}" for i in range(n)]
            assert ours.choice(population) == stdlib.choice(population)
            assert ours.choice(tuple(population)) == stdlib.choice(tuple(population))
            assert ours.randint(-3, n) == stdlib.randint(-3, n)
            for k in range(min(n, 7) + 1):
                assert ours.sample(population, k) == stdlib.sample(population, k)
                assert ours.sample(range(n), k) == stdlib.sample(range(n), k)
            assert ours.random() == stdlib.random()
        assert ours.getstate() == stdlib.getstate()
    with pytest.raises(IndexError):
        ItemRandom(1).choice([])
    with pytest.raises(ValueError):
        ItemRandom(1).sample([1, 2], 3)


def test_iso_and_node_id_write_what_the_stdlib_writes() -> None:
    import base64
    import math

    from backfill_tui.simulator.github_history import node_id
    from backfill_tui.simulator.world import hash64, iso

    moments = [*range(-(10**6), 10**6, 9973), 0, -0.5, 1.8e9 + 86399.99, 253402300799]
    for ts in moments:
        expected = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(math.floor(ts)))
        assert iso(ts) == expected
    for index in range(2000):
        raw = hash64(3, "pr:node", index).to_bytes(8, "big")
        expected = "PR_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
        assert node_id("PR_", 3, "pr", index) == expected


def test_a_page_without_floats_has_the_bytes_pydantic_writes() -> None:
    # GitHub's lists go through orjson (floats=False); the bytes are those of the usual path.
    from pydantic_core import to_json

    from backfill_tui.simulator.base import json_response

    sim = make_sim()
    world = sim.providers["github"].world  # type: ignore[attr-defined]
    items = [world.issue_json(p) for p in range(60)] + [world.commit_json(p) for p in range(60)]
    items += [world.pull_json(world.pr_position(k)) for k in range(30)]
    odd = {"big": 2**70, "text": '\x1b[31m 🚀 \u2028 "q" \\', "n": None, "t": True}
    for payload in (items, odd, [odd]):
        fast = json_response(200, payload, floats=False).content
        assert fast == to_json(payload, inf_nan_mode="constants")


def test_hash64_is_the_blake2b_of_its_text_and_commits_are_asked_in_any_order() -> None:
    # hash64 copies a kept prefix state and unpacks the digest with struct (bench/pipeline.py):
    # the very number the whole text's BLAKE2b gives; and a commit's sha, kept from when the
    # commit before it named it a parent, is the one a fresh world computes.
    import hashlib

    from backfill_tui.simulator.github_world import GitHubWorld
    from backfill_tui.simulator.world import hash64

    for seed in (0, 7, 2**40):
        for kind in ("issue", "commit:detail", "ünï"):
            for index in (*range(-3, 300), 2**64 + 1):
                text = f"{seed}:{kind}:{index}".encode()
                digest = hashlib.blake2b(text, digest_size=8).digest()
                assert hash64(seed, kind, index) == int.from_bytes(digest, "big")
    walked = GitHubWorld(5, 1.8e9, 1.0)
    in_order = [walked.commit_json(p) for p in range(40)]
    for p in (*range(39, -1, -1), 3, 3, 4):
        assert GitHubWorld(5, 1.8e9, 1.0).commit_json(p) == in_order[p]
        assert walked.commit_json(p) == in_order[p]
