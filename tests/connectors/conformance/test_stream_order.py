"""Every stream's ordering, window and stop rule (issue 9, item 1), one case per stream.

Each connector writes down, per stream, the field its list is ordered by, the field the window
is on and its stop rule (``Connector.orders``). Here every one of the ten streams meets the same
scripted answer: page 1 lists A (in the window), B (out of it) and then C, an item inside the
window listed behind B; page 2 lists D (in the window). Where the API's ordering allows C behind
B (GitHub releases are listed by creation but windowed on publication; Sentry's event order is
not documented), C is a real item a stop would lose. A stream may stop early only where its list
is sorted on the window's own field: then B proves nothing later is in the window, page 2 is
never requested and only A is stored. Every other stream reads every page and filters, so A, C
and D are stored and B is not. The row of the docs table for each stream is checked too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from backfill_tui.connectors import PROVIDERS

from .harness import NOW, TOKENS, Samples, days_ago, iso, make_connector, read_stream, stored

CUTOFF = NOW - timedelta(days=30)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "real-world.md"


@dataclass(frozen=True)
class Case:
    provider: str
    target: str
    entity: str
    #: (item, window time, order time) -> item with its time fields set
    retime: Callable[[dict[str, Any], datetime, datetime], dict[str, Any]]
    #: (item, n) -> item given a unique identity, and the text its sourceId then contains
    mark: Callable[[dict[str, Any], int], tuple[dict[str, Any], str]]
    #: True where B is only out of the window by a field the stream does not filter on
    b_kept: bool = False


# -- per provider: where the list is, how a page is written ------------------------------------

GITHUB = "https://api.github.com"
VERCEL = "https://api.vercel.com"
SENTRY = "https://sentry.io"
LINEAR = "https://api.linear.app/graphql"
_SAMPLES: Samples | None = None


def samples() -> Samples:
    global _SAMPLES
    if _SAMPLES is None:
        _SAMPLES = Samples.create()
    return _SAMPLES


def _rest(url: str, params: dict[str, str], provider: str, n: int = 4) -> list[dict[str, Any]]:
    auth = PROVIDERS[provider].auth_header(TOKENS[provider])
    return samples().rest(url, params, auth, n)


def _github_items(endpoint: str) -> list[dict[str, Any]]:
    params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": "30"}
    items = _rest(f"{GITHUB}/repos/acme/rocket/{endpoint}", params, "github", 30)
    if endpoint == "issues":
        items = [i for i in items if "pull_request" not in i]
    if endpoint == "releases":
        items = [i for i in items if not i["draft"]]
    return items[:4]


def _link(url: str, page: int, more: bool, sentry: bool) -> dict[str, str]:
    nxt = f"{url}?page={page + 1}" if not sentry else f"{url}?cursor=0:{page * 100}:0"
    if sentry:
        return {
            "link": f'<{url}?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", '
            f'<{nxt}>; rel="next"; results="{"true" if more else "false"}"; cursor="x"'
        }
    return {"link": f'<{nxt}>; rel="next"'} if more else {}


def rest_pages(
    router: respx.MockRouter, case: Case, url: str, pages: list[list[Any]]
) -> respx.Route:
    sentry = case.provider == "sentry"
    answers = []
    for n, items in enumerate(pages, start=1):
        more = n < len(pages)
        if case.provider == "vercel":
            following = items[-1]["created"] if more else None
            body: Any = {
                "deployments": items,
                "pagination": {"count": len(items), "next": following},
            }
            answers.append(httpx.Response(200, json=body))
        else:
            answers.append(httpx.Response(200, json=items, headers=_link(url, n, more, sentry)))
    if len(pages) > 1 and case.provider != "vercel":
        # the catch-up after the last page (LinkedListStream._caught_up) reads the front
        # again: the same items, none updated since the run began
        answers.append(httpx.Response(200, json=pages[0], headers=_link(url, 1, True, sentry)))
    return router.get(url__startswith=url).mock(side_effect=answers)


def linear_pages(router: respx.MockRouter, root: str, pages: list[list[Any]]) -> respx.Route:
    team = {"id": "t-1", "key": "ENG", "name": "Engineering", "organization": {"id": "o-1"}}
    answers = [httpx.Response(200, json={"data": {"teams": {"nodes": [team]}}})]
    for n, nodes in enumerate(pages, start=1):
        more = n < len(pages)
        info = {"hasNextPage": more, "endCursor": f"cursor-{n}"}
        answers.append(
            httpx.Response(200, json={"data": {root: {"nodes": nodes, "pageInfo": info}}})
        )
    if len(pages) > 1:  # the catch-up after the last page (LinearStream._caught_up): no news,
        # only the scan's newest node again, as Linear lists it (updated since the scan began)
        info = {"hasNextPage": False, "endCursor": None}
        again = {"nodes": pages[0][:1], "pageInfo": info}
        answers.append(httpx.Response(200, json={"data": {root: again}}))
    return router.post(LINEAR).mock(side_effect=answers)


# -- the ten streams ---------------------------------------------------------------------------


def _pr(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    return {
        **item,
        "updated_at": iso(window),
        "created_at": iso(window - timedelta(hours=1)),
        "closed_at": None,
        "merged_at": None,
        "state": "open",
    }


def _release(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    return {**item, "created_at": iso(order), "published_at": iso(window), "draft": False}


def _commit(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    detail = {
        **item["commit"],
        "author": {**item["commit"]["author"], "date": iso(order)},  # rebased: old author date
        "committer": {**item["commit"]["committer"], "date": iso(window)},
    }
    return {**item, "commit": detail}


def _deployment(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    ms = int(window.timestamp() * 1000)
    return {**item, "created": ms, "createdAt": ms, "buildingAt": ms}


def _linear(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    stamp = window.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {**item, "updatedAt": stamp, "createdAt": stamp}


def _sentry_issue(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    return {**item, "lastSeen": iso(window), "firstSeen": iso(window - timedelta(hours=1))}


def _event(item: dict[str, Any], window: datetime, order: datetime) -> dict[str, Any]:
    return {**item, "dateCreated": iso(window), "dateReceived": iso(window)}


def _numbered(item: dict[str, Any], n: int) -> tuple[dict[str, Any], str]:
    return {**item, "number": 9000 + n, "id": 77_000 + n}, f"#{9000 + n}:"


CASES = [
    Case("github", "acme/rocket", "pull_request", _pr, _numbered),
    Case("github", "acme/rocket", "issue", _pr, _numbered),
    Case(
        "github",
        "acme/rocket",
        "release",
        _release,
        lambda i, n: ({**i, "tag_name": f"v9.{n}.0", "id": 55_000 + n}, f":v9.{n}.0"),
    ),
    Case(
        "github",
        "acme/rocket",
        "push",
        _commit,
        lambda i, n: ({**i, "sha": f"{n:x}" * 40}, f":{f'{n:x}' * 40}"),
        b_kept=True,  # the window is GitHub's since; an old author date is not filtered
    ),
    Case(
        "vercel",
        "acme/rocket-web",
        "deployment",
        _deployment,
        lambda i, n: ({**i, "uid": f"dpl_mark{n}"}, f"deployment:dpl_mark{n}"),
    ),
    Case(
        "linear",
        "ENG",
        "issue",
        _linear,
        lambda i, n: (
            {**i, "id": f"i-mark-{n}", "identifier": f"ENG-{9000 + n}"},
            f":ENG-{9000 + n}:",
        ),
    ),
    Case(
        "linear",
        "ENG",
        "comment",
        _linear,
        lambda i, n: ({**i, "id": f"c-mark-{n}"}, f":c-mark-{n}:"),
    ),
    Case(
        "linear",
        "ENG",
        "project",
        _linear,
        lambda i, n: ({**i, "id": f"p-mark-{n}", "slugId": f"mark{n}"}, f"linear-project:mark{n}:"),
    ),
    Case(
        "sentry",
        "acme/rocket",
        "issue",
        _sentry_issue,
        lambda i, n: ({**i, "id": str(880_000 + n), "shortId": f"ROCKET-Z{n}"}, f":ROCKET-Z{n}:"),
    ),
    Case(
        "sentry",
        "acme/rocket",
        "error",
        _event,
        lambda i, n: ({**i, "eventID": f"{n:x}" * 32, "id": f"{n:x}" * 32}, f":{f'{n:x}' * 32}"),
    ),
]


def _items(case: Case) -> list[dict[str, Any]]:
    if case.provider == "github":
        endpoint = {
            "pull_request": "pulls",
            "issue": "issues",
            "release": "releases",
            "push": "commits",
        }
        return _github_items(endpoint[case.entity])
    if case.provider == "vercel":
        params = {"projectId": "rocket-web", "slug": "acme", "limit": "4"}
        return _rest(f"{VERCEL}/v6/deployments", params, "vercel")
    if case.provider == "linear":
        return samples().graphql(case.entity, 4)
    if case.entity == "issue":
        return _rest(f"{SENTRY}/api/0/organizations/acme/issues/", {"query": ""}, "sentry")
    return _rest(f"{SENTRY}/api/0/projects/acme/rocket/events/", {"full": "true"}, "sentry")


def _prepare(router: respx.MockRouter, case: Case) -> None:
    if case.provider == "github":
        repo = samples()._call("GET", f"{GITHUB}/repos/acme/rocket")
        router.get(f"{GITHUB}/repos/acme/rocket").respond(200, json=repo)
    elif case.provider == "vercel":
        project = samples()._call(
            "GET", f"{VERCEL}/v9/projects/rocket-web", params={"slug": "acme"}
        )
        router.get(f"{VERCEL}/v9/projects/rocket-web").respond(200, json=project)
    elif case.provider == "sentry":
        project = samples()._call("GET", f"{SENTRY}/api/0/projects/acme/rocket/")
        router.get(f"{SENTRY}/api/0/projects/acme/rocket/").respond(200, json=project)


def _list_url(case: Case) -> str:
    if case.provider == "github":
        endpoint = {
            "pull_request": "pulls",
            "issue": "issues",
            "release": "releases",
            "push": "commits",
        }
        return f"{GITHUB}/repos/acme/rocket/{endpoint[case.entity]}"
    if case.provider == "vercel":
        return f"{VERCEL}/v6/deployments"
    if case.entity == "issue":
        return f"{SENTRY}/api/0/organizations/acme/issues/"
    return f"{SENTRY}/api/0/projects/acme/rocket/events/"


@pytest.mark.parametrize("case", CASES, ids=[f"{c.provider}-{c.entity}" for c in CASES])
@respx.mock(assert_all_called=False)
def test_an_in_window_item_behind_an_out_of_window_one(
    case: Case, respx_mock: respx.MockRouter
) -> None:
    order = PROVIDERS[case.provider].connector.orders[case.entity]
    base = _items(case)
    assert len(base) >= 4, "the simulator gave too few sample items"
    plan = [  # (window time, order time)
        (days_ago(2), days_ago(2)),  # A
        (days_ago(40), days_ago(40)) if not case.b_kept else (days_ago(3), days_ago(40)),  # B
        (days_ago(2), days_ago(60)),  # C: in the window, listed behind B
        (days_ago(1), days_ago(70)),  # D: page 2
    ]
    items, marks = [], []
    for n, (item, (window, when)) in enumerate(zip(base, plan, strict=True), start=1):
        marked, mark = case.mark(case.retime(item, window, when), n)
        items.append(marked)
        marks.append(mark)
    _prepare(respx_mock, case)
    pages = [items[:3], items[3:]]
    if case.provider == "linear":
        root = {"issue": "issues", "comment": "comments", "project": "projects"}[case.entity]
        route = linear_pages(respx_mock, root, pages)
        # the first call is the team; the catch-up after two pages is no page of the list
        list_calls = lambda: min(route.call_count - 1, len(pages))  # noqa: E731
    else:
        route = rest_pages(respx_mock, case, _list_url(case), pages)
        list_calls = lambda: min(route.call_count, len(pages))  # noqa: E731

    connector = make_connector(case.provider, case.target, CUTOFF)
    ids = stored(read_stream(connector, case.entity))

    def kept(mark: str) -> bool:
        return any(mark in sid for sid in ids)

    assert kept(marks[0])
    assert kept(marks[1]) is case.b_kept
    if order.early_stop:
        # Sorted on the window's own field: B proves nothing later is in the window.
        assert not kept(marks[2]) and not kept(marks[3])
        assert list_calls() == 1
    else:
        assert kept(marks[2]) and kept(marks[3]), (case.entity, ids)
        assert list_calls() == 2


def test_every_stream_has_its_rule_written_down_and_documented() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    covered = {(c.provider, c.entity) for c in CASES}
    for name, info in PROVIDERS.items():
        orders = info.connector.orders
        assert set(orders) == set(info.connector.entities), name
        for entity, order in orders.items():
            assert (name, entity) in covered
            assert order.ordered_by and order.window_on and order.stop_rule
            # early stop only where the list is ordered on the window's own field
            if order.early_stop:
                assert order.ordered_by.split(",")[0].strip() == order.window_on
            row = re.search(rf"^\| {name} \| {entity} \|(.*)$", docs, re.MULTILINE)
            assert row, f"docs/real-world.md has no row for {name} {entity}"
            cells = row.group(1)
            assert f"| {'yes' if order.early_stop else 'no'} |" in cells
    assert len(covered) == 10
