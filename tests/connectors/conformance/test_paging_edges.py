"""Paging and protocol edges every provider shares (issue 9 items 3, 6, 7, 8).

Each case is an answer real accounts give (provider-apis.md §6), run through the real engine,
connectors and HTTP layer: at the HTTP level with respx, or end to end against a simulator
quirk (``BACKFILL_SIM`` keys). docs/real-world.md "Paging and protocol edges" names each test.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from support import run_cli, simulated_engine, stored_ids

from backfill_tui.clock import VirtualClock
from backfill_tui.engine import progress as ev
from backfill_tui.engine.environment import Environment
from backfill_tui.engine.live import RunProgress
from backfill_tui.engine.run import Engine, RunRequest, SourceSpec
from backfill_tui.http import (
    ApiClient,
    GitHubPolicy,
    LinearPolicy,
    PagingGuard,
    PagingStalled,
    ResilientTransport,
    RetriesExhausted,
    RetryRules,
    SentryPolicy,
    VercelPolicy,
    parse_retry_after,
)
from backfill_tui.store import Mirror

FUTURE = "2099-01-01T00:00:00Z"
FUTURE_MS = 4_070_908_800_000  # 2099-01-01 in epoch milliseconds
TOKENS = {"github": "ghp_edge", "sentry": "sntrys_edge", "vercel": "vercel_edge",
          "linear": "lin_api_edge"}  # fmt: skip
SOURCES = {"github": "github:acme/rocket", "sentry": "sentry:acme/rocket",
           "vercel": "vercel:acme/rocket-web", "linear": "linear:ENG"}  # fmt: skip
ENTITY = {"github": "pull_request", "sentry": "issue", "vercel": "deployment", "linear": "issue"}
ENV = {"github": "GITHUB_TOKEN", "sentry": "SENTRY_AUTH_TOKEN", "vercel": "VERCEL_TOKEN",
       "linear": "LINEAR_API_KEY"}  # fmt: skip


# -- one provider's pages at the HTTP level ------------------------------------------------------

Page = tuple[int, str | None]  # (items on the page, the page's next pointer or None)


def _github_item(n: int) -> dict[str, Any]:
    return {"id": n, "number": n, "state": "open", "title": f"PR {n}", "body": None,
            "html_url": f"https://github.com/acme/rocket/pull/{n}", "user": {"id": 7, "login": "ada"},
            "updated_at": FUTURE, "created_at": FUTURE,
            "head": {"ref": "f", "sha": "a" * 40}, "base": {"ref": "main"}}  # fmt: skip


def _sentry_item(n: int) -> dict[str, Any]:
    return {"id": str(n), "shortId": f"ROCKET-{n}", "title": "KeyError", "status": "unresolved",
            "lastSeen": FUTURE, "firstSeen": FUTURE, "metadata": {"type": "KeyError"},
            "project": {"id": "7", "slug": "rocket", "name": "rocket"}}  # fmt: skip


def _raw(n: Any, item: Callable[[int], Any]) -> Any:
    """The item numbered ``n`` (an int); anything else is listed as it is (``null``, ``"x"``)."""
    return item(n) if type(n) is int else n


def mock_provider(
    respx_mock: respx.MockRouter,
    name: str,
    pages: list[Page],
    numbering: Callable[[int, int], list[Any]] | None = None,
) -> respx.Route:
    """Serve one stream's pages in order (the last one repeats); returns the listing route.
    ``numbering(page index, count)`` numbers a page's items (each page's own by default); a
    value that is no int is listed as it is."""
    answers: list[httpx.Response] = []
    for number, (count, following) in enumerate(pages):
        items = (
            numbering(number, count)
            if numbering is not None
            else [n + 100 * number for n in range(1, count + 1)]
        )
        if name == "github":
            headers = {"Link": f'<{following}>; rel="next"'} if following else {}
            answers.append(
                httpx.Response(200, json=[_raw(n, _github_item) for n in items], headers=headers)
            )
        elif name == "sentry":
            link = (
                f'<{following}>; rel="next"; results="true"; cursor="x"'
                if following
                else '<https://sentry.io/x?cursor=0:0:0>; rel="next"; results="false"; cursor="0"'
            )
            answers.append(
                httpx.Response(
                    200, json=[_raw(n, _sentry_item) for n in items], headers={"Link": link}
                )
            )
        elif name == "vercel":
            deployments = [_raw(n, lambda n: {"uid": f"dpl_{n}", "name": "rocket-web",
                            "url": f"r-{n}.vercel.app", "created": FUTURE_MS - n,
                            "state": "READY", "target": None}) for n in items]  # fmt: skip
            nxt = int(following) if following else None
            answers.append(
                httpx.Response(
                    200,
                    json={
                        "deployments": deployments,
                        "pagination": {"count": len(items), "next": nxt, "prev": None},
                    },
                )
            )
        else:
            nodes = [_raw(n, lambda n: {"id": f"issue-{n}", "updatedAt": FUTURE}) for n in items]
            answers.append(
                httpx.Response(
                    200,
                    json={
                        "data": {
                            "issues": {
                                "nodes": nodes,
                                "pageInfo": {
                                    "hasNextPage": following is not None,
                                    "endCursor": following,
                                },
                            }
                        }
                    },
                )
            )
    served = iter(answers)
    last: list[httpx.Response] = []

    def next_answer(request: httpx.Request) -> httpx.Response:
        answer = next(served, None)
        if answer is None:
            answer = last[0]
        last[:] = [answer]
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

    if name == "github":
        respx_mock.get("https://api.github.com/repos/acme/rocket").respond(
            200, json={"id": 42, "full_name": "acme/rocket", "default_branch": "main",
                       "html_url": "https://github.com/acme/rocket"})  # fmt: skip
        return respx_mock.get(url__regex=r"https://api\.github\.com/(repos/acme/rocket|repositories/42)/pulls")\
            .mock(side_effect=next_answer)  # fmt: skip
    if name == "sentry":
        respx_mock.get("https://sentry.io/api/0/projects/acme/rocket/").respond(
            200, json={"id": "7", "slug": "rocket", "name": "rocket"}
        )
        return respx_mock.get(url__startswith="https://sentry.io/api/0/organizations/acme/issues/")\
            .mock(side_effect=next_answer)  # fmt: skip
    if name == "vercel":
        respx_mock.get(url__startswith="https://api.vercel.com/v9/projects/rocket-web").respond(
            200, json={"id": "prj_1", "name": "rocket-web", "accountId": "team_1"}
        )
        return respx_mock.get(url__startswith="https://api.vercel.com/v6/deployments")\
            .mock(side_effect=next_answer)  # fmt: skip

    team = httpx.Response(
        200,
        json={
            "data": {
                "teams": {
                    "nodes": [
                        {
                            "id": "t1",
                            "key": "ENG",
                            "name": "Engineering",
                            "organization": {"id": "o1"},
                        }
                    ]
                }
            }
        },
    )

    def graphql(request: httpx.Request) -> httpx.Response:
        if "teams(filter" in json.loads(request.content)["query"]:
            return team
        return next_answer(request)

    return respx_mock.post("https://api.linear.app/graphql").mock(side_effect=graphql)


def listing_calls(name: str, route: respx.Route) -> int:
    """Requests for the stream's pages (Linear's route also answered the team query)."""
    return route.call_count - (1 if name == "linear" else 0)


def run_engine(
    tmp_path: Path, name: str, env: dict[str, str] | None = None, entity: str | None = None
) -> tuple[str, Any]:
    """One stream of one provider through the engine; (run status, the stream's record)."""
    environment = Environment(env={ENV[name]: TOKENS[name], **(env or {})})
    mirror = Mirror.open(tmp_path / f"{name}.db")
    engine = Engine(mirror, environment)
    run = engine.plan(RunRequest("demo", (SourceSpec.parse(SOURCES[name]),),
                                 entities=frozenset({entity or ENTITY[name]})))  # fmt: skip
    status = asyncio.run(engine.run(run.id))
    (stream,) = mirror.streams(run.id)
    mirror.close()
    return status, stream


def pointer(name: str, n: int) -> str:
    """The provider's n-th distinct next-page pointer, in its own form."""
    return {
        # GitHub's own form: the repository's id (the lookup's), the query kept but its page
        "github": f"https://api.github.com/repositories/42/pulls?state=all&page={n}",
        "sentry": f"https://sentry.io/api/0/organizations/acme/issues/?cursor=0:{n}00:0",
        "vercel": str(FUTURE_MS - 1000 * n),
        "linear": f"cursor-{n}",
    }[name]


PROVIDERS = ["github", "sentry", "vercel", "linear"]


# -- item 6: paging that never ends ---------------------------------------------------------------


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_an_empty_page_that_claims_more_fails_the_stream(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    listing = mock_provider(respx_mock, name, [(2, pointer(name, 1)), (0, pointer(name, 2))])
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status) == ("failed", "failed")
    assert "empty page that claims more follow" in (stream.error or "")
    assert listing_calls(name, listing) == 2  # asked once, never again
    assert stream.fetched == 2  # the first page is kept


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_a_pointer_already_read_fails_the_stream(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    # Page 1 → 2 → 3 → back to page 2's pointer: a loop (Vercel's `until` must also fall).
    pages = [(1, pointer(name, 1)), (1, pointer(name, 2)), (1, pointer(name, 1))]
    listing = mock_provider(respx_mock, name, pages)
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status) == ("failed", "failed")
    assert "next-page pointer" in (stream.error or "")
    assert listing_calls(name, listing) == 3
    # Every page read is kept, the one carrying the pointer too: Vercel's connector refuses an
    # `until` that does not fall (its list is newest first) once that page is stored.
    assert stream.fetched == 3


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_a_server_that_ignores_the_cursor_fails_the_stream(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    """Sentry answered the same 100 events on every page, each time with a new cursor: the
    stream paged until ``--max-items`` (1000 fetched, 100 new, 900 duplicates) and reported
    completed, exit 0; with a huge ``--max-items`` it would have asked millions of times (a
    fresh tester's finding). A page after the first listing only items this stream already
    read now ends it (``PagingGuard``), whatever carries the pointer: a ``Link`` URL, a cursor,
    an ``until``, an ``endCursor``."""
    pages = [(3, pointer(name, n)) for n in range(1, 6)]
    listing = mock_provider(respx_mock, name, pages, numbering=lambda _page, count: [1, 2, 3])
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status) == ("failed", "failed")
    # not prefixed with the stream's key: every line that says it names the stream already
    assert stream.error == (
        "the provider's next page repeated only items already read (page 2 of this run, 3 "
        "items): the server ignores the cursor; stopped here rather than read them again"
    )
    assert listing_calls(name, listing) == 2  # never asked a third time


def _shifted(page: int, count: int) -> list[int]:
    """Each page after the first begins with the item that ended the page before (an item
    moved to the front between two pages, so the list shifted by one)."""
    first = 1 + page * (count - 1)
    return list(range(first, first + count))


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_one_item_read_again_on_each_page_does_not_stop_the_stream(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    """A list that shifts while it is read repeats an item on the next page, among new ones:
    that is not a server ignoring the cursor, and the stream reads on to its end."""
    pages = [(3, pointer(name, 1)), (3, pointer(name, 2)), (3, None)]
    listing = mock_provider(respx_mock, name, pages, numbering=_shifted)
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status, stream.error) == ("completed", "completed", None)
    assert listing_calls(name, listing) >= 3  # GitHub's pulls then read page 1 again


def _last_repeats_first(page: int, count: int) -> list[int]:
    """Page 3 (the last, no next) lists page 1's items again, item for item."""
    return [n + 100 * (0 if page == 2 else page) for n in range(1, count + 1)]


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_a_last_page_that_repeats_an_earlier_page_fails_the_stream(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    """A last page (no next) that lists page 1's items again, as a broken proxy or cache may
    answer: it completed the stream, the repeats counted duplicates (a fresh tester's
    finding). The stream fails saying which page it repeats; the pages before are kept."""
    pages = [(3, pointer(name, 1)), (3, pointer(name, 2)), (3, None)]
    listing = mock_provider(respx_mock, name, pages, numbering=_last_repeats_first)
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status) == ("failed", "failed")
    assert stream.error == (
        "page 3 repeats page 1 of this run, item for item (3 items): a proxy or cache "
        "answering an earlier page again; stopped rather than call the list complete"
    )
    # every page read is kept, the repeat too (its items already stored): 6 items, not 9
    # (Linear's bare nodes here fail as items, each read counted)
    assert stream.fetched == 9 and (name == "linear" or stream.new == 6)
    assert listing_calls(name, listing) <= 4  # GitHub and Sentry then read page 1 again


def _last_shares_two_of_page_one(page: int, count: int) -> list[int]:
    """Page 3 lists two of page 1's items (moved down as new ones arrived) and one new one."""
    return [1, 2, 301] if page == 2 else [n + 100 * page for n in range(1, count + 1)]


@pytest.mark.parametrize("name", PROVIDERS)
@respx.mock(assert_all_called=False)
def test_a_last_page_with_some_items_of_an_earlier_page_completes(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str
) -> None:
    """Items move between pages as new ones arrive mid-run: a last page holding some of an
    earlier page's items, not all of them, is a list that shifted and completes the stream."""
    pages = [(3, pointer(name, 1)), (3, pointer(name, 2)), (3, None)]
    mock_provider(respx_mock, name, pages, numbering=_last_shares_two_of_page_one)
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status, stream.error) == ("completed", "completed", None)
    assert stream.fetched == 9 and (name == "linear" or stream.new == 7)


