"""The Sentry simulator behaves like Sentry's REST API, deterministically and lazily."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from backfill_tui.clock import VirtualClock
from backfill_tui.simulator import Simulator, SimulatorConfig
from backfill_tui.simulator.sentry_world import PROJECT_ID

T = TypeVar("T")
ANCHOR = "2026-11-28T00:00:00Z"
ANCHOR_DT = datetime(2026, 11, 28, tzinfo=UTC)
NOW = ANCHOR_DT.timestamp() + 9 * 3600 + 0.25  # the simulator's clock: 09:00:00.25 that day
ISSUES = "/api/0/organizations/acme/issues/"
EVENTS = "/api/0/projects/acme/rocket/events/"


def api_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def window(days: int) -> dict[str, str]:
    return {"start": api_time(ANCHOR_DT - timedelta(days=days)), "end": api_time(ANCHOR_DT)}


def make_sim(options: str = "", clock: VirtualClock | None = None) -> Simulator:
    text = f"anchor={ANCHOR}" + (f",{options}" if options else "")
    return Simulator(SimulatorConfig.from_env_string(text), clock or VirtualClock(NOW))


def run(sim: Simulator, body: Callable[[httpx.AsyncClient], Awaitable[T]]) -> T:
    async def main() -> T:
        async with httpx.AsyncClient(transport=sim.transport, base_url="https://sentry.io") as c:
            return await body(c)

    return asyncio.run(main())


async def walk(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> list[Any]:
    """Every item, following ``rel="next"`` verbatim while it says ``results="true"``."""
    items: list[Any] = []
    response = await client.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        items.extend(response.json())
        following = response.links["next"]
        if following["results"] != "true":
            return items
        response = await client.get(following["url"])


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def all_issues(days: int = 30) -> dict[str, Any]:
    return {"project": str(PROJECT_ID), **window(days), "query": "", "sort": "date"}


# -- shape, determinism, paging ------------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_world() -> None:
    async def pages(client: httpx.AsyncClient) -> list[bytes]:
        first = await client.get(ISSUES, params=all_issues())
        events = await client.get(EVENTS, params={**window(30), "full": "true"})
        return [
            first.content,
            events.content,
            (await client.get(first.links["next"]["url"])).content,
        ]

    again = run(make_sim("seed=7"), pages)
    assert run(make_sim("seed=7"), pages) == again
    assert run(make_sim("seed=8"), pages) != again


def test_project_issue_and_event_shapes() -> None:
    async def body(client: httpx.AsyncClient) -> tuple[Any, list[Any], list[Any]]:
        project = (await client.get("/api/0/projects/acme/rocket/")).json()
        issues = await walk(client, ISSUES, all_issues(150))
        events = (await client.get(EVENTS, params={**window(30), "full": "true"})).json()
        return project, issues, events

    project, issues, events = run(make_sim(), body)
    assert project["id"] == str(PROJECT_ID) and project["slug"] == "rocket"
    assert project["organization"]["slug"] == "acme"
    issue = issues[0]
    for key in (
        "id",
        "shortId",
        "title",
        "culprit",
        "permalink",
        "level",
        "status",
        "firstSeen",
        "lastSeen",
        "count",
        "userCount",
        "project",
        "metadata",
        "assignedTo",
        "statusDetails",
        "substatus",
        "priority",
        "isUnhandled",
        "numComments",
    ):
        assert key in issue
    assert isinstance(issue["id"], str) and isinstance(issue["count"], str)
    assert isinstance(issue["userCount"], int)
    assert issue["project"] == {
        "id": str(PROJECT_ID),
        "name": "rocket",
        "slug": "rocket",
        "platform": "python",
    }
    assert all(i["shortId"].startswith("ROCKET-") for i in issues)
    assert len({i["shortId"] for i in issues}) == len({i["id"] for i in issues}) == len(issues)
    statuses = [i["status"] for i in issues]
    assert all(statuses.count(s) >= 100 for s in ("unresolved", "resolved", "ignored"))
    assert any(i["assignedTo"] is None for i in issues)
    assert any((i["assignedTo"] or {}).get("type") == "team" for i in issues)
    assert any("inCommit" in i["statusDetails"] for i in issues)
    assert any(i["type"] == "default" and "type" not in i["metadata"] for i in issues)
    assert any(len(i["metadata"].get("value", "")) > 80 for i in issues)
    assert any(not i["title"].isascii() for i in issues)
    for i in issues:
        assert ts(i["firstSeen"]) <= ts(i["lastSeen"])
    event = events[0]
    for key in (
        "id",
        "eventID",
        "groupID",
        "projectID",
        "title",
        "message",
        "dateCreated",
        "platform",
        "culprit",
        "location",
        "user",
        "tags",
        "metadata",
        "entries",
        "sdk",
    ):
        assert key in event
    assert len(event["eventID"]) == 32 and event["id"] == event["eventID"]
    assert event["projectID"] == str(PROJECT_ID)
    assert any(e["user"] is None for e in events) and any(e["user"] for e in events)
    exceptions = [x for e in events for x in e["entries"] if x["type"] == "exception"]
    assert (
        exceptions and "lineNo" in exceptions[0]["data"]["values"][-1]["stacktrace"]["frames"][-1]
    )
    groups = {i["id"]: i for i in issues}
    for e in events:  # an event belongs to an issue seen at or after it, with its title
        assert e["groupID"] in groups and groups[e["groupID"]]["title"] == e["title"]
        assert ts(e["dateCreated"]) <= ts(groups[e["groupID"]]["lastSeen"])


def test_link_header_is_sentrys_with_previous_next_results_and_cursor() -> None:
    async def body(client: httpx.AsyncClient) -> None:
        first = await client.get(ISSUES, params=all_issues())
        assert first.headers["x-hits"] == str(int(first.headers["x-hits"]))
        prev, nxt = first.links["previous"], first.links["next"]
        assert (prev["results"], nxt["results"]) == ("false", "true")
        # Built from Sentry's URL prefix (the organisation's domain), not the address called.
        assert first.headers["link"].startswith("<https://acme.sentry.io/api/0/organizations/acme/")
        assert '; rel="previous"; results="false"; cursor="0:0:1", <' in first.headers["link"]
        value, offset, is_prev = nxt["cursor"].split(":")
        assert int(value) == int(ts(first.json()[-1]["lastSeen"]).timestamp()) * 1000
        assert int(offset) >= 1 and is_prev == "0"
        assert nxt["url"].endswith(f"&cursor={nxt['cursor']}") and "query=&" in nxt["url"]
        second = await client.get(nxt["url"])
        assert second.links["previous"]["results"] == "true"
        back = await client.get(second.links["previous"]["url"])
        assert back.json() == first.json()
        seen = {i["id"] for i in first.json()}
        assert not seen & {i["id"] for i in second.json()}
        events = await client.get(EVENTS, params=window(90))
        assert events.links["next"]["cursor"] == "0:100:0"
        assert events.links["previous"]["cursor"] == "0:0:1"
        empty = await client.get(EVENTS, params={**window(1), "start": api_time(ANCHOR_DT)})
        assert empty.json() == [] and empty.links["next"]["results"] == "false"

    run(make_sim(), body)


def test_pages_hold_at_most_100_and_full_adds_entries() -> None:
    async def body(client: httpx.AsyncClient) -> tuple[int, int, int, Any, Any]:
        big = await client.get(ISSUES, params={**all_issues(90), "limit": "500"})
        small = await client.get(ISSUES, params={**all_issues(90), "limit": "7"})
        events = await client.get(EVENTS, params={**window(90), "per_page": "1000"})
        full = await client.get(EVENTS, params={**window(90), "full": "true", "per_page": "1"})
        return (
            len(big.json()),
            len(small.json()),
            len(events.json()),
            events.json()[0],
            full.json()[0],
        )

    big, small, n_events, simple, full = run(make_sim(), body)
    assert (big, small, n_events) == (100, 7, 100)
    assert "entries" not in simple and "sdk" not in simple and simple["metadata"]
    assert full["entries"] and full["eventID"] == simple["eventID"]


def test_query_defaults_to_unresolved_so_a_client_that_forgets_it_misses_issues() -> None:
    async def body(client: httpx.AsyncClient) -> dict[str, list[Any]]:
        base = {"project": str(PROJECT_ID), **window(90), "sort": "date"}
        return {
            "default": await walk(client, ISSUES, base),
            "empty": await walk(client, ISSUES, {**base, "query": ""}),
            "resolved": await walk(client, ISSUES, {**base, "query": "is:resolved"}),
            "text": await walk(client, ISSUES, {**base, "query": "division"}),
        }

    found = run(make_sim(), body)
    assert {i["status"] for i in found["default"]} == {"unresolved"}
    assert {i["status"] for i in found["empty"]} == {"unresolved", "resolved", "ignored"}
    assert len(found["default"]) < len(found["empty"])
    assert {i["status"] for i in found["resolved"]} == {"resolved"}
    assert found["text"] and all("division" in i["title"] for i in found["text"])
    everything = found["empty"]
    seen = [ts(i["lastSeen"]) for i in everything]
    assert seen == sorted(seen, reverse=True)  # sort=date is lastSeen, newest first


def test_windows_select_by_last_seen_and_date_created() -> None:
    sim = make_sim()
    start = ANCHOR_DT - timedelta(days=30)

    async def body(client: httpx.AsyncClient) -> tuple[list[Any], ...]:
        every = await walk(client, ISSUES, all_issues(150))
        issues = await walk(client, ISSUES, all_issues(30))
        period = await walk(
            client, ISSUES, {"project": str(PROJECT_ID), "query": "", "statsPeriod": "30d"}
        )
        events = await walk(client, EVENTS, {**window(30), "per_page": "100"})
        every_event = await walk(client, EVENTS, window(150))
        return every, issues, period, events, every_event

    every, issues, period, events, every_event = run(sim, body)
    assert [i["id"] for i in issues] == [i["id"] for i in every if ts(i["lastSeen"]) >= start]
    assert 100 < len(issues) < len(every)
    # statsPeriod ends at the simulator's clock (nine hours after the anchor): the same issues
    clock_start = datetime.fromtimestamp(NOW, UTC) - timedelta(days=30)
    assert [i["id"] for i in period] == [i["id"] for i in every if ts(i["lastSeen"]) >= clock_start]
    created = [ts(e["dateCreated"]) for e in events]
    assert created == sorted(created, reverse=True) and min(created) >= start
    assert [e["eventID"] for e in events] == [
        e["eventID"] for e in every_event if ts(e["dateCreated"]) >= start
    ]
    assert len(every_event) > 3000


def test_bad_requests_answer_like_sentry() -> None:
    async def body(client: httpx.AsyncClient) -> list[tuple[int, Any]]:
        requests = [
            ("/api/0/projects/acme/missing/", {}),
            ("/api/0/projects/other/rocket/events/", {}),
            ("/api/0/organizations/other/issues/", {}),
            ("/api/0/organizations/acme/teams/", {}),
            (ISSUES, {"start": "2026-11-01T00:00:00"}),
            (ISSUES, {"cursor": "banana"}),
            (ISSUES, {"project": "rocket"}),
            (ISSUES, {"project": "42"}),
            (ISSUES, {"statsPeriod": "30 days"}),
            (EVENTS, {"per_page": "0"}),
        ]
        answers = []
        for path, params in requests:
            r = await client.get(path, params=params)
            answers.append((r.status_code, r.json()))
        slashless = await client.get("/api/0/projects/acme/rocket", params={"a": "1"})
        answers.append((slashless.status_code, slashless.headers["location"]))
        return answers

    answers = run(make_sim(), body)
    missing = {"detail": "The requested resource does not exist"}
    assert answers[:4] == [(404, missing)] * 4
    assert answers[4] == (400, {"detail": "start and end are both required"})
    assert answers[5] == (400, {"detail": "Invalid cursor parameter."})
    assert answers[6][0] == 400 and "must be numbers" in answers[6][1]["detail"]
    assert answers[7][0] == 403
    assert [a[0] for a in answers[8:10]] == [400, 400]
    assert answers[10] == (301, "/api/0/projects/acme/rocket/?a=1")


# -- misbehaviour ------------------------------------------------------------------------------


def test_rate_limit_answer_has_no_retry_after_but_sentrys_reset_header() -> None:
    clock = VirtualClock(NOW)
    sim = make_sim("rate_limit_every=2", clock)

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.get("/api/0/projects/acme/rocket/") for _ in range(4)]

    ok, limited, _, concurrent = run(sim, body)
    assert limited.status_code == 429 and "retry-after" not in limited.headers
    assert limited.json() == {
        "detail": "You are attempting to use this endpoint too frequently. "
        "Limit is 40 requests in 1 seconds"
    }
    assert limited.headers["x-sentry-rate-limit-reset"] == str(int(NOW) + 1)
    assert limited.headers["x-sentry-rate-limit-remaining"] == "0"
    assert concurrent.status_code == 429 and "concurrency" in concurrent.json()["detail"]
    for header in ("limit", "remaining", "reset", "concurrentlimit", "concurrentremaining"):
        assert f"x-sentry-rate-limit-{header}" in ok.headers
    assert ok.headers["x-sentry-rate-limit-limit"] == "40"
    assert int(ok.headers["x-sentry-rate-limit-remaining"]) == 39


def test_retry_after_sets_how_far_the_429s_reset_is_from_its_date() -> None:
    """``retry_after=N`` (BACKFILL_SIM) sets the wait of every simulated 429, as GitHub's,
    Vercel's and Linear's honour it; Sentry sends no ``Retry-After``, so it is the distance from
    the answer's ``Date`` to its ``X-Sentry-Rate-Limit-Reset``, both in whole seconds. Sentry's
    429s said the next second whatever N was (a fresh tester's finding)."""
    sim = make_sim("rate_limit_every=2,retry_after=7")

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [await client.get("/api/0/projects/acme/rocket/") for _ in range(4)]

    ok, limited, _, concurrent = run(sim, body)
    for answer in (limited, concurrent):
        assert answer.status_code == 429 and "retry-after" not in answer.headers
        assert answer.headers["date"] == email.utils.formatdate(int(NOW), usegmt=True)
        assert answer.headers["x-sentry-rate-limit-reset"] == str(int(NOW) + 7)
    assert ok.headers["x-sentry-rate-limit-reset"] == str(int(NOW) + 1)  # Sentry's own second


def test_quota_runs_out_until_the_hour_resets() -> None:
    clock = VirtualClock(NOW)
    sim = make_sim("quota=2", clock)

    async def body(client: httpx.AsyncClient) -> httpx.Response:
        for _ in range(2):
            assert (await client.get("/api/0/projects/acme/rocket/")).status_code == 200
        return await client.get("/api/0/projects/acme/rocket/")

    out = run(sim, body)
    assert out.status_code == 429 and "retry-after" not in out.headers
    assert int(out.headers["x-sentry-rate-limit-reset"]) == int(NOW + 3600) + 1


def test_wrong_token_is_401_with_sentrys_detail() -> None:
    sim = make_sim("token=sntrys_good")

    async def body(client: httpx.AsyncClient) -> list[httpx.Response]:
        bad = await client.get(
            "/api/0/projects/acme/rocket/", headers={"Authorization": "Bearer x"}
        )
        good = await client.get(
            "/api/0/projects/acme/rocket/", headers={"Authorization": "Bearer sntrys_good"}
        )
        return [bad, good]

    bad, good = run(sim, body)
    assert (bad.status_code, bad.json()) == (401, {"detail": "Invalid token"})
    assert good.status_code == 200


def test_self_hosted_base_urls_are_served_by_path() -> None:
    sim = make_sim()

    async def body(client: httpx.AsyncClient) -> int:
        r = await client.get("https://sentry.acme.internal/api/0/projects/acme/rocket/")
        return r.status_code

    assert run(sim, body) == 200
    assert sim.requests[-1].provider == "sentry"


# -- ground truth and laziness -----------------------------------------------------------------


@pytest.mark.parametrize("days", [7, 30, 90])
def test_ground_truth_matches_a_brute_force_walk(days: int) -> None:
    sim = make_sim("seed=11")
    cutoff = ANCHOR_DT - timedelta(days=days)
    params = {"start": api_time(cutoff), "end": api_time(ANCHOR_DT + timedelta(hours=9))}

    async def body(client: httpx.AsyncClient) -> tuple[list[Any], list[Any]]:
        issues = await walk(client, ISSUES, {**params, "query": "", "project": str(PROJECT_ID)})
        events = await walk(client, EVENTS, {**params, "full": "true"})
        return issues, events

    issues, events = run(sim, body)
    actions = {"unresolved": "created", "resolved": "resolved", "ignored": "ignored"}
    walked = {f"sentry-issue:rocket:{i['shortId']}:{actions[i['status']]}" for i in issues}
    walked |= {f"sentry-error:{e['projectID']}:{e['eventID']}" for e in events}
    assert sim.ground_truth("sentry", "acme/rocket", cutoff) == walked
    assert sim.ground_truth("sentry", "acme/rocket", cutoff, {"issue"}) == {
        i for i in walked if i.startswith("sentry-issue:")
    }
    assert sim.min_pages("sentry", "acme/rocket", "issue", cutoff) == max(1, -(-len(issues) // 100))
    assert sim.min_pages("sentry", "acme/rocket", "error", cutoff) == max(1, -(-len(events) // 100))
    assert sim.ground_truth("sentry", "acme/other", cutoff) == set()


def test_huge_world_is_lazy() -> None:
    started = time.perf_counter()
    sim = make_sim("scale=250")
    assert time.perf_counter() - started < 0.5

    async def body(client: httpx.AsyncClient) -> tuple[httpx.Response, httpx.Response]:
        issues = await client.get(ISSUES, params=all_issues(90))
        events = await client.get(
            EVENTS, params={**window(90), "full": "true", "cursor": "0:100000:0"}
        )
        return issues, events

    issues, events = run(sim, body)
    assert len(issues.json()) == len(events.json()) == 100
    assert int(issues.headers["x-hits"]) > 100_000
    assert time.perf_counter() - started < 5