@pytest.mark.parametrize(
    ("pulls", "ends"), [("the same", "failed"), ("new", "completed")], ids=["same", "new"]
)
@respx.mock(assert_all_called=False)
def test_github_issues_skipped_pull_requests_count_in_a_page_of_repeats(
    respx_mock: respx.MockRouter, tmp_path: Path, pulls: str, ends: str
) -> None:
    """GitHub's issues list holds pull requests, which the issue stream skips. A server that
    ignores ``page`` answers the same issue and pull requests again: a page of repeats, which
    stops the stream. When only the issue comes again, among pull requests not listed before,
    the page is new (a shifted list), and the stream reads on: the skipped items' keys count
    (``Page.skipped_keys``)."""
    respx_mock.get("https://api.github.com/repos/acme/rocket").respond(
        200, json={"id": 42, "full_name": "acme/rocket", "default_branch": "main",
                   "html_url": "https://github.com/acme/rocket"})  # fmt: skip
    issue = {**_github_item(1), "labels": [], "assignees": []}

    def listing(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        numbers = [2, 3] if pulls == "the same" else [2 * page, 2 * page + 1]
        items = [issue] + [{**_github_item(n), "pull_request": {}} for n in numbers]
        link = f'<https://api.github.com/repos/acme/rocket/issues?page={page + 1}>; rel="next"'
        return httpx.Response(200, json=items, headers={"Link": link} if page < 3 else {})

    issues = respx_mock.get(url__startswith="https://api.github.com/repos/acme/rocket/issues")
    issues.mock(side_effect=listing)
    status, stream = run_engine(tmp_path, "github", entity="issue")
    assert (status, stream.status) == (ends, ends)
    if ends == "failed":
        assert "repeated only items already read (page 2 of this run, 3 items)" in (
            stream.error or ""
        )
        assert issues.call_count == 2


@respx.mock(assert_all_called=False)
def test_pages_of_items_with_no_readable_key_are_not_taken_for_repeats(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    """Malformed items carry keys that do not tell them apart (a GitHub pull request without its
    number fails as ``#None``, one whose key cannot be read as ``?``): two pages of them are
    not the same items read again, and the stream reads on to its end."""
    respx_mock.get("https://api.github.com/repos/acme/rocket").respond(
        200, json={"id": 42, "full_name": "acme/rocket", "default_branch": "main",
                   "html_url": "https://github.com/acme/rocket"})  # fmt: skip

    def listing(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        link = f'<https://api.github.com/repos/acme/rocket/pulls?page={page + 1}>; rel="next"'
        return httpx.Response(200, json=[{}, {}], headers={"Link": link} if page < 3 else {})

    pulls = respx_mock.get(url__startswith="https://api.github.com/repos/acme/rocket/pulls")
    pulls.mock(side_effect=listing)
    _status, stream = run_engine(tmp_path, "github")
    assert "repeated only items" not in (stream.error or "")
    # Every page read, and the first once more (the catch-up: a keyless item ends it).
    assert (stream.status, stream.failed) == ("completed", 6)
    assert pulls.call_count == 4


def test_a_page_with_skipped_items_whose_keys_are_unknown_is_not_judged() -> None:
    """A page whose skipped items' keys its stream could not read may hold new items among
    them: such a page never stops the stream for repeating items."""
    guard = PagingGuard("linear:ENG/comment", None)
    guard.check("cursor-1", 2, ["a", "b"])
    guard.check("cursor-2", 3, ["a"], every=False)  # a skipped item of unknown key
    with pytest.raises(PagingStalled, match=r"page 3 of this run, 1 item\)"):
        guard.check("cursor-3", 1, ["a"])


def test_sentrys_repeating_cursor_ends_the_run(tmp_path: Path, anchor: str) -> None:
    """BACKFILL_SIM repeat_cursor=3: from page 3 on, an empty page with results="true" repeats."""
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual,repeat_cursor=3")
    run_id = sim.run("sentry:acme/rocket", days=90)
    streams = {s.entity: s for s in sim.mirror.streams(run_id)}
    for entity in ("issue", "error"):
        assert streams[entity].status == "failed"
        assert "empty page that claims more follow" in (streams[entity].error or "")
        assert streams[entity].fetched == 200  # pages 1 and 2 are stored
    assert sim.simulator.request_count("/api/0/organizations/acme/issues/") == 3


# -- item 6: answers that never finish ------------------------------------------------------------


class _Trickle(httpx.AsyncByteStream):
    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for byte in b'[{"id": 1}]':
            yield bytes([byte])
            await asyncio.sleep(2)


@respx.mock
def test_a_trickled_body_meets_the_whole_request_deadline(respx_mock: respx.MockRouter) -> None:
    respx_mock.get("https://api.github.com/x").mock(
        side_effect=lambda request: httpx.Response(
            200, headers={"content-type": "application/json"}, stream=_Trickle()
        )
    )
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(), provider_label="GitHub", base_url="https://api.github.com",
        auth_header="Bearer t", policy=GitHubPolicy(), clock=VirtualClock(),
        rules=RetryRules(max_attempts=3, deadline=0.05))  # fmt: skip
    client = ApiClient(label="GitHub", base_url="https://api.github.com", transport=transport)

    async def go() -> None:
        try:
            await client.get("/x")
        finally:
            await client.aclose()

    with pytest.raises(RetriesExhausted) as info:
        asyncio.run(go())
    assert str(info.value) == (
        "GitHub: gave up after 3 tries (no complete answer within 0.05s, the whole-request "
        "deadline, api.github.com)"
    )


@pytest.mark.parametrize("name", PROVIDERS)
def test_trickled_answers_are_retried_and_the_run_stays_exact(
    tmp_path: Path, anchor: str, name: str
) -> None:
    """BACKFILL_SIM trickle=2: every second answer trickles; each is cut off and asked again."""
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual,trickle=2")
    sim.engine.environment.retry_rules = RetryRules(deadline=0.05)
    run_id = sim.run(SOURCES[name], days=7)
    run = sim.mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    truth = sim.simulator.ground_truth(name, SOURCES[name].split(":", 1)[1],
                                       datetime.fromisoformat(run.since))  # fmt: skip
    assert set(stored_ids(tmp_path / "m.db")) == truth
    assert any(r.fault == "trickled" for r in sim.simulator.requests)


def test_an_answer_that_never_finishes_fails_its_source_with_a_clear_line(
    tmp_path: Path, anchor: str
) -> None:
    sim = simulated_engine(tmp_path / "m.db", f"anchor={anchor},clock=virtual,trickle=1")
    sim.engine.environment.retry_rules = RetryRules(deadline=0.05)
    run_id = sim.run("vercel:acme/rocket-web")
    (stream,) = sim.mirror.streams(run_id)
    assert stream.status == "failed"
    assert stream.error == (
        "Vercel: gave up after 6 tries (no complete answer within 0.05s, the whole-request "
        "deadline, api.vercel.com)"
    )


# -- item 3: next-page links whose origin differs -------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "base"),
    [
        (None, None),  # sentry.io: Links on the organisation's domain https://acme.sentry.io
        ("http://sentry-web:9000", "https://errors.acme.internal"),  # scheme, host, port differ
        ("http://sentry-web:9000", "https://errors.acme.internal/sentry"),  # and a base path
    ],
)
def test_sentry_links_from_its_own_url_prefix_are_rebased(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str | None,
    base: str | None,
) -> None:
    text = f"anchor={anchor},clock=virtual" + (f",url_prefix={prefix}" if prefix else "")
    if base is not None:
        monkeypatch.setenv("BACKFILL_SENTRY_API_URL", base)
    sim = simulated_engine(tmp_path / "m.db", text)
    run_id = sim.run("sentry:acme/rocket", days=30)
    run = sim.mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    truth = sim.simulator.ground_truth("sentry", "acme/rocket", datetime.fromisoformat(run.since))
    assert set(stored_ids(tmp_path / "m.db")) == truth
    host = httpx.URL(base or "https://sentry.io").host
    assert {r.host for r in sim.simulator.requests} == {host}
    assert sum(1 for r in sim.simulator.requests if "cursor=" in r.url) > 2  # pages were followed


def test_a_sentry_link_outside_the_base_path_fails_naming_what_differs(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", "https://errors.acme.internal/sentry")
    # The server's prefix has another path: its Links name /internal/sentry/api/0/...
    sim = simulated_engine(
        tmp_path / "m.db",
        f"anchor={anchor},clock=virtual,url_prefix=http://sentry-web:9000/internal",
    )
    run_id = sim.run("sentry:acme/rocket", days=30, entities={"error"})
    (stream,) = sim.mirror.streams(run_id)
    assert stream.status == "failed" and stream.fetched == 100  # page 1 kept
    assert stream.error is not None and stream.error.startswith(
        "Sentry: a next-page link to http://sentry-web:9000 cannot be followed: scheme http, not "
        "https; host sentry-web, not errors.acme.internal; port 9000, not 443; its path "
        "/internal/sentry/api/0/projects/acme/rocket/events/ lies outside the base path /sentry/"
    )
    assert {r.host for r in sim.simulator.requests} == {"errors.acme.internal"}


def test_a_proxy_prefixed_sentry_link_fails_against_a_base_url_with_no_path(
    tmp_path: Path, anchor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh tester's finding: with the base ``http://127.0.0.1:8702`` every path lay under
    the base path "/", so the server's ``/internal/api/0/…`` links were asked on 127.0.0.1,
    404'd, and the stream completed "deleted or hidden" with the rest of the project missing.
    Only a path under ``/api/0`` (Sentry's request prefix) is rebased; this one fails."""
    monkeypatch.setenv("BACKFILL_SENTRY_API_URL", "http://127.0.0.1:8702")
    sim = simulated_engine(
        tmp_path / "m.db",
        f"anchor={anchor},clock=virtual,url_prefix=http://sentry-web:9000/internal",
    )
    run_id = sim.run("sentry:acme/rocket", days=30, entities={"error"})
    (stream,) = sim.mirror.streams(run_id)
    assert stream.status == "failed" and stream.fetched == 100  # page 1 kept
    assert stream.note is None
    assert stream.error is not None and stream.error.startswith(
        "Sentry: a next-page link to http://sentry-web:9000 cannot be followed: host "
        "sentry-web, not 127.0.0.1; port 9000, not 8702; its path "
        "/internal/api/0/projects/acme/rocket/events/ lies outside /api/0/, the API's path"
    )
    assert {r.host for r in sim.simulator.requests} == {"127.0.0.1"}
    assert not any(
        r.url.startswith("/internal") or "/internal/" in r.url for r in sim.simulator.requests
    )


@pytest.mark.parametrize("name", ["github", "sentry"])
@pytest.mark.parametrize(
    "origin", ["http://api.internal", "https://other.example:8443", "https://proxy.example"]
)
@respx.mock(assert_all_called=False)
def test_a_link_on_another_origin_under_the_base_path_is_rebased(
    respx_mock: respx.MockRouter, tmp_path: Path, name: str, origin: str
) -> None:
    base = {"github": "https://api.github.com", "sentry": "https://sentry.io"}[name]
    second = pointer(name, 1).replace(base, origin)
    listing = mock_provider(respx_mock, name, [(1, second), (1, None)])
    foreign = respx_mock.route(host=httpx.URL(origin).host).respond(200, json=[])
    status, stream = run_engine(tmp_path, name)
    assert (status, stream.status, stream.fetched) == ("completed", "completed", 2)
    assert str(listing.calls[1].request.url) == pointer(name, 1)  # path and query, on the base
    assert not foreign.called
    for call in respx_mock.calls:
        assert call.request.url.host == httpx.URL(base).host
        assert call.request.headers["authorization"] == f"Bearer {TOKENS[name]}"


# -- item 7: Retry-After as an HTTP date ----------------------------------------------------------

NOW = 1_900_000_000.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("0", 0.0),
        (email.utils.formatdate(NOW + 3, usegmt=True), 3.0),  # IMF-fixdate
        (email.utils.formatdate(NOW - 60, usegmt=True), 0.0),  # already past
        (
            datetime.fromtimestamp(NOW + 7, UTC).strftime("%A, %d-%b-%y %H:%M:%S GMT"),
            7.0,
        ),  # RFC 850
        (datetime.fromtimestamp(NOW + 9, UTC).strftime("%a %b %d %H:%M:%S %Y"), 9.0),  # asctime
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (GitHubPolicy(), 429),
        (VercelPolicy(jitter=0), 429),
        (SentryPolicy(), 429),
        (LinearPolicy(), 429),
    ],
)
def test_every_policy_waits_as_long_as_an_http_date_retry_after_says(
    policy: Any, status: int
) -> None:
    response = httpx.Response(
        status, headers={"retry-after": email.utils.formatdate(NOW + 3, usegmt=True)}, json={}
    )
    answer = policy.limit_answer(response, {}, NOW)
    assert answer is not None and answer.seconds == pytest.approx(3.0)


def test_vercels_date_retry_after_waits_seconds_not_a_minute(tmp_path: Path, anchor: str) -> None:
    sim = simulated_engine(
        tmp_path / "m.db",
        f"anchor={anchor},clock=virtual,rate_limit_every=2,retry_after=3,retry_after_form=date",
    )
    waits: list[ev.RateLimitWait] = []
    sim.engine.subscribe(lambda e: waits.append(e) if isinstance(e, ev.RateLimitWait) else None)
    run_id = sim.run("vercel:acme/rocket-web", days=90)
    limited = [r for r in sim.simulator.requests if r.status == 429]
    assert limited and len(waits) == len(limited)
    # The date names a whole second 3-4 s ahead; Vercel's CLI skew adds up to 5 s. Never 60 s.
    assert all(2.0 <= w.seconds <= 9.5 for w in waits), [w.seconds for w in waits]
    run = sim.mirror.get_run(run_id)
    assert run is not None and run.status == "completed"


# -- item 8: Linear's complexity budget ------------------------------------------------------------


def test_linear_paces_on_its_complexity_budget_and_keeps_the_reserve(
    tmp_path: Path, anchor: str
) -> None:
    sim = simulated_engine(
        tmp_path / "m.db", f"anchor={anchor},clock=virtual,complexity_quota=40000"
    )
    events: list[Any] = []
    sim.engine.subscribe(events.append)
    run_id = sim.run("linear:ENG", days=90)
    run = sim.mirror.get_run(run_id)
    assert run is not None and run.status == "completed"
    linear = sim.simulator.providers["linear"]
    assert linear.complexity_refusals == 0  # type: ignore[attr-defined]  # paced, never refused
    reserve = [e for e in events if isinstance(e, ev.RateLimitWait)]
    # Either reason of the pacing rule (http/transport.py, _reserve_reason): the reserve kept,
    # or the next query's cost (the costliest seen) more than what is left above it. Which one
    # a wait gives depends on which query answered first: the streams run side by side, and an
    # order where a costly page lands early gave the second (a failure seen in the suite).
    costly = re.compile(
        r"the next query may cost [\d,]+ complexity points, more than the [\d,]+ of 40,000 "
        r"complexity points left"
    )
    assert reserve and all(
        w.reason == "keeping 4000 of 40000 complexity points in reserve"
        or costly.fullmatch(w.reason)
        for w in reserve
    )
    seen = [b for e in events if isinstance(e, ev.PageStored) for b in e.budgets]
    assert {b.name for b in seen} == {"requests", "complexity"}
    assert min(b.remaining for b in seen if b.name == "complexity") >= 4000
    truth = sim.simulator.ground_truth("linear", "ENG", datetime.fromisoformat(run.since))
    assert set(stored_ids(tmp_path / "m.db")) == truth
    # The dashboard's source state holds both budgets.
    progress = RunProgress(run, sim.mirror.streams(run_id), started_at=0.0)
    for event in events:
        progress.apply(event, now=0.0)
    source = progress.sources["linear:ENG"]
    assert set(source.budgets) == {"requests", "complexity"}
    assert source.budgets["complexity"][1] == 40000


def test_linear_reads_both_budgets_from_the_headers() -> None:
    reset = int((NOW + 1800) * 1000)
    response = httpx.Response(200, json={}, headers={
        "x-ratelimit-requests-limit": "1500", "x-ratelimit-requests-remaining": "1490",
        "x-ratelimit-requests-reset": str(reset), "x-complexity": "2900",
        "x-ratelimit-complexity-limit": "250000", "x-ratelimit-complexity-remaining": "24000",
        "x-ratelimit-complexity-reset": str(reset)})  # fmt: skip
    requests, complexity = LinearPolicy().quotas(response)
    assert (requests.name, requests.remaining, requests.limit) == ("requests", 1490, 1500)
    assert (complexity.name, complexity.remaining, complexity.limit, complexity.cost) == (
        "complexity",
        24000,
        250000,
        2900,
    )
    assert complexity.reset_at == pytest.approx(NOW + 1800)


@respx.mock
def test_the_complexity_reserve_waits_for_the_reset_before_spending_into_it(
    respx_mock: respx.MockRouter,
) -> None:
    reset = NOW + 1200
    headers = {
        "x-ratelimit-requests-limit": "1500", "x-ratelimit-requests-remaining": "1400",
        "x-ratelimit-requests-reset": str(int(reset * 1000)), "x-complexity": "3000",
        "x-ratelimit-complexity-limit": "250000", "x-ratelimit-complexity-remaining": "27000",
        "x-ratelimit-complexity-reset": str(int(reset * 1000)),
    }  # fmt: skip
    respx_mock.post("https://api.linear.app/graphql").respond(200, json={"data": {}},
                                                              headers=headers)  # fmt: skip
    clock = VirtualClock(start=NOW)
    waits: list[Any] = []
    transport = ResilientTransport(
        httpx.AsyncHTTPTransport(), provider_label="Linear",
        base_url="https://api.linear.app/graphql", auth_header="lin_api_x", policy=LinearPolicy(),
        clock=clock, reserve_fraction=0.10, on_wait=waits.append)  # fmt: skip

    async def two() -> None:
        async with httpx.AsyncClient(transport=transport) as client:
            for _ in range(2):
                await client.post("https://api.linear.app/graphql", json={"query": "{x}"})

    asyncio.run(two())
    # 27,000 left - 3,000 for the next query = 24,000 <= 25,000 (10%): wait for the reset.
    assert len(waits) == 1 and waits[0].until >= reset
    assert waits[0].reason == "keeping 25000 of 250000 complexity points in reserve"


def test_the_json_summary_shows_both_linear_budgets(
    tmp_path: Path,
    anchor: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BACKFILL_SIM", f"anchor={anchor},clock=virtual")
    db = tmp_path / "m.db"
    result = run_cli(capsys, "run", "linear:ENG", "github:acme/rocket", "--simulate",
                     "--workspace", "demo", "--days", "7", "--json", "--db", str(db))  # fmt: skip
    assert result.code == 0, result.err
    budgets = {s["source"]: s["rate_limit_budgets"] for s in result.summary["sources"]}
    assert set(budgets["linear"]) == {"requests", "complexity"}
    assert budgets["linear"]["complexity"]["limit"] == 3_000_000
    assert 0 < budgets["linear"]["complexity"]["remaining"] < 3_000_000
    assert set(budgets["github"]) == {"requests"}
    text = run_cli(capsys, "run", "linear:ENG", "--simulate", "--workspace", "demo",
                   "--days", "7", "--db", str(db))  # fmt: skip
    assert text.code == 0, text.err
    assert "budgets left: requests " in text.out and " · complexity " in text.out


def test_the_dashboard_source_line_shows_both_linear_budgets() -> None:
    from textual.app import App, ComposeResult

    from backfill_tui.engine.live import SourceState
    from backfill_tui.widgets.run_rows import SourceHeader

    class OneHeader(App[None]):
        def compose(self) -> ComposeResult:
            yield SourceHeader("linear:ENG")

    async def show() -> str:
        async with OneHeader().run_test() as pilot:
            header = pilot.app.query_one(SourceHeader)
            state = SourceState("linear:ENG", quota_remaining=4990, quota_limit=5000)
            state.budgets = {"requests": (4990, 5000), "complexity": (2_950_000, 3_000_000)}
            header.show(state, now=0.0)
            await pilot.pause()
            return str(header.render())

    assert asyncio.run(show()) == (
        "linear:ENG · quota 4990/5000 left · complexity 2,950,000/3,000,000 points left"
    )
